import { inUnit, type Context, type Unit, inRead } from '../context.js';
import {
  CAMPAIGN_STATUSES,
  MEMBER_STATES,
  type Campaign,
  type CampaignLevel,
  type CampaignLink,
  type CampaignMember,
  type CampaignStatus,
  type MemberState,
  type PartnerCompetitor,
  type RevenueKind,
} from '../domain/sales-types.js';
import type { Partner, PartnerKind } from '../domain/types.js';
import { RapportError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';
import type { Page } from '../store/store.js';
import * as v from '../validate.js';
import { currency, money } from './offers/money.js';
import { createPartner, partnersModule, type PartnerInput } from './partners.js';

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

/** A transaction of the host application counted in a campaign (WinMENTOR: "Adaugă la costuri/venituri campanie"). */
export interface CampaignTransactionInput {
  docType: string;
  docId: string;
  number?: string | null;
  date: Date | string;
  /** Net of VAT, minor units; this is what the realized figures add up. */
  netAmount: number;
  vatAmount?: number;
  /** Default: the campaign's currency; another currency is refused. */
  currency?: string;
  partnerId?: string | null;
}

export interface CampaignProgress {
  campaignIds: string[];
  total: number;
  /** Per level (in the campaign's level order): members per state. */
  levels: Array<{ level: string; total: number } & Record<MemberState, number>>;
  /** The raw counts per campaign, level and state. */
  rows: Array<{ campaignId: string; level: string; state: MemberState; count: number }>;
}

export interface CampaignRealized {
  campaignIds: string[];
  /** Net of VAT, per currency. */
  byCurrency: Array<{ currency: string; costs: number; revenueAccepted: number; revenueInvoiced: number; vat: number }>;
}

export interface LeadInput extends Omit<PartnerInput, 'kind'> {
  campaignId?: string | null;
  level?: string;
  competitorIds?: string[];
}

const DEFAULT_LEVELS: CampaignLevel[] = [{ key: 'registered', name: 'Registered', customField: null }];
const CODE = /^[A-Z0-9][A-Z0-9._\-/]{0,63}$/;
const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_DEPTH = 100;

function checkLevels(value: unknown): CampaignLevel[] {
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

function checkFields(patch: CampaignPatch & { code?: string }): Partial<Campaign> {
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

function checkDates(startsAt: Date | null, endsAt: Date | null) {
  if (startsAt && endsAt && endsAt.getTime() < startsAt.getTime()) {
    throw invalid('campaign.endsAt', `must not be before startsAt ${startsAt.toISOString()}`, endsAt);
  }
}

/** Ids of a campaign and all campaigns below it, breadth first. */
export async function subtreeIds(unit: Unit | { tx: Context['store'] }, rootId: string): Promise<string[]> {
  const ids = [rootId];
  let frontier = [rootId];
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth > MAX_DEPTH) throw new RapportError('VALIDATION', `campaign ${rootId} has a tree deeper than ${MAX_DEPTH} levels`);
    const next: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await unit.tx.find<Campaign>('campaigns', { where: where.in('parentId', frontier), limit: 10_000, ...(cursor ? { cursor } : {}) });
      next.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    ids.push(...next);
    frontier = next;
  }
  return ids;
}

async function checkParent(unit: Unit, selfId: string | null, parentId: string | null, what: string) {
  let cursor: string | null = parentId;
  for (let depth = 0; cursor; depth++) {
    if (cursor === selfId) throw invalid('campaign.parentId', `would put campaign ${what} under its own descendant`, parentId);
    if (depth > MAX_DEPTH) throw invalid('campaign.parentId', `makes the tree deeper than ${MAX_DEPTH} levels`, parentId);
    cursor = (await unit.load<Campaign>('campaigns', cursor, 'campaign', 'campaign.parentId')).parentId;
  }
}

async function loadMember(unit: Unit, campaignId: string, partnerId: string): Promise<CampaignMember> {
  v.id('campaignId', campaignId);
  v.id('partnerId', partnerId);
  const page = await unit.tx.find<CampaignMember>('campaign_members', { where: where.and(where.eq('campaignId', campaignId), where.eq('partnerId', partnerId)), limit: 1 });
  const member = page.items[0];
  if (!member) throw new RapportError('NOT_FOUND', `partner ${JSON.stringify(partnerId)} is not registered in campaign ${JSON.stringify(campaignId)}`);
  return member;
}

function levelOf(campaign: Campaign, key: string): CampaignLevel {
  const level = campaign.levels.find((l) => l.key === key);
  if (!level) throw invalid('campaign.level', `is not a level of campaign ${campaign.code} (levels: ${campaign.levels.map((l) => l.key).join(', ')})`, key);
  return level;
}

/** Applies a level's custom-field binding to the partner, in the same unit. */
async function applyBinding(unit: Unit, level: CampaignLevel, partnerId: string) {
  if (!level.customField) return;
  const partner = await unit.load<Partner>('partners', partnerId, 'partner');
  const { field, value } = level.customField;
  if (partner.customFields[field] === value) return;
  const saved = await unit.save('partners', partner, { customFields: { ...partner.customFields, [field]: value }, updatedAt: unit.now });
  unit.emit({ type: 'partner.updated', partner: saved, changed: ['customFields'] });
}

async function memberTimeline(unit: Unit, campaign: Campaign, member: CampaignMember, kind: string, title: string, data: Record<string, unknown> = {}) {
  await unit.timeline({
    partnerId: member.partnerId,
    personId: null,
    kind,
    subjectType: 'campaign',
    subjectId: campaign.id,
    title: `${campaign.name}: ${title}`,
    data: { campaignId: campaign.id, level: member.level, state: member.state, ...data },
  });
}

async function registerMember(unit: Unit, campaignId: string, partnerId: string, levelKey?: string): Promise<CampaignMember> {
  const campaign = await unit.load<Campaign>('campaigns', v.id('campaignId', campaignId), 'campaign', 'campaignId');
  await unit.load<Partner>('partners', v.id('partnerId', partnerId), 'partner', 'partnerId');
  if (campaign.status === 'completed' || campaign.status === 'cancelled') {
    throw invalid('campaign', `${campaign.code} is ${campaign.status}; partners can no longer be registered`, campaignId);
  }
  const level = levelKey === undefined ? campaign.levels[0]! : levelOf(campaign, levelKey);
  const member: CampaignMember = {
    id: newId(unit.now.getTime()),
    version: 1,
    campaignId,
    partnerId,
    level: level.key,
    state: 'active',
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  try {
    await unit.tx.create('campaign_members', member);
  } catch (err) {
    if (err instanceof RapportError && err.code === 'CONFLICT') {
      throw new RapportError('CONFLICT', `partner ${partnerId} is already registered in campaign ${campaign.code}`, { cause: err });
    }
    throw err;
  }
  await applyBinding(unit, level, partnerId);
  await memberTimeline(unit, campaign, member, 'campaign.registered', `registered at ${level.name}`);
  unit.emit({ type: 'campaign.member_changed', member, campaign });
  return member;
}

async function setCompetitors(unit: Unit, partnerId: string, competitorIds: unknown): Promise<string[]> {
  await unit.load<Partner>('partners', v.id('partnerId', partnerId), 'partner');
  if (!Array.isArray(competitorIds)) throw invalid('competitorIds', 'must be a list of partner ids', competitorIds);
  const ids = [...new Set(competitorIds.map((c, i) => v.id(`competitorIds[${i}]`, c)))];
  for (const cid of ids) {
    if (cid === partnerId) throw invalid('competitorIds', 'must not contain the partner itself', cid);
    const competitor = await unit.load<Partner>('partners', cid, 'partner', 'competitorIds');
    if (competitor.kind !== 'competitor') throw invalid('competitorIds', `must be partners of kind competitor (${competitor.code} is a ${competitor.kind})`, cid);
  }
  const existing = (await unit.tx.find<PartnerCompetitor>('partner_competitors', { where: where.eq('partnerId', partnerId), limit: 10_000 })).items;
  for (const e of existing) if (!ids.includes(e.competitorId)) await unit.tx.delete('partner_competitors', e.id);
  for (const cid of ids) {
    if (existing.some((e) => e.competitorId === cid)) continue;
    await unit.tx.create<PartnerCompetitor>('partner_competitors', { id: newId(unit.now.getTime()), version: 1, partnerId, competitorId: cid, createdAt: unit.now });
  }
  return ids;
}

function checkTransaction(campaign: Campaign, input: CampaignTransactionInput) {
  if (!input || typeof input !== 'object') throw invalid('transaction', 'must be an object', input);
  const cur = input.currency === undefined ? campaign.currency : currency('transaction.currency', input.currency);
  if (cur !== campaign.currency) {
    throw invalid('transaction.currency', `must be the campaign's currency ${campaign.currency}; convert the amount before linking it`, cur);
  }
  return {
    docType: v.text('transaction.docType', input.docType, { max: 64 }),
    docId: v.text('transaction.docId', input.docId, { max: 128 }),
    number: v.text('transaction.number', input.number, { max: 128, optional: true }),
    date: v.date('transaction.date', input.date),
    netAmount: money('transaction.netAmount', input.netAmount),
    vatAmount: money('transaction.vatAmount', input.vatAmount ?? 0),
    currency: cur,
    partnerId: v.id('transaction.partnerId', input.partnerId, true),
  };
}

const REALIZED_FIELD = { cost: 'realizedCosts', accepted: 'realizedRevenueAccepted', invoiced: 'realizedRevenueInvoiced' } as const;

/** Marketing campaigns (kampanie): a tree of any depth, members at levels, costs and revenues. */
export function campaignsModule(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);

  const link = (campaignId: string, kind: 'cost' | 'revenue', revenueKind: RevenueKind | null, input: CampaignTransactionInput) =>
    run(async (unit) => {
      const campaign = await unit.load<Campaign>('campaigns', v.id('campaignId', campaignId), 'campaign');
      const tx = checkTransaction(campaign, input);
      if (tx.partnerId) await unit.load<Partner>('partners', tx.partnerId, 'partner', 'transaction.partnerId');
      const record: CampaignLink = { id: newId(unit.now.getTime()), version: 1, campaignId, kind, revenueKind, ...tx, createdAt: unit.now };
      try {
        await unit.tx.create('campaign_links', record);
      } catch (err) {
        if (err instanceof RapportError && err.code === 'CONFLICT') {
          throw new RapportError('CONFLICT', `${tx.docType} ${tx.docId} is already linked to campaign ${campaign.code} as ${kind}`, { cause: err });
        }
        throw err;
      }
      const field = REALIZED_FIELD[revenueKind ?? 'cost'];
      const saved = await unit.save('campaigns', campaign, { [field]: campaign[field] + tx.netAmount, updatedAt: unit.now } as Partial<Campaign>);
      await unit.timeline({
        partnerId: tx.partnerId,
        personId: null,
        kind: `campaign.${kind}_linked`,
        subjectType: 'campaign',
        subjectId: campaign.id,
        title: `${campaign.name}: ${tx.docType} ${tx.number ?? tx.docId}`,
        data: { linkId: record.id, revenueKind, docType: tx.docType, docId: tx.docId, netAmount: tx.netAmount, vatAmount: tx.vatAmount, currency: tx.currency },
      });
      unit.emit({ type: 'campaign.linked', link: record, campaign: saved });
      return record;
    });

  const changeMember = (campaignId: string, partnerId: string, change: (campaign: Campaign, member: CampaignMember) => { level?: string; state: MemberState; kind: string; title: string }) =>
    run(async (unit) => {
      const member = await loadMember(unit, campaignId, partnerId);
      const campaign = await unit.load<Campaign>('campaigns', campaignId, 'campaign');
      const next = change(campaign, member);
      const saved = await unit.save('campaign_members', member, { level: next.level ?? member.level, state: next.state, updatedAt: unit.now });
      if (saved.level !== member.level) {
        await unit.audit('campaign_member', member.id, 'level', member.level, saved.level);
        await applyBinding(unit, levelOf(campaign, saved.level), partnerId);
      }
      if (saved.state !== member.state) await unit.audit('campaign_member', member.id, 'state', member.state, saved.state);
      await memberTimeline(unit, campaign, saved, next.kind, next.title, { from: { level: member.level, state: member.state } });
      unit.emit({ type: 'campaign.member_changed', member: saved, campaign });
      return saved;
    });

  return {
    /** Creates a campaign, at the top or under `parentId`; `endsAt` may not precede `startsAt`. */
    create(input: CampaignInput): Promise<Campaign> {
      return run(async (unit) => {
        if (!input || typeof input !== 'object') throw invalid('campaign', 'must be an object', input);
        const fields = checkFields({ status: 'planned', currency: 'EUR', estimatedCosts: 0, estimatedRevenues: 0, ...v.definedOnly(input) });
        fields.levels ??= checkLevels(undefined);
        if (!fields.code) throw invalid('campaign.code', 'must not be empty', '');
        if (!fields.name) throw invalid('campaign.name', 'must not be empty', '');
        checkDates(fields.startsAt ?? null, fields.endsAt ?? null);
        const parentId = v.id('campaign.parentId', input.parentId, true);
        if (parentId) await checkParent(unit, null, parentId, fields.code);
        if (fields.ownerId) await unit.load('operators', fields.ownerId, 'operator', 'campaign.ownerId');
        const clash = await unit.tx.find<Campaign>('campaigns', { where: where.eq('code', fields.code), limit: 1 });
        if (clash.items[0]) throw new RapportError('CONFLICT', `campaign.code ${fields.code} is already used by campaign ${clash.items[0].id}`);
        const campaign: Campaign = {
          id: newId(unit.now.getTime()),
          version: 1,
          code: fields.code,
          name: fields.name,
          parentId,
          objective: fields.objective ?? null,
          segment: fields.segment ?? null,
          startsAt: fields.startsAt ?? null,
          endsAt: fields.endsAt ?? null,
          status: fields.status!,
          ownerId: fields.ownerId ?? null,
          currency: fields.currency!,
          estimatedCosts: fields.estimatedCosts!,
          estimatedRevenues: fields.estimatedRevenues!,
          realizedCosts: 0,
          realizedRevenueAccepted: 0,
          realizedRevenueInvoiced: 0,
          levels: fields.levels!,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('campaigns', campaign);
        unit.emit({ type: 'campaign.created', campaign });
        return campaign;
      });
    },

    get(id: string): Promise<Campaign> {
      return inRead(ctx, (unit) => unit.load<Campaign>('campaigns', id, 'campaign'));
    },

    async findByCode(code: string): Promise<Campaign | null> {
      const page = await ctx.store.find<Campaign>('campaigns', { where: where.eq('code', String(code).trim().toUpperCase()), limit: 1 });
      return page.items[0] ?? null;
    },

    /** Changes the given fields; status changes are audited; the currency is fixed once transactions are linked. */
    update(id: string, patch: CampaignPatch, options: { expectedVersion?: number } = {}): Promise<Campaign> {
      return run(async (unit) => {
        const campaign = await unit.load<Campaign>('campaigns', id, 'campaign');
        const fields = checkFields(patch);
        checkDates(fields.startsAt !== undefined ? fields.startsAt : campaign.startsAt, fields.endsAt !== undefined ? fields.endsAt : campaign.endsAt);
        if (fields.ownerId) await unit.load('operators', fields.ownerId, 'operator', 'campaign.ownerId');
        if (fields.currency && fields.currency !== campaign.currency && (await unit.tx.count('campaign_links', where.eq('campaignId', id))) > 0) {
          throw invalid('campaign.currency', `cannot change while transactions in ${campaign.currency} are linked`, fields.currency);
        }
        if (fields.levels) {
          const keys = new Set(fields.levels.map((l) => l.key));
          const used = await unit.tx.aggregate('campaign_members', { where: where.eq('campaignId', id), groupBy: ['level'], measures: { n: { fn: 'count' } } });
          const orphan = used.find((r) => !keys.has(String(r.group.level)));
          if (orphan) throw invalid('campaign.levels', `must keep level ${orphan.group.level}: ${orphan.values.n} members are at it`, fields.levels.map((l) => l.key));
        }
        const changed = v.changedFields(campaign, fields);
        const saved = await unit.save('campaigns', campaign, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        for (const field of ['status', 'ownerId', 'startsAt', 'endsAt'] as const) {
          if (changed.includes(field)) await unit.audit('campaign', id, field, campaign[field], saved[field]);
        }
        unit.emit({ type: 'campaign.updated', campaign: saved, changed });
        return saved;
      });
    },

    /** Puts a campaign under another parent (or at the top with null); never under its own descendant. */
    move(id: string, parentId: string | null): Promise<Campaign> {
      return run(async (unit) => {
        const campaign = await unit.load<Campaign>('campaigns', id, 'campaign');
        const target = v.id('campaign.parentId', parentId, true);
        if (target) await checkParent(unit, id, target, campaign.code);
        const saved = await unit.save('campaigns', campaign, { parentId: target, updatedAt: unit.now });
        await unit.audit('campaign', id, 'parentId', campaign.parentId, target);
        unit.emit({ type: 'campaign.updated', campaign: saved, changed: ['parentId'] });
        return saved;
      });
    },

    /** Direct sub-campaigns, by name; `null` lists the top-level campaigns. */
    async children(parentId: string | null): Promise<Campaign[]> {
      return (await ctx.store.find<Campaign>('campaigns', { where: where.eq('parentId', parentId), sort: [{ field: 'name' }], limit: 10_000 })).items;
    },

    /** A campaign and every campaign below it (breadth first). */
    async subtree(id: string): Promise<Campaign[]> {
      return run(async (unit) => {
        await unit.load<Campaign>('campaigns', id, 'campaign');
        const ids = await subtreeIds(unit, id);
        const found = (await unit.tx.find<Campaign>('campaigns', { where: where.in('id', ids), limit: 10_000 })).items;
        return ids.map((i) => found.find((c) => c.id === i)!).filter(Boolean);
      });
    },

    list(query: { status?: CampaignStatus | CampaignStatus[]; limit?: number; cursor?: string } = {}): Promise<Page<Campaign>> {
      const statuses = query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status];
      return ctx.store.find<Campaign>('campaigns', {
        where: where.and(statuses ? where.in('status', statuses) : undefined),
        sort: [{ field: 'name' }],
        limit: query.limit ?? 50,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Counts a host cost transaction (net of VAT) in the campaign's realized costs. */
    linkCost(campaignId: string, input: CampaignTransactionInput): Promise<CampaignLink> {
      return link(campaignId, 'cost', null, input);
    },

    /** Counts a customer order (`accepted`) or an invoice (`invoiced`) in the realized revenues, net of VAT. */
    linkRevenue(campaignId: string, input: CampaignTransactionInput & { revenueKind: RevenueKind }): Promise<CampaignLink> {
      const kind = v.oneOf('transaction.revenueKind', input?.revenueKind, ['accepted', 'invoiced'] as const);
      return link(campaignId, 'revenue', kind, input);
    },

    /** Removes a linked transaction and takes its amount out of the realized figures. */
    unlink(linkId: string): Promise<Campaign> {
      return run(async (unit) => {
        const record = await unit.load<CampaignLink>('campaign_links', linkId, 'campaign link');
        const campaign = await unit.load<Campaign>('campaigns', record.campaignId, 'campaign');
        await unit.tx.delete('campaign_links', linkId);
        const field = REALIZED_FIELD[record.revenueKind ?? 'cost'];
        const saved = await unit.save('campaigns', campaign, { [field]: campaign[field] - record.netAmount, updatedAt: unit.now } as Partial<Campaign>);
        await unit.timeline({
          partnerId: record.partnerId,
          personId: null,
          kind: `campaign.${record.kind}_unlinked`,
          subjectType: 'campaign',
          subjectId: campaign.id,
          title: `${campaign.name}: ${record.docType} ${record.number ?? record.docId} removed`,
          data: { linkId, revenueKind: record.revenueKind, netAmount: record.netAmount, currency: record.currency },
        });
        unit.emit({ type: 'campaign.unlinked', link: record, campaign: saved });
        return saved;
      });
    },

    /** Transactions linked to a campaign, by date. */
    async links(campaignId: string): Promise<CampaignLink[]> {
      return (await ctx.store.find<CampaignLink>('campaign_links', { where: where.eq('campaignId', campaignId), sort: [{ field: 'date' }], limit: 10_000 })).items;
    },

    /** Realized costs and revenues (net of VAT) of a campaign, or of its whole subtree, per currency; summed by the store. */
    realized(campaignId: string, options: { subtree?: boolean } = {}): Promise<CampaignRealized> {
      return run(async (unit) => {
        await unit.load<Campaign>('campaigns', campaignId, 'campaign');
        const ids = options.subtree ? await subtreeIds(unit, campaignId) : [campaignId];
        const rows = await unit.tx.aggregate('campaign_links', {
          where: where.in('campaignId', ids),
          groupBy: ['currency', 'kind', 'revenueKind'],
          measures: { net: { fn: 'sum', field: 'netAmount' }, vat: { fn: 'sum', field: 'vatAmount' } },
        });
        const byCurrency = new Map<string, CampaignRealized['byCurrency'][number]>();
        for (const r of rows) {
          const cur = String(r.group.currency);
          const entry = byCurrency.get(cur) ?? { currency: cur, costs: 0, revenueAccepted: 0, revenueInvoiced: 0, vat: 0 };
          const net = r.values.net ?? 0;
          if (r.group.kind === 'cost') entry.costs += net;
          else if (r.group.revenueKind === 'accepted') entry.revenueAccepted += net;
          else entry.revenueInvoiced += net;
          entry.vat += r.values.vat ?? 0;
          byCurrency.set(cur, entry);
        }
        return { campaignIds: ids, byCurrency: [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency)) };
      });
    },

    /** Registers a partner (prospect) in a campaign at a level (default: the first). */
    register(campaignId: string, partnerId: string, options: { level?: string } = {}): Promise<CampaignMember> {
      return run((unit) => registerMember(unit, campaignId, partnerId, options.level));
    },

    /** Holds ("suspends", zawieszenie) a partner at its current level. */
    hold(campaignId: string, partnerId: string, options: { reason?: string } = {}): Promise<CampaignMember> {
      return changeMember(campaignId, partnerId, (_c, m) => {
        if (m.state !== 'active') throw invalid('campaign member', `is ${m.state}; only an active member can be held`, partnerId);
        return { state: 'held', kind: 'campaign.held', title: `held at ${m.level}${options.reason ? `: ${options.reason}` : ''}` };
      });
    },

    /** Lets a held partner continue from the level it was held at. */
    resume(campaignId: string, partnerId: string): Promise<CampaignMember> {
      return changeMember(campaignId, partnerId, (_c, m) => {
        if (m.state !== 'held') throw invalid('campaign member', `is ${m.state}; only a held member can be resumed`, partnerId);
        return { state: 'active', kind: 'campaign.resumed', title: `resumed at ${m.level}` };
      });
    },

    /** Moves an active partner to the next level (or to `to`); past the last level it is done. */
    advance(campaignId: string, partnerId: string, options: { to?: string } = {}): Promise<CampaignMember> {
      return changeMember(campaignId, partnerId, (c, m) => {
        if (m.state !== 'active') throw invalid('campaign member', `is ${m.state}; resume it before advancing`, partnerId);
        if (options.to !== undefined) {
          const level = levelOf(c, options.to);
          return { level: level.key, state: 'active', kind: 'campaign.level_changed', title: `${m.level} → ${level.key}` };
        }
        const index = c.levels.findIndex((l) => l.key === m.level);
        const next = c.levels[index + 1];
        if (!next) return { state: 'done', kind: 'campaign.done', title: `completed at ${m.level}` };
        return { level: next.key, state: 'active', kind: 'campaign.level_changed', title: `${m.level} → ${next.key}` };
      });
    },

    /** Takes a partner out of a campaign. */
    unregister(campaignId: string, partnerId: string): Promise<void> {
      return run(async (unit) => {
        const member = await loadMember(unit, campaignId, partnerId);
        const campaign = await unit.load<Campaign>('campaigns', campaignId, 'campaign');
        await unit.tx.delete('campaign_members', member.id);
        await memberTimeline(unit, campaign, member, 'campaign.unregistered', 'unregistered');
      });
    },

    /** Members of a campaign, optionally at one level and/or in one state. */
    async members(campaignId: string, query: { level?: string; state?: MemberState; limit?: number; cursor?: string } = {}): Promise<Page<CampaignMember>> {
      return ctx.store.find<CampaignMember>('campaign_members', {
        where: where.and(
          where.eq('campaignId', campaignId),
          query.level ? where.eq('level', query.level) : undefined,
          query.state ? where.eq('state', v.oneOf('member.state', query.state, MEMBER_STATES)) : undefined,
        ),
        sort: [{ field: 'createdAt' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Campaigns a partner is registered in. */
    async memberships(partnerId: string): Promise<CampaignMember[]> {
      return (await ctx.store.find<CampaignMember>('campaign_members', { where: where.eq('partnerId', partnerId), sort: [{ field: 'createdAt' }], limit: 10_000 })).items;
    },

    /**
     * Progress of a campaign: members per level and state, at one level or all, for the campaign
     * alone or its whole subtree at once; counted by the store.
     */
    progress(campaignId: string, options: { level?: string; subtree?: boolean } = {}): Promise<CampaignProgress> {
      return run(async (unit) => {
        const root = await unit.load<Campaign>('campaigns', campaignId, 'campaign');
        const ids = options.subtree ? await subtreeIds(unit, campaignId) : [campaignId];
        const rows = await unit.tx.aggregate('campaign_members', {
          where: where.and(where.in('campaignId', ids), options.level !== undefined ? where.eq('level', v.text('level', options.level, { max: 64 })) : undefined),
          groupBy: ['campaignId', 'level', 'state'],
          measures: { n: { fn: 'count' } },
        });
        const counted = rows.map((r) => ({ campaignId: String(r.group.campaignId), level: String(r.group.level), state: r.group.state as MemberState, count: r.values.n ?? 0 }));
        const order = root.levels.map((l) => l.key);
        const levels = new Map<string, CampaignProgress['levels'][number]>();
        for (const key of options.level !== undefined ? [options.level] : order) levels.set(key, { level: key, total: 0, active: 0, held: 0, done: 0 });
        for (const r of counted) {
          const entry = levels.get(r.level) ?? { level: r.level, total: 0, active: 0, held: 0, done: 0 };
          entry[r.state] += r.count;
          entry.total += r.count;
          levels.set(r.level, entry);
        }
        return { campaignIds: ids, total: counted.reduce((s, r) => s + r.count, 0), levels: [...levels.values()], rows: counted };
      });
    },

    /** Creates a lead (a partner of kind `lead`), registers it in a campaign and records its competitors, in one transaction. */
    createLead(input: LeadInput): Promise<Partner> {
      return run(async (unit) => {
        const { campaignId, level, competitorIds, ...partnerInput } = input ?? ({} as LeadInput);
        const partner = await createPartner(unit, { ...partnerInput, kind: 'lead' });
        if (competitorIds?.length) await setCompetitors(unit, partner.id, competitorIds);
        if (campaignId) await registerMember(unit, campaignId, partner.id, level);
        return partner;
      });
    },

    /** Replaces a partner's competitors (partners of kind `competitor`). */
    setCompetitors(partnerId: string, competitorIds: string[]): Promise<string[]> {
      return run((unit) => setCompetitors(unit, partnerId, competitorIds));
    },

    /** A partner's competitors. */
    async competitors(partnerId: string): Promise<Partner[]> {
      const links = (await ctx.store.find<PartnerCompetitor>('partner_competitors', { where: where.eq('partnerId', partnerId), limit: 10_000 })).items;
      if (links.length === 0) return [];
      return (await ctx.store.find<Partner>('partners', { where: where.in('id', links.map((l) => l.competitorId)), sort: [{ field: 'name' }], limit: 10_000 })).items;
    },

    /**
     * Turns a lead into a customer (or another kind): the same partner record, so its history,
     * campaigns, opportunities and competitors stay with it.
     */
    async convertLead(partnerId: string, options: { kind?: Exclude<PartnerKind, 'lead'>; expectedVersion?: number } = {}): Promise<Partner> {
      const partner = await ctx.store.get<Partner>('partners', v.id('partnerId', partnerId));
      if (!partner) throw notFound('partner', partnerId);
      if (partner.kind !== 'lead') throw invalid('partner.kind', `must be lead to convert partner ${partner.code}`, partner.kind);
      const kind = options.kind ?? 'customer';
      if ((kind as string) === 'lead') throw invalid('kind', 'must not be lead', kind);
      return partnersModule(ctx).update(partnerId, { kind }, { expectedVersion: options.expectedVersion ?? partner.version });
    },
  };
}
