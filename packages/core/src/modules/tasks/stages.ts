import { grantStageOwner } from '../access/task-access.js';
import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import type { Stage, Task } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { findAll, readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { isClosed, timelineTarget, type StageInput, type StageProgress } from './fields.js';

export async function stagesOf(unit: Unit, taskId: string): Promise<Stage[]> {
  return await readAll<Stage>(unit.tx, 'stages', { where: where.eq('taskId', taskId), sort: [{ field: 'position' }] });
}

export async function addStage(unit: Unit, task: Task, input: StageInput): Promise<Stage> {
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
  await grantStageOwner(unit, task, stage);
  await unit.audit('task', task.id, 'stage', null, { stageId: stage.id, position: stage.position, subject: stage.subject, status: 'open' });
  unit.emit({ type: 'stage.added', stage });
  return stage;
}

export async function completeStage(unit: Unit, task: Task, stage: Stage, doneAt: Date): Promise<Stage> {
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

/** Those of `ids` naming tasks the acting operator sees (one read per 1,000 ids). */
async function visibleTaskIds(ctx: Context, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const out: string[] = [];
  for (let i = 0; i < unique.length; i += 1_000) {
    const chunk = unique.slice(i, i + 1_000);
    out.push(...(await ctx.store.find<Task>('tasks', { where: where.in('id', chunk), limit: chunk.length })).items.map((t) => t.id));
  }
  return out;
}

/** The stage (etap) half of the tasks module. */
export function stagesApi(ctx: Context) {
  const run = <R>(fn: (unit: Unit) => Promise<R>) => inUnit(ctx, fn);
  const loadTask = (unit: Unit, id: string) => unit.load<Task>('tasks', id, 'task');

  return {
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

    /** Done and total stages of each task, and the subject of its first open stage, in one read. */
    async stageProgress(taskIds: string[]): Promise<Map<string, StageProgress>> {
      const out = new Map<string, StageProgress>();
      // Only tasks the operator sees: an id from elsewhere says nothing about its stages.
      const visible = ctx.actorId === null ? taskIds : await visibleTaskIds(ctx, taskIds);
      if (visible.length === 0) return out;
      for await (const s of findAll<Stage>(ctx.store, 'stages', { where: where.in('taskId', visible), sort: [{ field: 'position' }] })) {
        const p = out.get(s.taskId) ?? { done: 0, total: 0, current: null };
        p.total += 1;
        if (s.status === 'done') p.done += 1;
        else if (p.current === null) p.current = s.subject;
        out.set(s.taskId, p);
      }
      return out;
    },

    async stages(taskId: string): Promise<Stage[]> {
      await inRead(ctx, (unit) => loadTask(unit, taskId));
      return await readAll<Stage>(ctx.store, 'stages', { where: where.eq('taskId', taskId), sort: [{ field: 'position' }] });
    },
  };
}
