import { inUnit, type Context, type Unit } from '../../context.js';
import { MEMBER_STATES, type Campaign, type CampaignLevel, type CampaignMember, type MemberState } from '../../domain/sales-types.js';
import type { Partner } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { subtreeIds } from './tree.js';
import { readAll } from '../../store/find-all.js';

export interface CampaignProgress {
  campaignIds: string[];
  total: number;
  /** Per level (in the campaign's level order): members per state. */
  levels: Array<{ level: string; total: number } & Record<MemberState, number>>;
  /** The raw counts per campaign, level and state. */
  rows: Array<{ campaignId: string; level: string; state: MemberState; count: number }>;
}

async function loadMember(unit: Unit, campaignId: string, partnerId: string): Promise<CampaignMember> {
  v.id('campaignId', campaignId);
  v.id('partnerId', partnerId);
  const page = await unit.tx.find<CampaignMember>('campaign_members', {
    where: where.and(where.eq('campaignId', campaignId), where.eq('partnerId', partnerId)),
    limit: 1,
  });
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

export async function registerMember(unit: Unit, campaignId: string, partnerId: string, levelKey?: string): Promise<CampaignMember> {
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

/** Members of campaigns: registering partners at levels, holding, resuming, advancing, progress. */
export function membersApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);

  const changeMember = (
    campaignId: string,
    partnerId: string,
    change: (campaign: Campaign, member: CampaignMember) => { level?: string; state: MemberState; kind: string; title: string },
  ) =>
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
      return await readAll<CampaignMember>(ctx.store, 'campaign_members', { where: where.eq('partnerId', partnerId), sort: [{ field: 'createdAt' }] });
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
          where: where.and(
            where.in('campaignId', ids),
            options.level !== undefined ? where.eq('level', v.text('level', options.level, { max: 64 })) : undefined,
          ),
          groupBy: ['campaignId', 'level', 'state'],
          measures: { n: { fn: 'count' } },
        });
        const counted = rows.map((r) => ({
          campaignId: String(r.group.campaignId),
          level: String(r.group.level),
          state: r.group.state as MemberState,
          count: r.values.n ?? 0,
        }));
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
  };
}
