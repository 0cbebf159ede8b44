import type { Readable } from 'node:stream';
import { inUnit, type Context, type Unit, inRead, retryConflicts } from '../context.js';
import {
  TASK_PRIORITIES,
  TASK_STATUSES,
  type AuditEntry,
  type CustomFields,
  type Operator,
  type Person,
  type Register,
  type Stage,
  type Task,
  type TaskEntry,
  type TaskPriority,
  type TaskStatus,
} from '../domain/types.js';
import { RapportError, invalid } from '../errors.js';
import { newId } from '../ids.js';
import { where, type Filter } from '../store/filter.js';
import type { Page, SortField } from '../store/store.js';
import * as v from '../validate.js';
import { defaultRegister, nextNumber } from './registers.js';
import { findAll, readAll } from '../store/find-all.js';

export interface StageInput {
  subject: string;
  ownerId?: string | null;
  personId?: string | null;
  plannedAt?: Date | string | null;
}

export interface TaskInput {
  /** Register id; or `registerCode`; neither → the default register. */
  registerId?: string;
  registerCode?: string;
  subject: string;
  description?: string | null;
  partnerId?: string | null;
  personId?: string | null;
  ownerId?: string | null;
  plannedAt?: Date | string | null;
  dueAt?: Date | string | null;
  priority?: TaskPriority;
  parentId?: string | null;
  /** Visible to its owner only (until permissions say otherwise). */
  private?: boolean;
  customFields?: CustomFields;
  stages?: StageInput[];
}

export type TaskPatch = Partial<
  Pick<TaskInput, 'subject' | 'description' | 'partnerId' | 'personId' | 'ownerId' | 'plannedAt' | 'dueAt' | 'priority' | 'private' | 'customFields'>
>;

/** How far a task's stages are: done of total, and the subject of the first open one. */
export interface StageProgress {
  done: number;
  total: number;
  current: string | null;
}

export interface TaskQuery {
  ownerId?: string | null;
  status?: TaskStatus | TaskStatus[];
  partnerId?: string;
  personId?: string;
  registerId?: string;
  parentId?: string | null;
  /** Open or in progress with a due date before now. */
  overdue?: boolean;
  dueBefore?: Date;
  plannedFrom?: Date;
  plannedTo?: Date;
  /** Subject or number contains this, case-insensitively. */
  search?: string;
  where?: Filter;
  sort?: SortField[];
  limit?: number;
  cursor?: string;
}

/** Allowed status changes: closed tasks can only be reopened. */
export const TRANSITIONS: Record<TaskStatus, TaskStatus[]> = {
  open: ['in_progress', 'done', 'cancelled'],
  in_progress: ['open', 'done', 'cancelled'],
  done: ['open'],
  cancelled: ['open'],
};

export const isClosed = (s: TaskStatus) => s === 'done' || s === 'cancelled';
const MAX_DEPTH = 100;

function checkDates(plannedAt: Date | null, dueAt: Date | null) {
  if (plannedAt && dueAt && dueAt.getTime() < plannedAt.getTime()) {
    throw invalid('task.dueAt', `must not be before plannedAt ${plannedAt.toISOString()}`, dueAt);
  }
}

function checkPatch(given: TaskPatch): Partial<Task> {
  // An undefined field is one not given; null clears it.
  const patch = v.definedOnly(given);
  const out: Partial<Task> = {};
  if ('subject' in patch) out.subject = v.text('task.subject', patch.subject, { max: 500 });
  if ('description' in patch) out.description = v.text('task.description', patch.description, { max: 100_000, optional: true });
  if ('partnerId' in patch) out.partnerId = v.id('task.partnerId', patch.partnerId, true);
  if ('personId' in patch) out.personId = v.id('task.personId', patch.personId, true);
  if ('ownerId' in patch) out.ownerId = v.id('task.ownerId', patch.ownerId, true);
  if ('plannedAt' in patch) out.plannedAt = v.date('task.plannedAt', patch.plannedAt, true);
  if ('dueAt' in patch) out.dueAt = v.date('task.dueAt', patch.dueAt, true);
  if ('priority' in patch) out.priority = v.oneOf('task.priority', patch.priority, TASK_PRIORITIES);
  if ('private' in patch) out.private = v.boolean('task.private', patch.private);
  if ('customFields' in patch) out.customFields = v.customFields('task.customFields', patch.customFields);
  return out;
}

