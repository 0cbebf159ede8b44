import { inUnit, inRead, type Context } from '../../context.js';
import type { Partner } from '../../domain/types.js';
import { RapportError } from '../../errors.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { canonicalDomain } from '../../domain/mail-address.js';
import { partnerKeyForDomain, syncContactKeys } from '../contact-keys.js';
import { leadsApi } from './leads.js';
import { checkFields, checkReferences, createPartner, type PartnerInput, type PartnerPatch, type PartnerQuery } from './partner.js';

export type { PartnerInput, PartnerPatch, PartnerQuery } from './partner.js';
export type { LeadInput } from './leads.js';
export { createPartner } from './partner.js';

/** Partners (kontrahenci): customers, prospects, leads, suppliers, partners and competitors. */
export function partnersModule(ctx: Context) {
  const api = {
    /** Creates a partner; its code is unique (stored upper-case) and its e-mail domains belong to it alone. */
    create(input: PartnerInput): Promise<Partner> {
      return inUnit(ctx, (unit) => createPartner(unit, input, ctx.settings.phoneCountry));
    },

    /** The partner with this id, or NOT_FOUND. */
    get(id: string): Promise<Partner> {
      return inRead(ctx, (unit) => unit.load<Partner>('partners', id, 'partner'));
    },

    /** The partner with this code (case-insensitive), or null. */
    async findByCode(code: string): Promise<Partner | null> {
      const page = await ctx.store.find<Partner>('partners', { where: where.eq('code', String(code).trim().toUpperCase()), limit: 1 });
      return page.items[0] ?? null;
    },

    /** Changes the given fields; `expectedVersion` guards against overwriting someone else's change. */
    update(id: string, patch: PartnerPatch, options: { expectedVersion?: number } = {}): Promise<Partner> {
      return inUnit(ctx, async (unit) => {
        const partner = await unit.load<Partner>('partners', id, 'partner');
        const fields = checkFields(patch, ctx.settings.phoneCountry);
        await checkReferences(unit, fields, id);
        const changed = v.changedFields(partner, fields);
        const saved = await unit.save('partners', partner, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        if (fields.emails || fields.emailDomains) {
          await syncContactKeys(unit, 'partner', id, { emails: saved.emails, domains: saved.emailDomains });
        }
        for (const field of ['ownerId', 'kind', 'salesBlocked'] as const) {
          if (changed.includes(field)) await unit.audit('partner', id, field, partner[field], saved[field]);
        }
        if (changed.includes('kind')) {
          await unit.timeline({
            partnerId: id,
            personId: null,
            kind: 'partner.kind_changed',
            subjectType: 'partner',
            subjectId: id,
            title: `${partner.kind} → ${saved.kind}`,
            data: { from: partner.kind, to: saved.kind },
          });
        }
        unit.emit({ type: 'partner.updated', partner: saved, changed });
        return saved;
      });
    },

    /** Partners page by page, ordered by name. */
    list(query: PartnerQuery = {}): Promise<Page<Partner>> {
      const kinds = query.kind === undefined ? undefined : Array.isArray(query.kind) ? query.kind : [query.kind];
      const search = query.search?.trim();
      return ctx.store.find<Partner>('partners', {
        where: where.and(
          kinds ? where.in('kind', kinds) : undefined,
          query.ownerId ? where.eq('ownerId', query.ownerId) : undefined,
          search ? where.or(where.contains('name', search, true), where.contains('code', search, true)) : undefined,
          query.where,
        ),
        sort: [{ field: 'name' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /**
     * The partner an e-mail domain belongs to (in either spelling, Unicode or xn--): the owner of
     * the most specific registered domain of it or its parents, or null.
     */
    async findByDomain(domain: string): Promise<Partner | null> {
      return inRead(ctx, async (unit) => {
        const canonical = canonicalDomain(String(domain).replace(/^\s*@/, ''));
        const key = canonical ? await partnerKeyForDomain(unit, canonical) : null;
        return key ? unit.tx.get<Partner>('partners', key.ownerId) : null;
      });
    },

    /** Deletes a partner that nothing refers to; one with tasks or persons is a CONFLICT. */
    remove(id: string, options: { expectedVersion?: number } = {}): Promise<void> {
      return inUnit(ctx, async (unit) => {
        await unit.load<Partner>('partners', id, 'partner');
        for (const collection of ['tasks', 'persons'] as const) {
          const n = await unit.tx.count(collection, where.eq('partnerId', id));
          if (n > 0) throw new RapportError('CONFLICT', `partner ${id} still has ${n} ${collection}: move or delete them first`);
        }
        await syncContactKeys(unit, 'partner', id, { emails: [] });
        await unit.tx.delete('partners', id, options.expectedVersion);
      });
    },
  };
  return { ...api, ...leadsApi(ctx, api.update) };
}
