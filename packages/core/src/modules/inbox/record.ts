import { Unit } from '../../context.js';
import type { Task } from '../../domain/types.js';
import type { ResponseKind, TaskResponse } from '../../domain/work-types.js';
import { newId } from '../../ids.js';
import { deliverIn } from '../notifications/inbox.js';

/**
 * Records a response for the task's issuer when someone else adds an entry to it or closes it,
 * notifies the issuer in their in-app inbox, both in the writer's transaction, and emits
 * `task.responded`. The issuer's own entries and an issuer-less task (made by the system)
 * record nothing.
 */
export async function recordResponse(unit: Unit, task: Task, what: { kind: 'entry' | 'completed' | 'cancelled'; entryId?: string; summary: string }) {
  const issuerId = task.createdBy;
  const responderId = unit.actorId;
  if (!issuerId || !responderId || issuerId === responderId) return;
  const kind: ResponseKind = what.kind === 'entry' ? (responderId === task.ownerId ? 'answer' : 'comment') : what.kind;
  const response: TaskResponse = {
    id: newId(unit.now.getTime()),
    version: 1,
    taskId: task.id,
    issuerId,
    responderId,
    kind,
    entryId: what.entryId ?? null,
    summary: what.summary.slice(0, 500),
    at: unit.now,
  };
  await unit.tx.create('task_responses', response);
  // The notification is a side effect the responder's write already allowed: written beneath the
  // rules (a responder may not read the issuer's operator record), its events passed on.
  const system = new Unit(unit.system, unit.now, unit.actorId);
  await deliverIn(system, {
    operatorId: issuerId,
    kind: 'task.responded',
    title: `${task.number} ${task.subject}: ${kind}`,
    body: response.summary,
    subject: { type: 'task', id: task.id },
    data: { responseId: response.id, responderId, kind },
    key: `task.responded:${response.id}`,
  });
  for (const event of system.events) unit.emit(event);
  unit.emit({ type: 'task.responded', response, task });
}
