import type { Unit } from '../../context.js';
import type { Stage, Task, TimelineItem } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { findAll, readAll } from '../../store/find-all.js';
import { putGrant } from './shares.js';

/** What a timeline item of a task carries so access rules filter the history in the same read. */
export function taskAccessFields(task: Task) {
  return { taskId: task.id, ownerId: task.ownerId, creatorId: task.createdBy, private: task.private, registerId: task.registerId };
}

/** The owner of a stage reaches its task as an assignee: a `stage` grant unless they own or created the task. */
export async function grantStageOwner(unit: Unit, task: Task, stage: Pick<Stage, 'ownerId'>): Promise<void> {
  if (!stage.ownerId || stage.ownerId === task.ownerId || stage.ownerId === task.createdBy) return;
  await putGrant(unit, 'tasks', task.id, `o:${stage.ownerId}`, 'edit', 'stage');
}

/**
 * After a task's owner, creator, privacy or register changed: copies them onto the task's
 * timeline items and gives its stage owners (the old owner may be one) their grants, in the
 * caller's transaction, so the history filters by the task as it is now.
 */
export async function refreshTaskAccess(unit: Unit, before: Task, after: Task): Promise<void> {
  const fields = taskAccessFields(after);
  const old = taskAccessFields(before);
  if ((Object.keys(fields) as Array<keyof typeof fields>).every((k) => fields[k] === old[k])) return;
  // The unit's own store may not show every item (the operator's rules): the copy must reach all of them.
  for await (const item of findAll<TimelineItem>(unit.system, 'timeline', { where: where.eq('taskId', after.id) })) {
    await unit.system.update<TimelineItem>('timeline', item.id, fields, item.version);
  }
  for (const stage of await readAll<Stage>(unit.system, 'stages', { where: where.eq('taskId', after.id) })) await grantStageOwner(unit, after, stage);
}
