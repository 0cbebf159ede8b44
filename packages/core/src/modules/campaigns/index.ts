import { inUnit, type Context, type Unit, inRead } from '../../context.js';
import type { Campaign, CampaignStatus } from '../../domain/sales-types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { checkDates, checkFields, checkLevels, type CampaignPatch, type CampaignInput } from './fields.js';
import { linksApi } from './links.js';
import { membersApi } from './members.js';
import { checkParent, subtreeIds } from './tree.js';
import { readAll } from '../../store/find-all.js';

export type { CampaignInput, CampaignPatch, CampaignLevelInput } from './fields.js';
export type { CampaignTransactionInput, CampaignRealized } from './links.js';
export type { CampaignProgress } from './members.js';
export { registerMember } from './members.js';

/** Marketing campaigns (kampanie): a tree of any depth, members at levels, costs and revenues. */
export function campaignsModule(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);

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
          if (orphan)
            throw invalid(
              'campaign.levels',
              `must keep level ${orphan.group.level}: ${orphan.values.n} members are at it`,
              fields.levels.map((l) => l.key),
            );
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
      return await readAll<Campaign>(ctx.store, 'campaigns', { where: where.eq('parentId', parentId), sort: [{ field: 'name' }] });
    },

    /** A campaign and every campaign below it (breadth first). */
    async subtree(id: string): Promise<Campaign[]> {
      return run(async (unit) => {
        await unit.load<Campaign>('campaigns', id, 'campaign');
        const ids = await subtreeIds(unit, id);
        const found = await readAll<Campaign>(unit.tx, 'campaigns', { where: where.in('id', ids) });
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

    ...linksApi(ctx),
    ...membersApi(ctx),
  };
}
