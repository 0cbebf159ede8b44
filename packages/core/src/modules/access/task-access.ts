import type { Unit } from '../../context.js';
import type { Share } from '../../domain/access-types.js';
import type { Stage, Task, TimelineItem } from '../../domain/types.js';
import type { Email } from '../../domain/email-types.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { findAll, readAll } from '../../store/find-all.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Store } from '../../store/store.js';
import { SUBJECT_OF, ownerFields } from './subject-owner.js';

/** What a timeline item of a task carries so access rules filter the history in the same read. */
export function taskAccessFields(task: Task) {
  return { taskId: task.id, ownerId: task.ownerId, creatorId: task.createdBy, private: task.private, registerId: task.registerId };
}

/** The same fields on an e-mail filed on the task (its `taskId` is there already). */
export function emailAccessFields(task: Task) {
  return { ownerId: task.ownerId, creatorId: task.createdBy, private: task.private, registerId: task.registerId };
}

/** The same fields on a task's stages and entries, named apart from a stage's own owner. */
export function childAccessFields(task: Task) {
  return { taskOwnerId: task.ownerId, taskCreatorId: task.createdBy, taskPrivate: task.private, taskRegisterId: task.registerId };
}

/** Collections whose records belong to a task and carry `childAccessFields` of it. */
export const TASK_CHILDREN = new Set(['stages', 'task_entries']);

/** Writes a `stage` grant row unless there is one: the owner of a stage reaches its task as an assignee. */
async function putStageGrant(store: Store, task: Task, operatorId: string, at: Date, actorId: string | null): Promise<void> {
  const principal = `o:${operatorId}`;
  const filter = where.and(where.eq('kind', 'tasks'), where.eq('recordId', task.id), where.eq('principal', principal), where.eq('source', 'stage'));
  if ((await store.count('shares', filter)) > 0) return;
  const row: Share = {
    id: newId(at.getTime()),
    version: 1,
    kind: 'tasks',
    recordId: task.id,
    principal,
    level: 'edit',
    source: 'stage',
    createdBy: actorId,
    createdAt: at,
  };
  await store.create('shares', row);
}

/** Gives a stage's owner their grant on the task, unless they own or created it. */
export async function grantStageOwner(unit: Unit, task: Task, stage: Pick<Stage, 'ownerId'>): Promise<void> {
  if (!stage.ownerId || stage.ownerId === task.ownerId || stage.ownerId === task.createdBy) return;
  await putStageGrant(unit.tx, task, stage.ownerId, unit.now, unit.actorId);
}

const same = (a: Record<string, unknown>, b: Record<string, unknown>) => Object.keys(a).every((k) => a[k] === b[k]);

/**
 * The same for a task changed beneath the rules (`unit.system`: hand-over, delegation), where
 * the scoped store's own hook does not run.
 */
export async function refreshTaskAccess(unit: Unit, before: Task, after: Task): Promise<void> {
  await refreshAccessCopies(unit.system, 'tasks', before, after, unit.actorId, unit.tx);
}

/** Collections whose records' access fields are copied onto timeline items. */
export const COPIED = new Set(['tasks', 'stages', ...Object.keys(SUBJECT_OF)]);

/**
 * After a record's owner (a task's owner, creator, privacy or register) changed, in the same
 * transaction and beneath the rules: copies the new values onto the record's timeline items and,
 * for a task, gives its stage owners (the old owner may be one) their grants — so a history page
 * filters by the record as it is now. Called by the scoped store on every update of such a record.
 */
export async function refreshAccessCopies(
  store: Store,
  collection: string,
  before: StoredRecord,
  after: StoredRecord,
  actorId: string | null,
  // Where grants are written: a scoped store, so the new grant clears cached principals.
  grants: Store = store,
): Promise<void> {
  if (collection === 'tasks') {
    const task = after as Task;
    const fields = taskAccessFields(task);
    if (same(fields, taskAccessFields(before as Task))) return;
    for await (const item of findAll<TimelineItem>(store, 'timeline', { where: where.eq('taskId', task.id) })) {
      await store.update<TimelineItem>('timeline', item.id, fields, item.version);
    }
    for await (const email of findAll<Email>(store, 'emails', { where: where.eq('taskId', task.id) })) {
      await store.update<Email>('emails', email.id, emailAccessFields(task), email.version);
    }
    for (const child of TASK_CHILDREN) await store.updateWhere(child, where.eq('taskId', task.id), childAccessFields(task));
    const now = (task as Task).updatedAt;
    for (const stage of await readAll<Stage>(store, 'stages', { where: where.eq('taskId', task.id) })) {
      if (stage.ownerId && stage.ownerId !== task.ownerId && stage.ownerId !== task.createdBy) await putStageGrant(grants, task, stage.ownerId, now, actorId);
    }
    return;
  }
  if (collection === 'stages') {
    const stage = after as Stage;
    const task = stage.ownerId && stage.ownerId !== (before as Stage).ownerId ? await store.get<Task>('tasks', stage.taskId) : null;
    if (task && stage.ownerId && stage.ownerId !== task.ownerId && stage.ownerId !== task.createdBy)
      await putStageGrant(grants, task, stage.ownerId, stage.updatedAt, actorId);
    return;
  }
  const subjectType = SUBJECT_OF[collection];
  if (!subjectType) return;
  const fields = ownerFields(after);
  if (same(fields, ownerFields(before))) return;
  const filter = where.and(where.eq('subjectType', subjectType), where.eq('subjectId', after.id));
  for await (const item of findAll<TimelineItem>(store, 'timeline', { where: filter }))
    await store.update<TimelineItem>('timeline', item.id, fields, item.version);
}