/**
 * Checks that referenced records exist and fit together: the owner is an active operator, a
 * person at a partner fills in that partner, and a person at another partner is refused.
 */
async function checkLinks(unit: Unit, fields: Partial<Task>, current: Partial<Task> = {}) {
  if (fields.ownerId) {
    const owner = await unit.load<Operator>('operators', fields.ownerId, 'operator', 'task.ownerId');
    if (!owner.active) throw invalid('task.ownerId', `operator ${owner.email} is deactivated`, owner.id);
  }
  if (fields.partnerId) await unit.load('partners', fields.partnerId, 'partner', 'task.partnerId');
  const personId = fields.personId !== undefined ? fields.personId : current.personId;
  if (!personId || (fields.personId === undefined && fields.partnerId === undefined)) return;
  const person = await unit.load<Person>('persons', personId, 'person', 'task.personId');
  const partnerId = fields.partnerId !== undefined ? fields.partnerId : current.partnerId;
  if (!partnerId && person.partnerId) fields.partnerId = person.partnerId;
  else if (partnerId && person.partnerId && person.partnerId !== partnerId) {
    throw invalid(
      'task.personId',
      `person ${person.firstName} ${person.lastName} works at partner ${person.partnerId}, not at the task's partner ${partnerId}`,
      personId,
    );
  }
}

function timelineTarget(task: Task) {
  return { partnerId: task.partnerId, personId: task.personId, subjectType: 'task', subjectId: task.id };
}

function summary(task: Task) {
  return { number: task.number, status: task.status, dueAt: task.dueAt?.toISOString() ?? null, ownerId: task.ownerId };
}

