import { where, type Filter, type Operator, type Task } from '@rapport/core';

// Until the permissions issue lands, the only rule is: a private task is its owner's alone.

/** True when the operator may see this task. */
export function canSeeTask(task: Pick<Task, 'private' | 'ownerId'>, operator: Pick<Operator, 'id'>): boolean {
  return !task.private || task.ownerId === operator.id;
}

/** The same rule as a store filter, so pages are filtered by the store rather than after it. */
export function visibleTasksFilter(operator: Pick<Operator, 'id'>): Filter {
  return where.or(where.eq('private', false), where.eq('ownerId', operator.id));
}
