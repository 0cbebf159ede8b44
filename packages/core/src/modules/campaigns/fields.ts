import { CAMPAIGN_STATUSES, type Campaign, type CampaignLevel, type CampaignStatus } from '../../domain/sales-types.js';
import { invalid } from '../../errors.js';
import * as v from '../../validate.js';
import { currency, money } from '../offers/money.js';

export interface CampaignLevelInput {
  key: string;
  name?: string;
  /** Reaching the level sets this custom field of the partner (enova's cecha value). */
  customField?: { field: string; value: string | number | boolean } | null;
}

export interface CampaignInput {
  code: string;
  name: string;
  parentId?: string | null;
  objective?: string | null;
  segment?: string | null;
  startsAt?: Date | string | null;
  endsAt?: Date | string | null;
  status?: CampaignStatus;
  ownerId?: string | null;
  /** ISO 4217; costs and revenues of the campaign are kept in it (default EUR). */
  currency?: string;
  /** Minor units. */
  estimatedCosts?: number;
  estimatedRevenues?: number;
  /** Ordered levels members pass through (default: one level, `registered`). */
  levels?: Array<string | CampaignLevelInput>;
}

export type CampaignPatch = Partial<Omit<CampaignInput, 'code' | 'parentId'>>;

const DEFAULT_LEVELS: CampaignLevel[] = [{ key: 'registered', name: 'Registered', customField: null }];
const CODE = /^[A-Z0-9][A-Z0-9._\-/]{0,63}$/;
const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function checkLevels(value: unknown): CampaignLevel[] {
  if (value === undefined || value === null) return DEFAULT_LEVELS;
  if (!Array.isArray(value) || value.length === 0) throw invalid('campaign.levels', 'must be a non-empty list of levels', value);
  const levels = value.map((raw, i): CampaignLevel => {
    const input: CampaignLevelInput = typeof raw === 'string' ? { key: raw } : (raw as CampaignLevelInput);
    const key = typeof input?.key === 'string' ? input.key.trim() : input?.key;
    if (typeof key !== 'string' || !KEY.test(key)) throw invalid(`campaign.levels[${i}].key`, 'must be lower-case letters, digits, "_" or "-"', input?.key);
    let customField: CampaignLevel['customField'] = null;
    if (input.customField) {
      const cf = v.customFields(`campaign.levels[${i}].customField`, { [input.customField.field]: input.customField.value });
      const value = cf[input.customField.field];
      if (value === null || value === undefined) throw invalid(`campaign.levels[${i}].customField.value`, 'must be a string, number or boolean', value);
      customField = { field: input.customField.field, value };
    }
    return { key, name: v.text(`campaign.levels[${i}].name`, input.name ?? key, {}), customField };
  });
  const seen = new Set<string>();
  for (const l of levels) {
    if (seen.has(l.key)) throw invalid('campaign.levels', 'must not repeat a level key', l.key);
    seen.add(l.key);
  }
  return levels;
}

export function checkFields(patch: CampaignPatch & { code?: string }): Partial<Campaign> {
  // An undefined field is one not given (null clears it).
  const input = v.definedOnly(patch);
  const out: Partial<Campaign> = {};
  if ('code' in input) {
    const code = v.text('campaign.code', input.code, { max: 64 }).toUpperCase();
    if (!CODE.test(code)) throw invalid('campaign.code', 'must be letters, digits, ".", "_", "-" or "/"', input.code);
    out.code = code;
  }
  if ('name' in input) out.name = v.text('campaign.name', input.name, {});
  if ('objective' in input) out.objective = v.text('campaign.objective', input.objective, { max: 10_000, optional: true });
  if ('segment' in input) out.segment = v.text('campaign.segment', input.segment, { optional: true });
  if ('startsAt' in input) out.startsAt = v.date('campaign.startsAt', input.startsAt, true);
  if ('endsAt' in input) out.endsAt = v.date('campaign.endsAt', input.endsAt, true);
  if ('status' in input) out.status = v.oneOf('campaign.status', input.status, CAMPAIGN_STATUSES);
  if ('ownerId' in input) out.ownerId = v.id('campaign.ownerId', input.ownerId, true);
  if ('currency' in input) out.currency = currency('campaign.currency', input.currency);
  if ('estimatedCosts' in input) out.estimatedCosts = money('campaign.estimatedCosts', input.estimatedCosts);
  if ('estimatedRevenues' in input) out.estimatedRevenues = money('campaign.estimatedRevenues', input.estimatedRevenues);
  if ('levels' in input) out.levels = checkLevels(input.levels);
  return out;
}

export function checkDates(startsAt: Date | null, endsAt: Date | null) {
  if (startsAt && endsAt && endsAt.getTime() < startsAt.getTime()) {
    throw invalid('campaign.endsAt', `must not be before startsAt ${startsAt.toISOString()}`, endsAt);
  }
}