export async function createTask(unit: Unit, ctx: Context, input: TaskInput): Promise<Task> {
  if (!input || typeof input !== 'object') throw invalid('task', 'must be an object', input);
  const fields = checkPatch({ ...input });
  if (!fields.subject) throw invalid('task.subject', 'must not be empty', '');
  let register: Register;
  if (input.registerId) register = await unit.load<Register>('registers', v.id('task.registerId', input.registerId), 'register', 'task.registerId');
  else if (input.registerCode) {
    const code = v.text('task.registerCode', input.registerCode, { max: 64 }).toUpperCase();
    const found = await unit.tx.find<Register>('registers', { where: where.eq('code', code), limit: 1 });
    if (!found.items[0]) throw new RapportError('NOT_FOUND', `task.registerCode: register ${JSON.stringify(code)} does not exist`);
    register = found.items[0];
  } else register = await defaultRegister(unit, ctx);
  if (!register.active) throw invalid('task.registerId', `register ${register.code} is inactive`, register.id);
  // The owner defaults to the operator creating the task (who must exist).
  if (!fields.ownerId && unit.actorId) fields.ownerId = unit.actorId;
  await checkLinks(unit, fields);
  checkDates(fields.plannedAt ?? null, fields.dueAt ?? null);
  const parentId = v.id('task.parentId', input.parentId, true);
  if (parentId) {
    const parent = await unit.load<Task>('tasks', parentId, 'parent task', 'task.parentId');
    if (isClosed(parent.status)) throw invalid('task.parentId', `parent task ${parent.number} is ${parent.status}`, parentId);
  }
  const task: Task = {
    id: newId(unit.now.getTime()),
    version: 1,
    number: await nextNumber(unit, register),
    registerId: register.id,
    subject: fields.subject,
    description: fields.description ?? null,
    partnerId: fields.partnerId ?? null,
    personId: fields.personId ?? null,
    ownerId: fields.ownerId ?? null,
    createdBy: unit.actorId,
    plannedAt: fields.plannedAt ?? null,
    dueAt: fields.dueAt ?? null,
    doneAt: null,
    status: 'open',
    priority: fields.priority ?? 'normal',
    parentId,
    private: fields.private ?? false,
    customFields: fields.customFields ?? {},
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('tasks', task);
  await unit.timeline({ ...timelineTarget(task), kind: 'task.created', title: `${task.number} ${task.subject}`, data: summary(task) });
  unit.emit({ type: 'task.created', task });
  for (const stage of input.stages ?? []) await addStage(unit, task, stage);
  return task;
}

async function stagesOf(unit: Unit, taskId: string): Promise<Stage[]> {
  return await readAll<Stage>(unit.tx, 'stages', { where: where.eq('taskId', taskId), sort: [{ field: 'position' }] });
}

async function addStage(unit: Unit, task: Task, input: StageInput): Promise<Stage> {
  if (isClosed(task.status)) throw invalid('stage.taskId', `task ${task.number} is ${task.status} and accepts no new stage`, task.id);
  if (!input || typeof input !== 'object') throw invalid('stage', 'must be an object', input);
  const ownerId = v.id('stage.ownerId', input.ownerId, true);
  const personId = v.id('stage.personId', input.personId, true);
  if (ownerId) await unit.load('operators', ownerId, 'operator', 'stage.ownerId');
  if (personId) await unit.load('persons', personId, 'person', 'stage.personId');
  const existing = await stagesOf(unit, task.id);
  const stage: Stage = {
    id: newId(unit.now.getTime()),
    version: 1,
    taskId: task.id,
    position: (existing.at(-1)?.position ?? 0) + 1,
    subject: v.text('stage.subject', input.subject, { max: 500 }),
    ownerId: ownerId ?? task.ownerId,
    personId: personId ?? task.personId,
    plannedAt: v.date('stage.plannedAt', input.plannedAt, true),
    doneAt: null,
    status: 'open',
    createdAt: unit.now,
    updatedAt: unit.now,
  };
  await unit.tx.create('stages', stage);
  await unit.audit('task', task.id, 'stage', null, { stageId: stage.id, position: stage.position, subject: stage.subject, status: 'open' });
  unit.emit({ type: 'stage.added', stage });
  return stage;
}

async function completeStage(unit: Unit, task: Task, stage: Stage, doneAt: Date): Promise<Stage> {
  if (stage.status === 'done') throw invalid('stage.status', `stage ${stage.position} "${stage.subject}" of task ${task.number} is already done`);
  const earlier = (await stagesOf(unit, task.id)).find((s) => s.position < stage.position && s.status !== 'done');
  if (earlier) {
    throw invalid('stage', `stages are done in order: stage ${earlier.position} "${earlier.subject}" of task ${task.number} is still open`, stage.id);
  }
  const saved = await unit.save('stages', stage, { status: 'done', doneAt, updatedAt: unit.now });
  await unit.audit('stage', stage.id, 'status', 'open', 'done');
  await unit.audit('task', task.id, 'stage', { stageId: stage.id, status: 'open' }, { stageId: stage.id, position: stage.position, status: 'done' });
  await unit.timeline({
    ...timelineTarget(task),
    personId: stage.personId ?? task.personId,
    kind: 'stage.completed',
    title: `${task.number} · ${stage.position}. ${stage.subject}`,
    data: { taskNumber: task.number, stageId: stage.id, position: stage.position },
  });
  unit.emit({ type: 'stage.completed', stage: saved });
  return saved;
}

async function changeStatus(
  unit: Unit,
  task: Task,
  to: TaskStatus,
  options: { doneAt?: Date | string; reason?: string; expectedVersion?: number },
): Promise<Task> {
  const from = task.status;
  if (!TRANSITIONS[from].includes(to)) {
    throw invalid('task.status', `cannot change from ${from} to ${to} (allowed: ${TRANSITIONS[from].join(', ') || 'none'})`, to);
  }
  const patch: Partial<Task> = { status: to, updatedAt: unit.now };
  if (to === 'done') {
    const doneAt = options.doneAt === undefined ? unit.now : v.date('task.doneAt', options.doneAt);
    patch.doneAt = doneAt;
    const open = (await stagesOf(unit, task.id)).filter((s) => s.status !== 'done');
    if (open.length > 1) {
      throw invalid('task.status', `task ${task.number} still has ${open.length} open stages; complete stage ${open[0]!.position} "${open[0]!.subject}" first`);
    }
    // Closing a task closes its last open stage (enova: "zakończenie zdarzenia zamyka ostatni etap").
    if (open[0]) await completeStage(unit, task, open[0], doneAt);
  }
  if (to === 'open') patch.doneAt = null;
  const saved = await unit.save('tasks', task, patch, options.expectedVersion);
  await unit.audit('task', task.id, 'status', from, to);
  const kind = to === 'done' ? 'task.done' : to === 'cancelled' ? 'task.cancelled' : isClosed(from) ? 'task.reopened' : 'task.status';
  await unit.timeline({
    ...timelineTarget(saved),
    kind,
    title: `${saved.number} ${saved.subject}`,
    data: { ...summary(saved), from, to, ...(options.reason ? { reason: options.reason } : {}) },
  });
  unit.emit({ type: 'task.status_changed', task: saved, from, to });
  if (isClosed(to)) unit.emit({ type: 'task.closed', task: saved });
  return saved;
}

async function addEntry(unit: Unit, task: Task, entry: Omit<TaskEntry, 'id' | 'version' | 'taskId' | 'at' | 'createdBy'>, title: string): Promise<TaskEntry> {
  const record: TaskEntry = { id: newId(unit.now.getTime()), version: 1, taskId: task.id, at: unit.now, createdBy: unit.actorId, ...entry };
  await unit.tx.create('task_entries', record);
  await unit.timeline({ ...timelineTarget(task), kind: `entry.${record.kind}`, title, data: { taskNumber: task.number, entryId: record.id } });
  await unit.save('tasks', task, { updatedAt: unit.now });
  unit.emit({ type: 'entry.added', entry: record });
  return record;
}

/** Tasks and events (zdarzenia), their stages (etapy), entries and audit trail. */
export function tasksModule(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const loadTask = (unit: Unit, id: string) => unit.load<Task>('tasks', id, 'task');

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

    /** Tasks matching the query, page by page (default: by due date, undated last... then newest). */
    list(query: TaskQuery = {}): Promise<Page<Task>> {
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
      });
    },

    /** Appends a stage (etap) at the end of a task's stages. */
    addStage(taskId: string, input: StageInput): Promise<Stage> {
      return run(async (unit) => addStage(unit, await loadTask(unit, taskId), input));
    },

    /** Completes a stage; earlier stages must be done first. The task stays open. */
    completeStage(stageId: string, options: { doneAt?: Date | string } = {}): Promise<Stage> {
      return run(async (unit) => {
        const stage = await unit.load<Stage>('stages', stageId, 'stage');
        const task = await loadTask(unit, stage.taskId);
        if (isClosed(task.status)) throw invalid('stage', `task ${task.number} is ${task.status}; reopen it to complete stages`, stageId);
        const doneAt = options.doneAt === undefined ? unit.now : v.date('stage.doneAt', options.doneAt);
        const saved = await completeStage(unit, task, stage, doneAt);
        await unit.save('tasks', task, { updatedAt: unit.now });
        return saved;
      });
    },

    /** The tasks with these ids that exist, in no particular order. */
    async byIds(ids: string[]): Promise<Task[]> {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      return (await ctx.store.find<Task>('tasks', { where: where.in('id', unique), limit: unique.length })).items;
    },

    /** Done and total stages of each task, and the subject of its first open stage, in one read. */
    async stageProgress(taskIds: string[]): Promise<Map<string, StageProgress>> {
      const out = new Map<string, StageProgress>();
      if (taskIds.length === 0) return out;
      for await (const s of findAll<Stage>(ctx.store, 'stages', { where: where.in('taskId', taskIds), sort: [{ field: 'position' }] })) {
        const p = out.get(s.taskId) ?? { done: 0, total: 0, current: null };
        p.total += 1;
        if (s.status === 'done') p.done += 1;
        else if (p.current === null) p.current = s.subject;
        out.set(s.taskId, p);
      }
      return out;
    },

    async stages(taskId: string): Promise<Stage[]> {
      return await readAll<Stage>(ctx.store, 'stages', { where: where.eq('taskId', taskId), sort: [{ field: 'position' }] });
    },

    /** Adds a note (notatka): a summary of a call or meeting. */
    addNote(taskId: string, body: string): Promise<TaskEntry> {
      return run(async (unit) => {
        const text = v.text('note.body', body, { max: 100_000 });
        return addEntry(unit, await loadTask(unit, taskId), { kind: 'note', body: text, file: null, link: null, emailId: null }, text.slice(0, 120));
      });
    },

    /** Streams a file into the BlobStore and attaches it to the task. */
    async attachFile(taskId: string, file: { source: Readable | Uint8Array; filename: string; contentType?: string }): Promise<TaskEntry> {
      if (!ctx.blobs) throw new RapportError('VALIDATION', 'attachFile needs a BlobStore: pass `blobs` to createCrm (e.g. fsBlobStore({ dir }))');
      const filename = v.text('file.filename', file?.filename, { max: 255 });
      const contentType = v.text('file.contentType', file.contentType ?? 'application/octet-stream', { max: 255 });
      if (!file.source || typeof file.source !== 'object') throw invalid('file.source', 'must be a readable stream or bytes', file.source);
      await ctx.store.get('tasks', taskId).then((t) => t ?? Promise.reject(new RapportError('NOT_FOUND', `task ${JSON.stringify(taskId)} does not exist`)));
      const blob = await ctx.blobs.put(file.source);
      return run(async (unit) =>
        addEntry(
          unit,
          await loadTask(unit, taskId),
          { kind: 'file', body: null, file: { blobKey: blob.key, filename, contentType, size: blob.size, sha256: blob.sha256 }, link: null, emailId: null },
          filename,
        ),
      );
    },

    /** Opens the bytes of a file entry as a stream. */
    async openFile(entryId: string): Promise<Readable> {
      const entry = await ctx.store.get<TaskEntry>('task_entries', entryId);
      if (!entry || !entry.file) throw new RapportError('NOT_FOUND', `file entry ${JSON.stringify(entryId)} does not exist`);
      if (!ctx.blobs) throw new RapportError('VALIDATION', 'openFile needs a BlobStore: pass `blobs` to createCrm');
      return ctx.blobs.get(entry.file.blobKey);
    },

    /** Links a document of the host application (order, invoice, offer) to the task. */
    linkDocument(
      taskId: string,
      doc: { docType: string; docId: string; number?: string | null; amount?: number | null; currency?: string | null },
    ): Promise<TaskEntry> {
      return run(async (unit) => {
        const link = {
          docType: v.text('link.docType', doc?.docType, { max: 64 }),
          docId: v.text('link.docId', doc?.docId, { max: 128 }),
          number: v.text('link.number', doc?.number, { max: 128, optional: true }),
          amount: v.integer('link.amount', doc?.amount, { optional: true }),
          currency: doc?.currency ? v.text('link.currency', doc.currency, { max: 3 }).toUpperCase() : null,
        };
        return addEntry(
          unit,
          await loadTask(unit, taskId),
          { kind: 'link', body: null, file: null, link, emailId: null },
          `${link.docType} ${link.number ?? link.docId}`,
        );
      });
    },

    /** Entries of a task (notes, files, links, e-mails), oldest first. */
    async entries(taskId: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<TaskEntry>> {
      return ctx.store.find<TaskEntry>('task_entries', {
        where: where.eq('taskId', taskId),
        sort: [{ field: 'at' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Every recorded change of the task and its stages (status, owner, due date, stages), oldest first. */
    async auditTrail(taskId: string): Promise<AuditEntry[]> {
      const stageIds = (await this.stages(taskId)).map((s) => s.id);
      return readAll<AuditEntry>(ctx.store, 'audit', {
        where: where.or(
          where.and(where.eq('entityType', 'task'), where.eq('entityId', taskId)),
          stageIds.length ? where.and(where.eq('entityType', 'stage'), where.in('entityId', stageIds)) : undefined,
        ),
        sort: [{ field: 'at' }],
      });
    },
  };
}
