import type { Unit } from '../../context.js';
import { PARTNER_KINDS, type Address, type CustomFields, type Partner, type PartnerKind } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where, type Filter } from '../../store/filter.js';
import { isFreemail } from '../../domain/freemail.js';
import { e164List } from '../../domain/phone.js';
import * as v from '../../validate.js';
import { lookupKey, syncContactKeys } from '../contact-keys.js';

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
  /** Opted out of serial mail. */
  mailOptOut?: boolean;
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

export function checkFields(patch: PartnerPatch, phoneCountry?: string | null): Partial<Partner> {
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
  if ('phones' in input) out.phones = e164List('partner.phones', input.phones, phoneCountry);
  if ('address' in input) out.address = address(input.address);
  if ('industry' in input) out.industry = v.text('partner.industry', input.industry, { optional: true });
  if ('turnover' in input) out.turnover = v.integer('partner.turnover', input.turnover, { min: 0, optional: true });
  if ('employees' in input) out.employees = v.integer('partner.employees', input.employees, { min: 0, optional: true });
  if ('ownerId' in input) out.ownerId = v.id('partner.ownerId', input.ownerId, true);
  if ('salesBlocked' in input) out.salesBlocked = v.boolean('partner.salesBlocked', input.salesBlocked);
  if ('mailOptOut' in input) out.mailOptOut = v.boolean('partner.mailOptOut', input.mailOptOut);
  if ('customFields' in input) out.customFields = v.customFields('partner.customFields', input.customFields);
  return out;
}

const ADDRESS_FIELDS = ['street', 'city', 'postalCode', 'region', 'country'] as const;

function address(value: unknown): Address | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('partner.address', 'must be an object with street, city, postalCode, region, country', value);
  const out: Address = {};
  for (const [key, part] of Object.entries(value)) {
    if (!(ADDRESS_FIELDS as readonly string[]).includes(key)) throw invalid(`partner.address.${key}`, `is not an address field (${ADDRESS_FIELDS.join(', ')})`);
    const text = v.text(`partner.address.${key}`, part, { optional: true });
    if (text !== null) out[key as (typeof ADDRESS_FIELDS)[number]] = text;
  }
  return out;
}

export async function checkReferences(unit: Unit, fields: Partial<Partner>, selfId: string | null) {
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

/** Creates a partner in the unit: checked, its contact keys indexed, on its own timeline. */
export async function createPartner(unit: Unit, input: PartnerInput, phoneCountry?: string | null): Promise<Partner> {
  if (!input || typeof input !== 'object') throw invalid('partner', 'must be an object', input);
  const fields = checkFields({ kind: 'customer', ...input }, phoneCountry);
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
    mailOptOut: fields.mailOptOut ?? false,
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
