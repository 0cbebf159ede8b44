import type { Unit } from '../../context.js';
import type { Task } from '../../domain/types.js';
import type { ResponseKind, TaskResponse } from '../../domain/work-types.js';
import { newId } from '../../ids.js';

/**
 * Records a response for the task's issuer when someone else adds an entry to it or closes it,
 * in the writer's transaction, and emits `task.responded` (what notifications deliver). The
 * issuer's own entries and an issuer-less task (made by the system) record nothing.
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
  unit.emit({ type: 'task.responded', response, task });
}
