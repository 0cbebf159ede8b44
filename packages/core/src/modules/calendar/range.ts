import type { Context } from '../../context.js';
import {
  TASK_STATUSES,
  type Operator,
  type Partner,
  type Person,
  type Register,
  type Stage,
  type Task,
  type TaskPriority,
  type TaskStatus,
} from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { where, type Filter } from '../../store/filter.js';
import { MAX_LIMIT } from '../../store/store.js';
import * as v from '../../validate.js';
import { operatorsIn } from '../operator-sets.js';
import { visibleReads, type VisibleReads } from '../visible.js';
import { checkTimeZone } from './zone.js';
import { viewTaskFilter } from './view-filter.js';

/** What a calendar item can show, in the order the host asks for them. */
export const CALENDAR_FIELDS = ['number', 'subject', 'partner', 'person', 'owner', 'register', 'status', 'priority', 'description', 'task'] as const;
export type CalendarField = (typeof CALENDAR_FIELDS)[number];

const DEFAULT_FIELDS: CalendarField[] = ['number', 'subject', 'partner'];
const MAX_RANGE_DAYS = 400;

export interface CalendarQuery {
  /** Operators whose tasks (as owner) and stages (as stage owner) show; with `groups`, their union. Neither: everyone's. */
  operators?: string[];
  /** Operator groups (an operator's `groups`), resolved to their members. */
  groups?: string[];
  /** Only tasks (and stages of tasks) of these registers. */
  registers?: string[];
  /** Only tasks (and stages of tasks) a view of tasks shows: a saved view's id or name, or a built-in one. */
  taskView?: string;
  /** Start of the range (inclusive). */
  from: Date | string;
  /** End of the range (exclusive); at most 400 days after `from`. */
  to: Date | string;
  /** Which fields an item shows, in order (default number, subject, partner); `title` joins them. */
  fields?: CalendarField[];
  /** Only tasks in these statuses (default: all, so done work stays on the calendar). */
  status?: TaskStatus[];
  /** Stages as items of their own (default true). */
  stages?: boolean;
  /** IANA zone the range is read in by grids and feeds (default UTC). */
  timeZone?: string;
  /** At most this many items (default 5,000, at most 10,000); `truncated` says when more matched. */
  limit?: number;
}

/** A task or a stage placed on the calendar. */
export interface CalendarItem {
  kind: 'task' | 'stage';
  /** The task's or the stage's id. */
  id: string;
  /** Stable across reads and feeds: `task-<id>` or `stage-<id>`. */
  uid: string;
  taskId: string;
  title: string;
  /** Planned start (a stage: its planned date); a task with only a due date starts then. */
  start: Date;
  /** Due date; equals `start` for an item placed at one instant. */
  end: Date;
  /** The register's colour. */
  color: string;
  registerId: string;
  registerName: string;
  ownerId: string | null;
  status: TaskStatus | Stage['status'];
  priority: TaskPriority;
  /** Not closed and due before now. */
  overdue: boolean;
  /** The requested fields as display text (names, not ids). */
  fields: Partial<Record<CalendarField, string | null>>;
}

export interface CalendarRange {
  from: Date;
  to: Date;
  timeZone: string;
  fields: CalendarField[];
  items: CalendarItem[];
  truncated: boolean;
}

export interface Checked {
  from: Date;
  to: Date;
  timeZone: string;
  fields: CalendarField[];
  operators: string[] | null;
  registers: string[] | null;
  status: TaskStatus[] | null;
  stages: boolean;
  limit: number;
}

function ids(field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(field, 'must be an array of ids', value);
  return value.map((x, i) => v.id(`${field}[${i}]`, x));
}

function check(query: CalendarQuery): Omit<Checked, 'operators'> & { operators?: string[]; groups?: string[] } {
  if (!query || typeof query !== 'object') throw invalid('calendar', 'must be an object with from and to', query);
  const from = v.date('calendar.from', query.from);
  const to = v.date('calendar.to', query.to);
  if (to.getTime() <= from.getTime()) throw invalid('calendar.to', `must be after from ${from.toISOString()}`, to.toISOString());
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000)
    throw invalid('calendar.to', `must be at most ${MAX_RANGE_DAYS} days after from`, to.toISOString());
  const fields = query.fields === undefined ? DEFAULT_FIELDS : query.fields;
  if (!Array.isArray(fields) || fields.length === 0) throw invalid('calendar.fields', `must be a non-empty array of ${CALENDAR_FIELDS.join(', ')}`, fields);
  const limit = query.limit === undefined ? 5_000 : v.integer('calendar.limit', query.limit, { min: 1 });
  if (limit > MAX_LIMIT) throw invalid('calendar.limit', `must be at most ${MAX_LIMIT}`, limit);
  const operators = ids('calendar.operators', query.operators);
  const groups = query.groups === undefined ? undefined : v.strings('calendar.groups', query.groups, 64);
  return {
    from,
    to,
    timeZone: checkTimeZone('calendar.timeZone', query.timeZone ?? 'UTC'),
    fields: fields.map((f, i) => v.oneOf(`calendar.fields[${i}]`, f, CALENDAR_FIELDS)),
    ...(operators ? { operators } : {}),
    ...(groups ? { groups } : {}),
    registers: ids('calendar.registers', query.registers) ?? null,
    status: query.status === undefined ? null : query.status.map((s, i) => v.oneOf(`calendar.status[${i}]`, s, TASK_STATUSES)),
    stages: query.stages === undefined ? true : v.boolean('calendar.stages', query.stages),
    limit,
  };
}

