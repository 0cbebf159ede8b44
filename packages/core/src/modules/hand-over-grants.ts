import type { Unit } from '../context.js';
import type { Share } from '../domain/access-types.js';
import type { Operator, Stage, Task } from '../domain/types.js';
import { where } from '../store/filter.js';
import { readAll } from '../store/find-all.js';

/**
 * After a batch of stages moved from one operator to another: the old owner keeps the `stage`
 * grant on a task only while they still own a stage of it (the new owner got theirs when the
 * stage moved). Written through the unit's store, so cached principals are forgotten.
 */
export async function dropStageGrants(unit: Unit, moved: Stage[], from: Operator): Promise<void> {
  for (const taskId of new Set(moved.map((s) => s.taskId))) {
    const still = await unit.system.count('stages', where.and(where.eq('taskId', taskId), where.eq('ownerId', from.id)));
    if (still > 0) continue;
    const grant = where.and(where.eq('kind', 'tasks'), where.eq('recordId', taskId), where.eq('principal', `o:${from.id}`), where.eq('source', 'stage'));
    if ((await unit.tx.deleteWhere('shares', grant)) > 0) await unit.audit('task', taskId, 'stageGrant', from.id, null);
  }
}

/** Kinds a hand-over moves whose records can be shared with an operator. */
const SHARED_KINDS = ['tasks', 'partners', 'opportunities'];

/**
 * Records shared with (or delegated to) the old owner are the new owner's to follow: each such
 * share of a kind handed over moves to the new owner (kept at the wider level when they had one
 * already), audited. With `openOnly`, shares of tasks that are done or cancelled stay.
 * Returns how many moved.
 */
export async function moveShares(unit: Unit, kinds: readonly string[], from: Operator, to: Operator, openOnly: boolean): Promise<number> {
  const moving = SHARED_KINDS.filter((k) => kinds.includes(k));
  if (!moving.length) return 0;
  const rows = await readAll<Share>(unit.system, 'shares', {
    where: where.and(where.eq('principal', `o:${from.id}`), where.in('kind', moving), where.ne('source', 'stage')),
  });
  let moved = 0;
  for (const share of rows) {
    if (openOnly && share.kind === 'tasks') {
      const task = await unit.system.get<Task>('tasks', share.recordId);
      if (task && (task.status === 'done' || task.status === 'cancelled')) continue;
    }
    const theirs = (
      await unit.system.find<Share>('shares', {
        where: where.and(where.eq('kind', share.kind), where.eq('recordId', share.recordId), where.eq('principal', `o:${to.id}`), where.ne('source', 'stage')),
        limit: 1,
      })
    ).items[0];
    if (theirs) {
      if (share.level === 'edit' && theirs.level !== 'edit') await unit.tx.update<Share>('shares', theirs.id, { level: 'edit' }, theirs.version);
      await unit.tx.delete('shares', share.id, share.version);
    } else await unit.tx.update<Share>('shares', share.id, { principal: `o:${to.id}` }, share.version);
    await unit.audit('share', share.id, 'principal', `o:${from.id}`, `o:${to.id}`);
    moved += 1;
  }
  return moved;
}
