import type { Unit } from '../../context.js';
import type { Task, TaskStatus } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import * as v from '../../validate.js';
import { TRANSITIONS, isClosed, summary, timelineTarget } from './fields.js';
import { completeStage, stagesOf } from './stages.js';
import { planReminders } from '../reminders/plan.js';
import { recordResponse } from '../inbox/record.js';

export async function changeStatus(
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
  await planReminders(unit, saved);
  unit.emit({ type: 'task.status_changed', task: saved, from, to });
  if (isClosed(to)) {
    unit.emit({ type: 'task.closed', task: saved });
    await recordResponse(unit, saved, { kind: to === 'done' ? 'completed' : 'cancelled', summary: options.reason ?? `${saved.number} ${saved.subject}` });
  }
  return saved;
}