/** A task overlaps [from, to): placed from plannedAt (or dueAt) to dueAt (or plannedAt). */
export function taskOverlaps(from: Date, to: Date): Filter {
  return where.or(
    where.and(where.lt('plannedAt', to), where.gte('dueAt', from)),
    where.and(where.gte('plannedAt', from), where.lt('plannedAt', to), where.isNull('dueAt')),
    where.and(where.isNull('plannedAt'), where.gte('dueAt', from), where.lt('dueAt', to)),
  );
}

/** A checked calendar query made ready to read: its filters, the reads door and the instant it is read at. */
export interface CalendarPlan {
  q: Checked;
  reads: VisibleReads;
  now: Date;
  viewWhere: Filter | undefined;
  taskWhere: Filter;
  stageWhere: Filter;
}

/** Checks a query and resolves what it names (groups, a view) before anything is read. */
export async function planCalendar(ctx: Context, query: CalendarQuery): Promise<CalendarPlan> {
  const checked = check(query);
  const reads = visibleReads(ctx);
  const owners = await operatorsIn(reads, checked.operators, checked.groups);
  const q: Checked = { ...checked, operators: owners };
  const viewWhere = query.taskView === undefined ? undefined : await viewTaskFilter(ctx, v.text('calendar.taskView', query.taskView, { max: 200 }), q.timeZone);
  const taskWhere = where.and(
    owners ? where.in('ownerId', owners) : undefined,
    q.registers ? where.in('registerId', q.registers) : undefined,
    q.status ? where.in('status', q.status) : undefined,
    viewWhere,
    taskOverlaps(q.from, q.to),
  );
  const stageWhere = where.and(owners ? where.in('ownerId', owners) : undefined, where.gte('plannedAt', q.from), where.lt('plannedAt', q.to));
  return { q, reads, now: ctx.clock.now(), viewWhere, taskWhere, stageWhere };
}

/** Tasks and stages of a range, placed and labelled (see `crm.calendar.range`). */
export async function calendarRange(ctx: Context, query: CalendarQuery): Promise<CalendarRange> {
  const { q, reads, now, viewWhere, taskWhere, stageWhere } = await planCalendar(ctx, query);
  const tasks: Task[] = [];
  for await (const t of reads.findAll<Task>('tasks', { where: taskWhere, sort: [{ field: 'dueAt' }] })) {
    tasks.push(t);
    if (tasks.length > q.limit) break;
  }
  let truncated = tasks.length > q.limit;
  tasks.length = Math.min(tasks.length, q.limit);

  let stages: Array<{ stage: Stage; task: Task }> = [];
  if (q.stages && tasks.length < q.limit) {
    const found: Stage[] = [];
    for await (const s of reads.findAll<Stage>('stages', { where: stageWhere, sort: [{ field: 'plannedAt' }] })) {
      found.push(s);
      if (tasks.length + found.length > q.limit) break;
    }
    // The stage's task decides register, colour and visibility: those tasks are read through the
    // same door with the register and status conditions, and a stage whose task is not returned is left out.
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const missing = [...new Set(found.map((s) => s.taskId).filter((id) => !byId.has(id)))];
    for (let i = 0; i < missing.length; i += 500) {
      for await (const t of reads.findAll<Task>('tasks', { where: where.and(where.in('id', missing.slice(i, i + 500)), stageTaskWhere(q), viewWhere) }))
        byId.set(t.id, t);
    }
    stages = found.flatMap((stage) => {
      const task = byId.get(stage.taskId);
      return task ? [{ stage, task }] : [];
    });
    if (tasks.length + stages.length > q.limit) {
      truncated = true;
      stages.length = q.limit - tasks.length;
    }
  } else if (q.stages && !truncated) truncated = (await reads.count('stages', stageWhere)) > 0;

  const labels = await labelsFor(
    reads,
    [...tasks, ...stages.map((s) => s.task)],
    stages.map((s) => s.stage),
  );
  const items: CalendarItem[] = [
    ...tasks.map((task) => taskItem(task, q.fields, labels, now)),
    ...stages.map(({ stage, task }) => stageItem(stage, task, q.fields, labels, now)),
  ].sort((a, b) => a.start.getTime() - b.start.getTime() || a.uid.localeCompare(b.uid));
  return { from: q.from, to: q.to, timeZone: q.timeZone, fields: q.fields, items, truncated };
}

