import { inUnit, type Context, type Unit } from '../../context.js';
import type { Offer, Opportunity, SalesDocument } from '../../domain/sales-types.js';
import type { Partner } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { createOffer, type OfferInput } from '../offers.js';
import { checkHostDocument, markCancelled, recordDocument, withHostDocument, type SalesHooks } from '../offers/documents.js';
import { requireAction } from './stages.js';

/** Offers and orders generated from opportunities (the host issues orders through `hooks`). */
export function ordersApi(ctx: Context, hooks: SalesHooks) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const load = (unit: Unit, id: string) => unit.load<Opportunity>('opportunities', id, 'opportunity');

  return {
    /** Generates a draft offer from an opportunity at a stage that allows offers (offering). */
    generateOffer(id: string, input: Omit<OfferInput, 'partnerId' | 'opportunityId' | 'currency'> & { currency?: string }): Promise<Offer> {
      return run(async (unit) => {
        const opp = await load(unit, id);
        await requireAction(unit, opp, 'offer');
        return createOffer(unit, {
          ...input,
          partnerId: opp.partnerId,
          opportunityId: opp.id,
          personId: input?.personId !== undefined ? input.personId : opp.personId,
          ownerId: input?.ownerId !== undefined ? input.ownerId : opp.ownerId,
          currency: input?.currency ?? opp.currency,
        });
      });
    },

    /**
     * Creates a customer order in the host application (`hooks.createOrder`) from an opportunity at
     * a stage that allows orders (negotiation), and links it into the partner history.
     */
    async createOrder(id: string): Promise<SalesDocument> {
      if (!hooks.createOrder) throw new RapportError('VALIDATION', 'creating an order needs a host handler: pass hooks.createOrder to createCrm');
      const { opp, partner, offer } = await run(async (unit) => {
        const opp = await load(unit, id);
        await requireAction(unit, opp, 'order');
        const partner = await unit.load<Partner>('partners', opp.partnerId, 'partner');
        if (partner.salesBlocked) throw invalid('partner', `${partner.code} has a sales block; no order can be issued`, partner.id);
        const offers = (
          await unit.tx.find<Offer>('offers', {
            where: where.and(where.eq('opportunityId', id), where.in('status', ['accepted', 'sent'])),
            sort: [{ field: 'createdAt', direction: 'desc' }],
            limit: 100,
          })
        ).items;
        return { opp, partner, offer: offers.find((o) => o.status === 'accepted') ?? offers[0] ?? null };
      });
      return withHostDocument(
        hooks,
        'order',
        () => hooks.createOrder!({ opportunity: opp, partner, offer }),
        (doc) =>
          run(async (unit) => {
            const current = await load(unit, id);
            if (current.version !== opp.version)
              throw new RapportError('CONFLICT', `opportunity ${opp.name} changed while the order was being created; try again`);
            const checked = checkHostDocument('hooks.createOrder result', doc, unit.now);
            const saved = await unit.save('opportunities', current, { updatedAt: unit.now });
            return recordDocument(
              unit,
              'order',
              { ...checked, currency: checked.currency ?? opp.currency },
              { partnerId: saved.partnerId, opportunityId: saved.id, offerId: offer?.id ?? null },
            );
          }),
      );
    },

    /** Cancels an order created from an opportunity (host first through `hooks.cancelDocument`). */
    async cancelOrder(documentId: string, options: { reason?: string } = {}): Promise<SalesDocument> {
      const doc = await ctx.store.get<SalesDocument>('sales_documents', v.id('documentId', documentId));
      if (!doc || !doc.opportunityId) throw new RapportError('NOT_FOUND', `order ${JSON.stringify(documentId)} of an opportunity does not exist`);
      if (doc.status === 'cancelled') throw invalid('document', `${doc.docType} ${doc.number ?? doc.docId} is already cancelled`, documentId);
      const reason = v.text('reason', options.reason, { max: 500, optional: true });
      if (hooks.cancelDocument) await hooks.cancelDocument({ docType: doc.docType, docId: doc.docId, number: doc.number });
      return run(async (unit) => markCancelled(unit, await unit.load<SalesDocument>('sales_documents', documentId, 'document'), reason));
    },
  };
}
