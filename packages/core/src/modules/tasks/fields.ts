import { taskAccessFields } from '../access/task-access.js';
import type { Unit } from '../../context.js';
import { TASK_PRIORITIES, type CustomFields, type Operator, type Person, type Task, type TaskPriority, type TaskStatus } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import type { Filter } from '../../store/filter.js';
import type { SortField } from '../../store/store.js';
import * as v from '../../validate.js';

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

export function checkDates(plannedAt: Date | null, dueAt: Date | null) {
  if (plannedAt && dueAt && dueAt.getTime() < plannedAt.getTime()) {
    throw invalid('task.dueAt', `must not be before plannedAt ${plannedAt.toISOString()}`, dueAt);
  }
}

export function checkPatch(given: TaskPatch): Partial<Task> {
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
export async function checkLinks(unit: Unit, fields: Partial<Task>, current: Partial<Task> = {}) {
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

export function timelineTarget(task: Task) {
  return { partnerId: task.partnerId, personId: task.personId, subjectType: 'task', subjectId: task.id, ...taskAccessFields(task) };
}

export function summary(task: Task) {
  return { number: task.number, status: task.status, dueAt: task.dueAt?.toISOString() ?? null, ownerId: task.ownerId };
}
