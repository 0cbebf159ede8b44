import { inUnit, type Context, type Unit, inRead } from '../context.js';
import { PARTNER_KINDS, type Address, type CustomFields, type Partner, type PartnerKind } from '../domain/types.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where, type Filter } from '../store/filter.js';
import type { Page } from '../store/store.js';
import { isFreemail } from '../domain/freemail.js';
import { canonicalDomain } from '../domain/mail-address.js';
import * as v from '../validate.js';
import { lookupKey, partnerKeyForDomain, syncContactKeys } from './contact-keys.js';

export interface PartnerInput {
  code: string;
  name: string;
  kind?: PartnerKind;
  taxId?: string | null;
  emails?: string[];
  emailDomains?: string[];
  phones?: string[];
  address?: Address | null;
  industry?: string | null;
  turnover?: number | null;
  employees?: number | null;
  ownerId?: string | null;
  salesBlocked?: boolean;
  customFields?: CustomFields;
}

export type PartnerPatch = Partial<PartnerInput>;

export interface PartnerQuery {
  kind?: PartnerKind | PartnerKind[];
  ownerId?: string;
  /** Matches code or name, case-insensitively. */
  search?: string;
  where?: Filter;
  limit?: number;
  cursor?: string;
}

const CODE = /^[A-Z0-9][A-Z0-9._\-/]{0,63}$/;

function checkFields(patch: PartnerPatch): Partial<Partner> {
  // An undefined field is one not given (null clears it).
  const input = v.definedOnly(patch);
  const out: Partial<Partner> = {};
  if ('code' in input) {
    const code = v.text('partner.code', input.code, { max: 64 }).toUpperCase();
    if (!CODE.test(code)) throw invalid('partner.code', 'must be letters, digits, ".", "_", "-" or "/"', input.code);
    out.code = code;
  }
  if ('name' in input) out.name = v.text('partner.name', input.name, {});
  if ('kind' in input) out.kind = v.oneOf('partner.kind', input.kind, PARTNER_KINDS);
  if ('taxId' in input) out.taxId = v.text('partner.taxId', input.taxId, { max: 64, optional: true });
  if ('emails' in input) out.emails = v.emails('partner.emails', input.emails);
  if ('emailDomains' in input) {
    out.emailDomains = v.domains('partner.emailDomains', input.emailDomains);
    const free = out.emailDomains.find(isFreemail);
    if (free) throw invalid('partner.emailDomains', 'must not contain a free-mail domain: its addresses belong to anyone', free);
  }
  if ('phones' in input) out.phones = v.strings('partner.phones', input.phones, 64);
  if ('address' in input) out.address = address(input.address);
  if ('industry' in input) out.industry = v.text('partner.industry', input.industry, { optional: true });
  if ('turnover' in input) out.turnover = v.integer('partner.turnover', input.turnover, { min: 0, optional: true });
  if ('employees' in input) out.employees = v.integer('partner.employees', input.employees, { min: 0, optional: true });
  if ('ownerId' in input) out.ownerId = v.id('partner.ownerId', input.ownerId, true);
  if ('salesBlocked' in input) out.salesBlocked = v.boolean('partner.salesBlocked', input.salesBlocked);
  if ('customFields' in input) out.customFields = v.customFields('partner.customFields', input.customFields);
  return out;
}

const ADDRESS_FIELDS = ['street', 'city', 'postalCode', 'region', 'country'] as const;

function address(value: unknown): Address | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('partner.address', 'must be an object with street, city, postalCode, region, country', value);
  const out: Address = {};
  for (const [key, part] of Object.entries(value)) {
    if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) throw invalid(`partner.address.${key}`, `is not an address field (${ADDRESS_FIELDS.join(', ')})`);
    const text = v.text(`partner.address.${key}`, part, { optional: true });
    if (text !== null) out[key as (typeof ADDRESS_FIELDS)[number]] = text;
  }
  return out;
}

async function checkReferences(unit: Unit, fields: Partial<Partner>, selfId: string | null) {
  if (fields.ownerId) await unit.load('operators', fields.ownerId, 'operator');
  if (fields.code !== undefined) {
    const clash = await unit.tx.find<Partner>('partners', { where: where.eq('code', fields.code), limit: 1 });
    const other = clash.items[0];
    if (other && other.id !== selfId) throw new RapportError('CONFLICT', `partner.code ${fields.code} is already used by partner ${other.id} (${other.name})`);
  }
  for (const domain of fields.emailDomains ?? []) {
    const owner = (await lookupKey(unit, 'domain', domain, 'partner')).find((k) => k.ownerId !== selfId);
    if (owner) throw new RapportError('CONFLICT', `partner.emailDomains: ${domain} already belongs to partner ${owner.ownerId}`);
  }
}

/** Partners (kontrahenci): customers, prospects, leads, suppliers, partners and competitors. */
export function partnersModule(ctx: Context) {
  return {
    /** Creates a partner; its code is unique (stored upper-case) and its e-mail domains belong to it alone. */
    create(input: PartnerInput): Promise<Partner> {
      return inUnit(ctx, (unit) => createPartner(unit, input));
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
        const fields = checkFields(patch);
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
}

export async function createPartner(unit: Unit, input: PartnerInput): Promise<Partner> {
  if (!input || typeof input !== 'object') throw invalid('partner', 'must be an object', input);
  const fields = checkFields({ kind: 'customer', ...input });
  if (fields.code === undefined) throw invalid('partner.code', 'must not be empty', '');
  if (fields.name === undefined) throw invalid('partner.name', 'must not be empty', '');
  await checkReferences(unit, fields, null);
  const partner: Partner = {
    id: newId(unit.now.getTime()),
    version: 1,
    code: fields.code,
    name: fields.name,
    kind: fields.kind ?? 'customer',
    taxId: fields.taxId ?? null,
    emails: fields.emails ?? [],
    emailDomains: fields.emailDomains ?? [],
    phones: fields.phones ?? [],
    address: fields.address ?? null,
    industry: fields.industry ?? null,
    turnover: fields.turnover ?? null,
    employees: fields.employees ?? null,
    ownerId: fields.ownerId ?? null,
    salesBlocked: fields.salesBlocked ?? false,
    customFields: fields.customFields ?? {},
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('partners', partner);
  await syncContactKeys(unit, 'partner', partner.id, { emails: partner.emails, domains: partner.emailDomains });
  await unit.timeline({
    partnerId: partner.id,
    personId: null,
    kind: 'partner.created',
    subjectType: 'partner',
    subjectId: partner.id,
    title: `${partner.name} (${partner.code})`,
    data: { kind: partner.kind },
  });
  unit.emit({ type: 'partner.created', partner });
  return partner;
}
