import type { Context, Unit } from '../../context.js';
import type { Campaign } from '../../domain/sales-types.js';
import { RapportError, invalid } from '../../errors.js';
import { where } from '../../store/filter.js';
import { findAll } from '../../store/find-all.js';

const MAX_DEPTH = 100;

/** Ids of a campaign and all campaigns below it, breadth first. */
export async function subtreeIds(unit: Unit | { tx: Context['store'] }, rootId: string): Promise<string[]> {
  const ids = [rootId];
  let frontier = [rootId];
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth > MAX_DEPTH) throw new RapportError('VALIDATION', `campaign ${rootId} has a tree deeper than ${MAX_DEPTH} levels`);
    const next: string[] = [];
    for await (const c of findAll<Campaign>(unit.tx, 'campaigns', { where: where.in('parentId', frontier) })) next.push(c.id);
    ids.push(...next);
    frontier = next;
  }
  return ids;
}

export async function checkParent(unit: Unit, selfId: string | null, parentId: string | null, what: string) {
  let cursor: string | null = parentId;
  for (let depth = 0; cursor; depth++) {
    if (cursor === selfId) throw invalid('campaign.parentId', `would put campaign ${what} under its own descendant`, parentId);
    if (depth > MAX_DEPTH) throw invalid('campaign.parentId', `makes the tree deeper than ${MAX_DEPTH} levels`, parentId);
    cursor = (await unit.load<Campaign>('campaigns', cursor, 'campaign', 'campaign.parentId')).parentId;
  }
}
