import { inUnit, type Context } from '../../context.js';
import type { Email } from '../../domain/email-types.js';
import type { Task, TimelineItem } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { findAll } from '../../store/find-all.js';
import type { Store } from '../../store/store.js';
import { requireAdministrator } from './access.js';
import { syncLegacyGroups } from './groups.js';
import { OWNED_SUBJECTS, ownerFields } from './subject-owner.js';
import { TASK_CHILDREN, childAccessFields, emailAccessFields, taskAccessFields } from './task-access.js';

/** What `crm.access.upgrade()` changed. */
export interface AccessUpgradeReport {
  /** Operators whose legacy `groups` names were made memberships. */
  operators: number;
  /** Timeline items and e-mails that got their task's or record's access fields. */
  timelineItems: number;
  emails: number;
  /** Stages and task entries that got their task's access fields. */
  taskChildren: number;
}

/** The task an old timeline item belongs to: its subject, or the task an e-mail item names. */
function taskIdOf(item: TimelineItem): string | null {
  if (item.subjectType === 'task') return item.subjectId;
  const named = item.data?.taskId;
  return item.subjectType === 'email' && typeof named === 'string' ? named : null;
}

async function cachedTask(store: Store, cache: Map<string, Task | null>, id: string): Promise<Task | null> {
  if (!cache.has(id)) cache.set(id, await store.get<Task>('tasks', id));
  return cache.get(id)!;
}

/**
 * Upgrades data written before access control: legacy `groups` names become group records, and
 * timeline items and e-mails written without their task's (or record's) owner, creator, privacy
 * and register get them, so the rules read them right. Idempotent; the trusted host or an
 * administrator runs it once after migrating (the CLI does when the access migration applies).
 */
export async function upgradeAccess(ctx: Context): Promise<AccessUpgradeReport> {
  await requireAdministrator(ctx, 'upgrade access data');
  const store = ctx.rootStore;
  const report: AccessUpgradeReport = { operators: 0, timelineItems: 0, emails: 0, taskChildren: 0 };
  for await (const op of findAll<{ id: string; version: number; groups: string[] }>(store, 'operators')) {
    if (!op.groups?.length) continue;
    await inUnit(ctx, (unit) => syncLegacyGroups(unit, op));
    report.operators += 1;
  }
  const tasks = new Map<string, Task | null>();
  // Items of a task written since carry its id; those without may be old ones of a task.
  for await (const item of findAll<TimelineItem>(store, 'timeline', { where: where.and(where.isNull('taskId'), where.isNull('private')) })) {
    const taskId = taskIdOf(item);
    let patch: Partial<TimelineItem> | null = null;
    if (taskId) {
      const task = await cachedTask(store, tasks, taskId);
      if (task) patch = taskAccessFields(task);
    } else if (OWNED_SUBJECTS[item.subjectType] && item.ownerId == null && item.creatorId == null) {
      const record = await store.get<{ id: string; version: number }>(OWNED_SUBJECTS[item.subjectType]!, item.subjectId);
      const fields = record ? ownerFields(record) : null;
      if (fields && (fields.ownerId || fields.creatorId)) patch = fields;
    }
    if (!patch) continue;
    await store.update<TimelineItem>('timeline', item.id, patch, item.version);
    report.timelineItems += 1;
  }
  for await (const email of findAll<Email>(store, 'emails', { where: where.and(where.not(where.isNull('taskId')), where.isNull('private')) })) {
    const task = await cachedTask(store, tasks, email.taskId!);
    if (!task) continue;
    await store.update<Email>('emails', email.id, emailAccessFields(task), email.version);
    report.emails += 1;
  }
  // Stages and entries written before their task's fields were copied: one update per task.
  for await (const task of findAll<Task>(store, 'tasks')) {
    for (const child of TASK_CHILDREN) {
      report.taskChildren += await store.updateWhere(child, where.and(where.eq('taskId', task.id), where.isNull('taskPrivate')), childAccessFields(task));
    }
  }
  return report;
}
