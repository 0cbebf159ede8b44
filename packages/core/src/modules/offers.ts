import { inUnit, type Context, type Unit, inRead } from '../context.js';
import { OFFER_STATUSES, type Offer, type OfferStatus, type Opportunity, type SalesDocument, type SalesDocumentType } from '../domain/sales-types.js';
import type { Partner, Person } from '../domain/types.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import type { Page } from '../store/store.js';
import * as v from '../validate.js';
import { checkHostDocument, markCancelled, recordDocument, withHostDocument, type SalesHooks } from './offers/documents.js';
import { currency, offerLine, offerTotals, type OfferLineInput } from './offers/money.js';
import { readAll } from '../store/find-all.js';

export interface OfferInput {
  partnerId: string;
  personId?: string | null;
  opportunityId?: string | null;
  ownerId?: string | null;
  currency: string;
  validUntil?: Date | string | null;
  lines: OfferLineInput[];
  note?: string | null;
}

export type OfferPatch = Partial<Pick<OfferInput, 'personId' | 'ownerId' | 'currency' | 'validUntil' | 'lines' | 'note'>>;

/** Allowed status changes of an offer; conversion is possible from `sent` and `accepted`. */
export const OFFER_TRANSITIONS: Record<OfferStatus, OfferStatus[]> = {
  draft: ['sent', 'cancelled'],
  sent: ['accepted', 'rejected', 'expired', 'cancelled'],
  accepted: ['cancelled'],
  rejected: [],
  expired: [],
  cancelled: [],
};

const DOCUMENT_TYPES = ['order', 'proforma', 'invoice'] as const;

function checkLines(value: unknown) {
  if (!Array.isArray(value) || value.length === 0) throw invalid('offer.lines', 'must be a non-empty list of lines', value);
  if (value.length > 1000) throw invalid('offer.lines', 'must have at most 1000 lines', value.length);
  return value.map((line, i) => offerLine(`offer.lines[${i}]`, line as OfferLineInput));
}

async function checkPerson(unit: Unit, personId: string | null, partnerId: string, what: string) {
  if (!personId) return;
  const person = await unit.load<Person>('persons', personId, 'person', `${what}.personId`);
  if (person.partnerId && person.partnerId !== partnerId) throw invalid(`${what}.personId`, `is a contact of another partner (${person.partnerId})`, personId);
}

