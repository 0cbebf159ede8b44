import { inUnit, type Context, type Unit } from '../../context.js';
import type { Group, Share, ShareLevel, ShareableKind } from '../../domain/access-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import type { StoredRecord } from '../../store/schema.js';
import * as v from '../../validate.js';
import { actingPrincipal } from './access.js';
import { allows, forbidden } from './engine.js';

const SHAREABLE: readonly ShareableKind[] = ['tasks', 'partners', 'opportunities'];

/** Who a share goes to. */
export type ShareTarget = { operatorId: string } | { groupId: string };

/** A record to share: its kind and id. */
export interface ShareRecord {
  kind: ShareableKind;
  id: string;
}

const recordLabel = (kind: string) => kind.replace(/ies$/, 'y').replace(/s$/, '');

async function principalOf(unit: Unit, target: ShareTarget): Promise<string> {
  if (!target || typeof target !== 'object') throw invalid('share.to', 'must be { operatorId } or { groupId }', target);
  if ('operatorId' in target)
    return `o:${(await unit.load<Operator>('operators', v.id('share.operatorId', target.operatorId), 'operator', 'share.operatorId')).id}`;
  if ('groupId' in target) return `g:${(await unit.load<Group>('groups', v.id('share.groupId', target.groupId), 'group', 'share.groupId')).id}`;
  throw invalid('share.to', 'must be { operatorId } or { groupId }', target);
}

/**
 * The record, loaded as the acting operator sees it (NOT_FOUND when invisible), and checked to be
 * theirs to share: sharing is for those who may update it.
 */
async function shareable(ctx: Context, unit: Unit, record: ShareRecord): Promise<StoredRecord> {
  if (!record || typeof record !== 'object') throw invalid('share.record', 'must be { kind, id }', record);
  const kind = v.oneOf('share.record.kind', record.kind, SHAREABLE);
  const found = await unit.load<StoredRecord>(kind, v.id('share.record.id', record.id), recordLabel(kind), 'share.record.id');
  const p = await actingPrincipal(ctx);
  if (p && !allows(p, kind, 'update', found)) throw forbidden(p, kind, 'update', found);
  return found;
}

/**
 * Writes an access grant row of a task/partner/opportunity for a principal key (`o:<id>`,
 * `g:<id>`), replacing the level of the same source; used by shares, stage owners and delegation.
 */
export async function putGrant(unit: Unit, kind: string, recordId: string, principal: string, level: ShareLevel, source: Share['source']): Promise<Share> {
  const existing = (
    await unit.tx.find<Share>('shares', {
      where: where.and(where.eq('kind', kind), where.eq('recordId', recordId), where.eq('principal', principal), where.eq('source', source)),
      limit: 1,
    })
  ).items[0];
  if (existing) return existing.level === level ? existing : unit.save('shares', existing, { level });
  const share: Share = { id: newId(unit.now.getTime()), version: 1, kind, recordId, principal, level, source, createdBy: unit.actorId, createdAt: unit.now };
  await unit.tx.create('shares', share);
  return share;
}

/** Sharing: a task, partner or opportunity opened to an operator or a group, for read or edit. */
export function sharesModule(ctx: Context) {
  return {
    /** Shares a record (audited on it); sharing again changes the level. */
    share(record: ShareRecord, to: ShareTarget, level: ShareLevel = 'read'): Promise<Share> {
      return inUnit(ctx, async (unit) => {
        const found = await shareable(ctx, unit, record);
        const lvl = v.oneOf('share.level', level, ['read', 'edit'] as const);
        const principal = await principalOf(unit, to);
        const share = await putGrant(unit, record.kind, found.id, principal, lvl, 'share');
        await unit.audit(recordLabel(record.kind), found.id, 'share', null, { principal, level: lvl });
        return share;
      });
    },

    /** Takes a share back; true when there was one. Audited. */
    unshare(record: ShareRecord, from: ShareTarget): Promise<boolean> {
      return inUnit(ctx, async (unit) => {
        const found = await shareable(ctx, unit, record);
        const principal = await principalOf(unit, from);
        const n = await unit.tx.deleteWhere(
          'shares',
          where.and(where.eq('kind', record.kind), where.eq('recordId', found.id), where.eq('principal', principal), where.eq('source', 'share')),
        );
        if (n > 0) await unit.audit(recordLabel(record.kind), found.id, 'share', { principal }, null);
        return n > 0;
      });
    },

    /** The explicit shares of a record the acting operator can see. */
    async list(record: ShareRecord): Promise<Share[]> {
      const kind = v.oneOf('share.record.kind', record?.kind, SHAREABLE);
      const id = v.id('share.record.id', record.id);
      if (!(await ctx.store.get(kind, id))) throw new RapportError('NOT_FOUND', `${recordLabel(kind)} ${JSON.stringify(id)} does not exist`);
      return readAll<Share>(ctx.store, 'shares', { where: where.and(where.eq('kind', kind), where.eq('recordId', id), where.eq('source', 'share')) });
    },
  };
}