/** Register and status conditions a stage's task must meet (owner is the stage's own). */
export function stageTaskWhere(q: Pick<Checked, 'registers' | 'status'>): Filter | undefined {
  if (!q.registers && !q.status) return undefined;
  return where.and(q.registers ? where.in('registerId', q.registers) : undefined, q.status ? where.in('status', q.status) : undefined);
}

/** Every register the reader may see, by id (a short list: read once per feed). */
export const registersOf = async (reads: VisibleReads) => new Map((await reads.readAll<Register>('registers', {})).map((r) => [r.id, r]));

export interface Labels {
  registers: Map<string, Register>;
  partners: Map<string, string>;
  persons: Map<string, string>;
  operators: Map<string, string>;
}

async function namesOf<T extends { id: string }>(reads: VisibleReads, collection: string, ids: Array<string | null>, name: (r: T) => string) {
  const out = new Map<string, string>();
  const unique = [...new Set(ids.filter((x): x is string => !!x))];
  for (let i = 0; i < unique.length; i += 500) {
    for await (const r of reads.findAll<T & { version: number }>(collection, { where: where.in('id', unique.slice(i, i + 500)) })) out.set(r.id, name(r));
  }
  return out;
}

export async function labelsFor(reads: VisibleReads, tasks: Task[], stages: Stage[], registers?: Map<string, Register>): Promise<Labels> {
  return {
    registers: registers ?? (await registersOf(reads)),
    partners: await namesOf<Partner>(
      reads,
      'partners',
      tasks.map((t) => t.partnerId),
      (p) => p.name,
    ),
    persons: await namesOf<Person>(
      reads,
      'persons',
      [...tasks.map((t) => t.personId), ...stages.map((s) => s.personId)],
      (p) => `${p.firstName} ${p.lastName}`,
    ),
    operators: await namesOf<Operator>(reads, 'operators', [...tasks.map((t) => t.ownerId), ...stages.map((s) => s.ownerId)], (o) => o.name),
  };
}

const isOpen = (s: TaskStatus) => s === 'open' || s === 'in_progress';

function fieldsOf(fields: CalendarField[], task: Task, labels: Labels, stage?: Stage) {
  const register = labels.registers.get(task.registerId);
  const value = (f: CalendarField): string | null => {
    switch (f) {
      case 'number':
        return task.number;
      case 'subject':
        return stage ? stage.subject : task.subject;
      case 'partner':
        return task.partnerId ? (labels.partners.get(task.partnerId) ?? null) : null;
      case 'person': {
        const id = stage?.personId ?? task.personId;
        return id ? (labels.persons.get(id) ?? null) : null;
      }
      case 'owner': {
        const id = stage ? stage.ownerId : task.ownerId;
        return id ? (labels.operators.get(id) ?? null) : null;
      }
      case 'register':
        return register?.name ?? null;
      case 'status':
        return stage ? stage.status : task.status;
      case 'priority':
        return task.priority;
      case 'description':
        return task.description;
      case 'task':
        return task.subject;
    }
  };
  const out: Partial<Record<CalendarField, string | null>> = {};
  for (const f of fields) out[f] = value(f);
  const title = fields
    .filter((f) => f !== 'description')
    .map((f) => out[f])
    .filter((x): x is string => !!x)
    .join(' · ');
  return { out, title, register };
}

export function taskItem(task: Task, fields: CalendarField[], labels: Labels, now: Date): CalendarItem {
  const { out, title, register } = fieldsOf(fields, task, labels);
  const start = (task.plannedAt ?? task.dueAt)!;
  return {
    kind: 'task',
    id: task.id,
    uid: `task-${task.id}`,
    taskId: task.id,
    title,
    start,
    end: task.dueAt ?? start,
    color: register?.color ?? '#808080',
    registerId: task.registerId,
    registerName: register?.name ?? '',
    ownerId: task.ownerId,
    status: task.status,
    priority: task.priority,
    overdue: isOpen(task.status) && !!task.dueAt && task.dueAt.getTime() < now.getTime(),
    fields: out,
  };
}

export function stageItem(stage: Stage, task: Task, fields: CalendarField[], labels: Labels, now: Date): CalendarItem {
  const { out, title, register } = fieldsOf(fields, task, labels, stage);
  const at = stage.plannedAt!;
  return {
    kind: 'stage',
    id: stage.id,
    uid: `stage-${stage.id}`,
    taskId: task.id,
    title: `${stage.position}. ${title}`,
    start: at,
    end: at,
    color: register?.color ?? '#808080',
    registerId: task.registerId,
    registerName: register?.name ?? '',
    ownerId: stage.ownerId,
    status: stage.status,
    priority: task.priority,
    overdue: stage.status === 'open' && isOpen(task.status) && at.getTime() < now.getTime(),
    fields: out,
  };
}
