import type { Unit } from '../../context.js';
import { REMINDER_CHANNELS, type ReminderRule, type ReminderSettings } from '../../domain/notify-types.js';
import type { Task } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { cancelIn, scheduleIn } from '../scheduler/jobs.js';
import * as v from '../../validate.js';

export const REMINDER_JOB = 'task.reminder';
/** More rules than anyone sets by hand; bounds the jobs one task plans. */
const MAX_RULES = 20;

/** Job key of a task's reminder rule: stable, so re-planning moves the job instead of adding one. */
export const reminderKey = (taskId: string, index: number) => `reminder:${taskId}:${index}`;

export function checkRules(field: string, value: unknown): ReminderRule[] {
  if (!Array.isArray(value)) throw invalid(field, 'must be a list of reminder rules', value);
  if (value.length > MAX_RULES) throw invalid(field, `must have at most ${MAX_RULES} rules`, value.length);
  return value.map((raw: unknown, i) => {
    const f = `${field}[${i}]`;
    if (!raw || typeof raw !== 'object') throw invalid(f, 'must be an object', raw);
    const r = raw as Record<string, unknown>;
    const before = (r.before ?? {}) as Record<string, unknown>;
    if (typeof before !== 'object') throw invalid(`${f}.before`, 'must be { days?, hours?, minutes? }', r.before);
    const amount = (k: string) => (before[k] === undefined ? undefined : v.integer(`${f}.before.${k}`, before[k], { min: 0 }));
    const who = r.who === undefined ? ['owner'] : v.strings(`${f}.who`, r.who, 64);
    if (who.length === 0) throw invalid(`${f}.who`, 'must name at least one recipient (owner, stage_owners or an operator id)');
    const days = amount('days');
    const hours = amount('hours');
    const minutes = amount('minutes');
    return {
      channel: v.oneOf(`${f}.channel`, r.channel, REMINDER_CHANNELS),
      who,
      before: { ...(days ? { days } : {}), ...(hours ? { hours } : {}), ...(minutes ? { minutes } : {}) },
      anchor: r.anchor === undefined ? 'due' : v.oneOf(`${f}.anchor`, r.anchor, ['due', 'planned'] as const),
    };
  });
}

const offsetMs = (r: ReminderRule) => (((r.before?.days ?? 0) * 24 + (r.before?.hours ?? 0)) * 60 + (r.before?.minutes ?? 0)) * 60_000;

export async function settingsOf(unit: Unit, subjectType: 'task' | 'operator', subjectId: string): Promise<ReminderSettings | null> {
  const page = await unit.tx.find<ReminderSettings>('reminder_settings', {
    where: where.and(where.eq('subjectType', subjectType), where.eq('subjectId', subjectId)),
    limit: 1,
  });
  return page.items[0] ?? null;
}

export async function saveSettings(unit: Unit, subjectType: 'task' | 'operator', subjectId: string, rules: ReminderRule[]): Promise<ReminderSettings> {
  const current = await settingsOf(unit, subjectType, subjectId);
  if (current) return unit.tx.update<ReminderSettings>('reminder_settings', current.id, { rules, updatedAt: unit.now }, current.version);
  return unit.tx.create<ReminderSettings>('reminder_settings', {
    id: newId(unit.now.getTime()),
    version: 1,
    subjectType,
    subjectId,
    rules,
    updatedAt: unit.now,
  });
}

/**
 * Brings a task's reminder jobs in line with the task, in the task's own transaction: one job per
 * rule at anchor − offset (a time already past fires once, at the next poll); none while the task
 * is closed or has no anchor date. A job whose time did not change stays as it is, so a reminder
 * that already fired does not fire again because something else on the task changed.
 */
export async function planReminders(unit: Unit, task: Task, rules?: ReminderRule[], previousCount = 0): Promise<void> {
  const list = rules ?? (await settingsOf(unit, 'task', task.id))?.rules ?? [];
  const active = task.status === 'open' || task.status === 'in_progress';
  for (let i = 0; i < Math.max(list.length, previousCount); i++) {
    const rule = list[i];
    const anchor = rule ? (rule.anchor === 'planned' ? task.plannedAt : task.dueAt) : null;
    if (!rule || !active || !anchor) {
      await cancelIn(unit.tx, reminderKey(task.id, i));
      continue;
    }
    const at = new Date(anchor.getTime() - offsetMs(rule));
    await scheduleIn(
      unit.tx,
      { kind: REMINDER_JOB, key: reminderKey(task.id, i), at, payload: { taskId: task.id, rule: i, anchor: anchor.toISOString() } },
      unit.now,
    );
  }
}

/** On a new task: the owner's default rules become the task's (however the task was created). */
export async function applyDefaults(unit: Unit, task: Task): Promise<void> {
  if (!task.ownerId) return;
  const defaults = await settingsOf(unit, 'operator', task.ownerId);
  if (!defaults || defaults.rules.length === 0) return;
  await saveSettings(unit, 'task', task.id, defaults.rules);
  await planReminders(unit, task, defaults.rules);
}
