import { inUnit, type Context } from '../../context.js';
import type { Task } from '../../domain/types.js';
import type { TaskLaunch } from '../../domain/work-types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { operatorsIn } from '../operator-sets.js';
import { createTask } from '../tasks/create.js';
import type { TaskInput } from '../tasks/fields.js';
import { visibleReads } from '../visible.js';

const MAX_RECIPIENTS = 500;

/** Who a launched task goes to: operators, and the members of groups. */
export interface LaunchTarget {
  operators?: string[];
  groups?: string[];
}

export interface Launched {
  /** The issuer's task: it follows the recipients' own tasks. */
  origin: Task;
  /** One task per recipient, owned by them, a subtask of the origin. */
  tasks: Task[];
}

/** Where a launched task stands: per recipient, their task's status and whether they responded. */
export interface LaunchStatus {
  origin: Task;
  recipients: Array<{ operatorId: string; taskId: string; status: Task['status']; doneAt: Date | null; responses: number }>;
  responded: number;
  completed: number;
}

/** Creates the origin and one linked task per recipient, all in one transaction. */
export async function launchTask(ctx: Context, template: TaskInput, to: LaunchTarget): Promise<Launched> {
  if (!to || typeof to !== 'object') throw invalid('launch.to', 'must be an object with operators and/or groups', to);
  const operators = to.operators === undefined ? undefined : (to.operators as unknown[]).map((x, i) => v.id(`launch.to.operators[${i}]`, x));
  const groups = to.groups === undefined ? undefined : v.strings('launch.to.groups', to.groups, 64);
  const recipients = (await operatorsIn(visibleReads(ctx), operators, groups)) ?? [];
  if (recipients.length === 0) throw invalid('launch.to', 'names no operator (give operators, or groups that have active members)', to);
  if (recipients.length > MAX_RECIPIENTS)
    throw invalid('launch.to', `names ${recipients.length} operators; at most ${MAX_RECIPIENTS} per launch`, recipients.length);
  return inUnit(ctx, async (unit) => {
    const origin = await createTask(unit, ctx, { ...template, ownerId: template?.ownerId ?? unit.actorId });
    const tasks: Task[] = [];
    for (const operatorId of recipients) {
      const task = await createTask(unit, ctx, { ...template, ownerId: operatorId, parentId: origin.id });
      const link: TaskLaunch = { id: newId(unit.now.getTime()), version: 1, originId: origin.id, taskId: task.id, operatorId, createdAt: unit.now };
      await unit.tx.create('task_launches', link);
      tasks.push(task);
    }
    return { origin, tasks };
  });
}

/** Who responded to and who completed a launched task. */
export async function launchStatus(ctx: Context, originId: string): Promise<LaunchStatus> {
  const reads = visibleReads(ctx);
  const id = v.id('launch.originId', originId);
  const origin = (await reads.find<Task>('tasks', { where: where.eq('id', id), limit: 1 })).items[0];
  if (!origin) throw invalid('launch.originId', 'is not a task you can see', id);
  const links = await reads.readAll<TaskLaunch>('task_launches', { where: where.eq('originId', id), sort: [{ field: 'createdAt' }] });
  const taskIds = links.map((l) => l.taskId);
  const tasks = new Map<string, Task>();
  const responses = new Map<string, number>();
  for (let i = 0; i < taskIds.length; i += 500) {
    const chunk = taskIds.slice(i, i + 500);
    for await (const t of reads.findAll<Task>('tasks', { where: where.in('id', chunk) })) tasks.set(t.id, t);
    const rows = await reads.aggregate('task_responses', { where: where.in('taskId', chunk), groupBy: ['taskId'], measures: { n: { fn: 'count' } } });
    for (const r of rows) responses.set(String(r.group.taskId), r.values.n ?? 0);
  }
  const recipients = links.flatMap((l) => {
    const t = tasks.get(l.taskId);
    return t ? [{ operatorId: l.operatorId, taskId: t.id, status: t.status, doneAt: t.doneAt, responses: responses.get(t.id) ?? 0 }] : [];
  });
  return {
    origin,
    recipients,
    responded: recipients.filter((r) => r.responses > 0).length,
    completed: recipients.filter((r) => r.status === 'done').length,
  };
}
