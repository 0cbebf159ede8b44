import { inUnit, type Context, type Unit, inRead, retryConflicts } from '../../context.js';
import { TASK_STATUSES, type AuditEntry, type Task, type TaskStatus } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import { unscoped } from '../access/unscoped.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';
import { createTask } from './create.js';
import { entriesApi } from './entries.js';
import { delegationApi } from './delegation.js';
import { checkDates, checkLinks, checkPatch, isClosed, summary, timelineTarget, type TaskPatch, type TaskQuery, type TaskInput } from './fields.js';
import { stagesApi } from './stages.js';
import { changeStatus } from './status.js';
import { planReminders } from '../reminders/plan.js';
import { launchStatus, launchTask, type LaunchStatus, type LaunchTarget, type Launched } from '../inbox/launch.js';

export type { StageInput, TaskInput, TaskPatch, StageProgress, TaskQuery } from './fields.js';
export type { DelegateOptions } from './delegation.js';
export { TRANSITIONS, isClosed } from './fields.js';
export { createTask } from './create.js';

const MAX_DEPTH = 100;
/** Ids per read in byIds: well under the store's page maximum and the drivers' parameter limits. */
const IDS_PER_READ = 1_000;

/** Tasks and events (zdarzenia), their stages (etapy), entries and audit trail. */
export function tasksModule(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const loadTask = (unit: Unit, id: string) => unit.load<Task>('tasks', id, 'task');

  /**
   * Tasks matching the query, page by page (default: by due date, undated last... then newest).
   * With `select`, only those fields (plus id and the sort fields) are read: for lists that show a few.
   */
  function listTasks(query?: TaskQuery): Promise<Page<Task>>;
  function listTasks<K extends keyof Task>(query: TaskQuery & { select: readonly K[] }): Promise<Page<Pick<Task, K | 'id'>>>;
  function listTasks(query: TaskQuery & { select?: readonly string[] } = {}): Promise<Page<Task>> {
    const statuses = query.status === undefined ? undefined : Array.isArray(query.status) ? query.status : [query.status];
    const now = ctx.clock.now();
    const search = query.search?.trim();
    return ctx.store.find<Task>('tasks', {
      where: where.and(
        query.ownerId !== undefined ? where.eq('ownerId', query.ownerId) : undefined,
        statuses ? where.in('status', statuses) : undefined,
        query.partnerId ? where.eq('partnerId', query.partnerId) : undefined,
        query.personId ? where.eq('personId', query.personId) : undefined,
        query.registerId ? where.eq('registerId', query.registerId) : undefined,
        query.parentId !== undefined ? where.eq('parentId', query.parentId) : undefined,
        query.overdue ? where.and(where.in('status', ['open', 'in_progress']), where.lt('dueAt', now)) : undefined,
        query.dueBefore ? where.lt('dueAt', query.dueBefore) : undefined,
        query.plannedFrom ? where.gte('plannedAt', query.plannedFrom) : undefined,
        query.plannedTo ? where.lt('plannedAt', query.plannedTo) : undefined,
        search ? where.or(where.contains('subject', search, true), where.contains('number', search, true)) : undefined,
        query.where,
      ),
      sort: query.sort ?? [{ field: 'dueAt' }, { field: 'createdAt', direction: 'desc' }],
      limit: query.limit ?? 50,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.select ? { select: query.select } : {}),
    });
  }

  return {
    /** Creates a task numbered from its register's series, with optional stages, in one transaction. */
    create(input: TaskInput): Promise<Task> {
      return run((unit) => createTask(unit, ctx, input));
    },

    get(id: string): Promise<Task> {
      return inRead(ctx, (unit) => loadTask(unit, id));
    },

    /** The task with this number in a register, or null. */
    async findByNumber(registerId: string, number: string): Promise<Task | null> {
      const page = await ctx.store.find<Task>('tasks', { where: where.and(where.eq('registerId', registerId), where.eq('number', number)), limit: 1 });
      return page.items[0] ?? null;
    },

    /**
     * Changes task fields; changes of owner and due date are audited. Without `expectedVersion`
     * a concurrent change is not the caller's conflict: the patch is applied again over it.
     */
    update(id: string, patch: TaskPatch, options: { expectedVersion?: number } = {}): Promise<Task> {
      const attempt = () =>
        run(async (unit) => {
          const task = await loadTask(unit, id);
          const fields = checkPatch(patch);
          await checkLinks(unit, fields, task);
          checkDates(fields.plannedAt !== undefined ? fields.plannedAt : task.plannedAt, fields.dueAt !== undefined ? fields.dueAt : task.dueAt);
          const changed = v.changedFields(task, fields);
          const saved = await unit.save('tasks', task, { ...fields, updatedAt: unit.now }, options.expectedVersion);
          for (const field of ['ownerId', 'dueAt'] as const) {
            if (changed.includes(field)) await unit.audit('task', id, field, task[field], saved[field]);
          }
          if (changed.includes('ownerId')) {
            await unit.timeline({
              ...timelineTarget(saved),
              kind: 'task.assigned',
              title: `${saved.number} ${saved.subject}`,
              data: { ...summary(saved), from: task.ownerId },
            });
          }
          if (changed.includes('dueAt') || changed.includes('plannedAt')) await planReminders(unit, saved);
          unit.emit({ type: 'task.updated', task: saved, changed });
          return saved;
        });
      return options.expectedVersion === undefined ? retryConflicts(attempt) : attempt();
    },

    /** Moves a task to another status, following the allowed transitions. */
    setStatus(id: string, status: TaskStatus, options: { doneAt?: Date | string; reason?: string; expectedVersion?: number } = {}): Promise<Task> {
      return run(async (unit) => changeStatus(unit, await loadTask(unit, id), v.oneOf('task.status', status, TASK_STATUSES), options));
    },
    start(id: string) {
      return this.setStatus(id, 'in_progress');
    },
    /** Marks a task done; its last open stage is closed with it. */
    complete(id: string, options: { doneAt?: Date | string; expectedVersion?: number } = {}) {
      return this.setStatus(id, 'done', options);
    },
    cancel(id: string, options: { reason?: string; expectedVersion?: number } = {}) {
      return this.setStatus(id, 'cancelled', options);
    },
    reopen(id: string) {
      return this.setStatus(id, 'open');
    },

    /** Hands a task to another operator (audited). */
    assign(id: string, ownerId: string | null, options: { expectedVersion?: number } = {}) {
      return this.update(id, { ownerId }, options);
    },

    /** Puts a task under another parent (or at the top with null); a task cannot become its own ancestor. */
    move(id: string, parentId: string | null): Promise<Task> {
      return run(async (unit) => {
        const task = await loadTask(unit, id);
        if (parentId !== null) {
          let cursor: string | null = v.id('task.parentId', parentId);
          for (let depth = 0; cursor; depth++) {
            if (cursor === id) throw invalid('task.parentId', `would make task ${task.number} its own ancestor`, parentId);
            if (depth > MAX_DEPTH) throw invalid('task.parentId', `makes the tree deeper than ${MAX_DEPTH} levels`, parentId);
            const ancestor: Task = await unit.load<Task>('tasks', cursor, 'parent task', 'task.parentId');
            if (depth === 0 && isClosed(ancestor.status)) {
              throw invalid('task.parentId', `parent task ${ancestor.number} is ${ancestor.status}`, parentId);
            }
            cursor = ancestor.parentId;
          }
        }
        const saved = await unit.save('tasks', task, { parentId, updatedAt: unit.now });
        await unit.audit('task', id, 'parentId', task.parentId, parentId);
        return saved;
      });
    },

    /** Direct subtasks of a task, oldest first. */
    async subtasks(id: string): Promise<Task[]> {
      return await readAll<Task>(ctx.store, 'tasks', { where: where.eq('parentId', id), sort: [{ field: 'createdAt' }] });
    },

    list: listTasks,

    /** The tasks with these ids that exist, in no particular order. */
    async byIds(ids: string[]): Promise<Task[]> {
      const unique = [...new Set(ids)];
      const out: Task[] = [];
      for (let i = 0; i < unique.length; i += IDS_PER_READ) {
        const chunk = unique.slice(i, i + IDS_PER_READ);
        out.push(...(await ctx.store.find<Task>('tasks', { where: where.in('id', chunk), limit: chunk.length })).items);
      }
      return out;
    },

    /** Every recorded change of the task and its stages (status, owner, due date, stages), oldest first. */
    async auditTrail(taskId: string): Promise<AuditEntry[]> {
      const stageIds = (await this.stages(taskId)).map((s) => s.id);
      // Closed to operators' store reads: the task's own check (this.stages) came first.
      return readAll<AuditEntry>(unscoped(ctx.store), 'audit', {
        where: where.or(
          where.and(where.eq('entityType', 'task'), where.eq('entityId', taskId)),
          stageIds.length ? where.and(where.eq('entityType', 'stage'), where.in('entityId', stageIds)) : undefined,
        ),
        sort: [{ field: 'at' }],
      });
    },
    /** One task to many people (WinMENTOR): an origin for the issuer and a linked task of their own for each recipient. */
    launch(template: TaskInput, options: { to: LaunchTarget }): Promise<Launched> {
      return launchTask(ctx, template, options?.to);
    },

    /** Who of a launched task's recipients responded and who completed. */
    launchStatus(originId: string): Promise<LaunchStatus> {
      return launchStatus(ctx, originId);
    },

    ...stagesApi(ctx),
    ...entriesApi(ctx),
    ...delegationApi(ctx),
  };
}