/** Creates an offer inside a unit (used by `crm.offers.create` and by opportunities at the offering stage). */
export async function createOffer(unit: Unit, input: OfferInput): Promise<Offer> {
  if (!input || typeof input !== 'object') throw invalid('offer', 'must be an object', input);
  const partnerId = v.id('offer.partnerId', input.partnerId);
  const partner = await unit.load<Partner>('partners', partnerId, 'partner', 'offer.partnerId');
  const personId = v.id('offer.personId', input.personId, true);
  await checkPerson(unit, personId, partnerId, 'offer');
  const opportunityId = v.id('offer.opportunityId', input.opportunityId, true);
  if (opportunityId) {
    const opp = await unit.load<Opportunity>('opportunities', opportunityId, 'opportunity', 'offer.opportunityId');
    if (opp.partnerId !== partnerId) throw invalid('offer.opportunityId', `belongs to another partner (${opp.partnerId})`, opportunityId);
  }
  const ownerId = v.id('offer.ownerId', input.ownerId, true);
  if (ownerId) await unit.load('operators', ownerId, 'operator', 'offer.ownerId');
  const lines = checkLines(input.lines);
  const seq = await unit.tx.nextSequence(`offers:${unit.now.getUTCFullYear()}`);
  const offer: Offer = {
    id: newId(unit.now.getTime()),
    version: 1,
    number: `${String(seq).padStart(4, '0')}/${unit.now.getUTCFullYear()}/OF`,
    partnerId,
    personId,
    opportunityId,
    ownerId: ownerId ?? unit.actorId,
    currency: currency('offer.currency', input.currency),
    status: 'draft',
    validUntil: v.date('offer.validUntil', input.validUntil, true),
    lines,
    totals: offerTotals(lines),
    note: v.text('offer.note', input.note, { max: 10_000, optional: true }),
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('offers', offer);
  await unit.timeline({
    partnerId,
    personId,
    kind: 'offer.created',
    subjectType: 'offer',
    subjectId: offer.id,
    title: `Offer ${offer.number} for ${partner.name}`,
    data: { number: offer.number, opportunityId, net: offer.totals.net, gross: offer.totals.gross, currency: offer.currency },
  });
  unit.emit({ type: 'offer.created', offer });
  return offer;
}

/** Moves an offer to another status, following OFFER_TRANSITIONS; audited and in the history. */
export async function changeOfferStatus(unit: Unit, offer: Offer, to: OfferStatus, reason: string | null = null): Promise<Offer> {
  if (offer.status === to) return offer;
  if (!OFFER_TRANSITIONS[offer.status].includes(to)) {
    throw invalid('offer.status', `cannot change from ${offer.status} to ${to} (offer ${offer.number})`, to);
  }
  if (to === 'accepted' && offer.validUntil && offer.validUntil.getTime() < unit.now.getTime()) {
    throw invalid('offer', `${offer.number} expired on ${offer.validUntil.toISOString()} and can no longer be accepted`, offer.id);
  }
  const saved = await unit.save('offers', offer, { status: to, updatedAt: unit.now });
  await unit.audit('offer', offer.id, 'status', offer.status, to);
  await unit.timeline({
    partnerId: offer.partnerId,
    personId: offer.personId,
    kind: `offer.${to}`,
    subjectType: 'offer',
    subjectId: offer.id,
    title: `Offer ${offer.number} ${to}${reason ? `: ${reason}` : ''}`,
    data: { number: offer.number, from: offer.status, to, reason, opportunityId: offer.opportunityId },
  });
  unit.emit({ type: 'offer.status_changed', offer: saved, from: offer.status, to });
  return saved;
}

/** Commercial offers (oferty handlowe): lines, integer totals, statuses, conversion into host documents. */
export function offersModule(ctx: Context, hooks: SalesHooks = {}) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const setStatus = (id: string, to: OfferStatus, reason?: string | null) =>
    run(async (unit) => changeOfferStatus(unit, await unit.load<Offer>('offers', id, 'offer'), to, v.text('reason', reason, { max: 500, optional: true })));

  return {
    /** Creates a draft offer numbered `0001/2026/OF`; totals are computed from the lines. */
    create(input: OfferInput): Promise<Offer> {
      return run((unit) => createOffer(unit, input));
    },

    get(id: string): Promise<Offer> {
      return inRead(ctx, (unit) => unit.load<Offer>('offers', id, 'offer'));
    },

    /** Changes a draft offer (lines, currency, validity, contact, note); a sent offer is fixed. */
    update(id: string, given: OfferPatch, options: { expectedVersion?: number } = {}): Promise<Offer> {
      return run(async (unit) => {
        const offer = await unit.load<Offer>('offers', id, 'offer');
        const patch = v.definedOnly(given ?? {});
        if (offer.status !== 'draft') throw invalid('offer', `${offer.number} is ${offer.status}; only a draft can be changed`, id);
        const fields: Partial<Offer> = {};
        if ('personId' in patch) {
          fields.personId = v.id('offer.personId', patch.personId, true);
          await checkPerson(unit, fields.personId, offer.partnerId, 'offer');
        }
        if ('ownerId' in patch) {
          fields.ownerId = v.id('offer.ownerId', patch.ownerId, true);
          if (fields.ownerId) await unit.load('operators', fields.ownerId, 'operator', 'offer.ownerId');
        }
        if ('currency' in patch) fields.currency = currency('offer.currency', patch.currency);
        if ('validUntil' in patch) fields.validUntil = v.date('offer.validUntil', patch.validUntil, true);
        if ('note' in patch) fields.note = v.text('offer.note', patch.note, { max: 10_000, optional: true });
        if ('lines' in patch) {
          fields.lines = checkLines(patch.lines);
          fields.totals = offerTotals(fields.lines);
        }
        return unit.save('offers', offer, { ...fields, updatedAt: unit.now }, options.expectedVersion);
      });
    },

    list(
      query: { partnerId?: string; opportunityId?: string; status?: OfferStatus | OfferStatus[]; limit?: number; cursor?: string } = {},
    ): Promise<Page<Offer>> {
      const statuses =
        query.status === undefined
          ? undefined
          : (Array.isArray(query.status) ? query.status : [query.status]).map((s) => v.oneOf('offer.status', s, OFFER_STATUSES));
      return ctx.store.find<Offer>('offers', {
        where: where.and(
          query.partnerId ? where.eq('partnerId', query.partnerId) : undefined,
          query.opportunityId ? where.eq('opportunityId', query.opportunityId) : undefined,
          statuses ? where.in('status', statuses) : undefined,
        ),
        sort: [{ field: 'createdAt', direction: 'desc' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Marks a draft as sent to the customer. */
    send(id: string): Promise<Offer> {
      return setStatus(id, 'sent');
    },
    /** The customer accepted a sent offer (refused after `validUntil`). */
    accept(id: string): Promise<Offer> {
      return setStatus(id, 'accepted');
    },
    reject(id: string, options: { reason?: string } = {}): Promise<Offer> {
      return setStatus(id, 'rejected', options.reason);
    },
    /** Withdraws an offer (e.g. one generated from an opportunity by mistake). */
    cancel(id: string, options: { reason?: string } = {}): Promise<Offer> {
      return setStatus(id, 'cancelled', options.reason);
    },

    /** Marks every sent offer whose `validUntil` has passed as expired; returns them. */
    expireDue(): Promise<Offer[]> {
      return run(async (unit) => {
        const due = await readAll<Offer>(unit.tx, 'offers', { where: where.and(where.eq('status', 'sent'), where.lt('validUntil', unit.now)) });
        const out: Offer[] = [];
        for (const offer of due) out.push(await changeOfferStatus(unit, offer, 'expired'));
        return out;
      });
    },

    /**
     * Turns a sent or accepted offer into an order, pro forma or invoice through the host's
     * `hooks.convertOffer`, marks it accepted and links the document into the partner history.
     * Draft, rejected, expired and cancelled offers are refused (VALIDATION).
     */
    async convert(offerId: string, target: SalesDocumentType): Promise<SalesDocument> {
      const docType = v.oneOf('target', target, DOCUMENT_TYPES);
      const offer = await ctx.store.get<Offer>('offers', v.id('offerId', offerId));
      if (!offer) throw new RapportError('NOT_FOUND', `offer ${JSON.stringify(offerId)} does not exist`);
      if (offer.status !== 'sent' && offer.status !== 'accepted') {
        throw invalid('offer', `${offer.number} is ${offer.status}; only a sent or accepted offer can become a ${docType}`, offerId);
      }
      if (offer.status === 'sent' && offer.validUntil && offer.validUntil.getTime() < ctx.clock.now().getTime()) {
        throw invalid('offer', `${offer.number} expired on ${offer.validUntil.toISOString()} and can no longer be accepted`, offerId);
      }
      if (!hooks.convertOffer) throw new RapportError('VALIDATION', 'converting an offer needs a host handler: pass hooks.convertOffer to createCrm');
      const partner = await ctx.store.get<Partner>('partners', offer.partnerId);
      if (!partner) throw new RapportError('NOT_FOUND', `partner ${JSON.stringify(offer.partnerId)} does not exist`);
      if (partner.salesBlocked) throw invalid('partner', `${partner.code} has a sales block; no ${docType} can be issued`, partner.id);
      return withHostDocument(
        hooks,
        docType,
        () => hooks.convertOffer!({ target: docType, offer, partner, lines: offer.lines }),
        (doc) =>
          run(async (unit) => {
            const current = await unit.load<Offer>('offers', offer.id, 'offer');
            if (current.version !== offer.version)
              throw new RapportError('CONFLICT', `offer ${offer.number} changed while the ${docType} was being created; try again`);
            const checked = checkHostDocument(`hooks.convertOffer result`, doc, unit.now);
            await changeOfferStatus(unit, current, 'accepted');
            return recordDocument(
              unit,
              docType,
              { ...checked, currency: checked.currency ?? offer.currency },
              { partnerId: offer.partnerId, opportunityId: offer.opportunityId, offerId: offer.id },
            );
          }),
      );
    },

    /** Host documents created from an offer, an opportunity or for a partner. */
    async documents(query: { offerId?: string; opportunityId?: string; partnerId?: string }): Promise<SalesDocument[]> {
      return readAll<SalesDocument>(ctx.store, 'sales_documents', {
        where: where.and(
          query.offerId ? where.eq('offerId', query.offerId) : undefined,
          query.opportunityId ? where.eq('opportunityId', query.opportunityId) : undefined,
          query.partnerId ? where.eq('partnerId', query.partnerId) : undefined,
        ),
        sort: [{ field: 'createdAt' }],
      });
    },

    /** Cancels a host document the CRM created: `hooks.cancelDocument` first, then the CRM records it. */
    async cancelDocument(documentId: string, options: { reason?: string } = {}): Promise<SalesDocument> {
      const doc = await ctx.store.get<SalesDocument>('sales_documents', v.id('documentId', documentId));
      if (!doc) throw new RapportError('NOT_FOUND', `document ${JSON.stringify(documentId)} does not exist`);
      if (doc.status === 'cancelled') throw invalid('document', `${doc.docType} ${doc.number ?? doc.docId} is already cancelled`, documentId);
      const reason = v.text('reason', options.reason, { max: 500, optional: true });
      if (hooks.cancelDocument) await hooks.cancelDocument({ docType: doc.docType, docId: doc.docId, number: doc.number });
      return run(async (unit) => markCancelled(unit, await unit.load<SalesDocument>('sales_documents', documentId, 'document'), reason));
    },
  };
}
