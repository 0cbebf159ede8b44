import type { Context, Unit } from '../../context.js';
import type { Register, Task } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { defaultRegister, nextNumber } from '../registers.js';
import { checkDates, checkLinks, checkPatch, isClosed, summary, timelineTarget, type TaskInput } from './fields.js';
import { applyDefaults } from '../reminders/plan.js';
import { addStage } from './stages.js';

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
  await applyDefaults(unit, task);
  return task;
}
