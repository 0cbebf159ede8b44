import type { Crm } from '../../crm.js';
import type { Job } from '../../domain/automation-types.js';
import type { ReminderRule, ReminderSettings } from '../../domain/notify-types.js';
import type { Operator, Stage, Task } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import type { JobContext } from '../scheduler/run-jobs.js';

/**
 * Runs one reminder: reads the task as it is now and writes one outbox effect per recipient, keyed
 * by (task, rule, anchor, recipient, channel) — a second run of the same occurrence writes nothing
 * new, a re-planned due date writes anew. A task closed meanwhile reminds nobody.
 */
export async function fireReminder(job: Job, ctx: JobContext): Promise<void> {
  const { crm } = ctx;
  const { taskId, rule: index, anchor } = job.payload as { taskId: string; rule: number; anchor: string };
  const task = await crm.store.get<Task>('tasks', taskId);
  if (!task || (task.status !== 'open' && task.status !== 'in_progress')) return;
  const settings = (
    await crm.store.find<ReminderSettings>('reminder_settings', { where: where.and(where.eq('subjectType', 'task'), where.eq('subjectId', taskId)), limit: 1 })
  ).items[0];
  const rule = settings?.rules[index];
  if (!rule) return;
  for (const operator of await recipients(crm, task, rule)) {
    const key = `${job.key}:${anchor}:${operator.id}:${rule.channel}`;
    const words = WORDING[operator.language ?? 'en'] ?? WORDING.en!;
    const title = `${words.reminder}: ${task.number} ${task.subject}`;
    const when = `${rule.anchor === 'planned' ? words.starts : words.due} ${inZone(new Date(anchor), operator.timeZone ?? 'UTC')}`;
    if (rule.channel === 'inapp') {
      ctx.enqueue({ key, channel: 'inapp', payload: { operatorId: operator.id, kind: 'reminder', title, body: when, subject: { type: 'task', id: task.id } } });
    } else if (rule.channel === 'email') {
      const message = await rendered(crm, 'email', task, operator, { subject: title, body: `${title}\n${when}` });
      ctx.enqueue({ key, channel: 'email', payload: { to: operator.email, subject: message.subject ?? title, text: message.body } });
    } else if (operator.phone) {
      const message = await rendered(crm, 'sms', task, operator, { subject: null, body: `${title} (${when})` });
      ctx.enqueue({ key, channel: 'sms', payload: { to: operator.phone, text: message.body } });
    }
  }
}

/** The operators a rule names, active ones only, each once. */
async function recipients(crm: Crm, task: Task, rule: ReminderRule): Promise<Operator[]> {
  const ids = new Set<string>();
  for (const who of rule.who ?? ['owner']) {
    if (who === 'owner') {
      if (task.ownerId) ids.add(task.ownerId);
    } else if (who === 'stage_owners') {
      const stages = await readAll<Stage>(crm.store, 'stages', { where: where.and(where.eq('taskId', task.id), where.eq('status', 'open')) });
      for (const s of stages) if (s.ownerId) ids.add(s.ownerId);
    } else ids.add(who);
  }
  const operators = await Promise.all([...ids].map((id) => crm.store.get<Operator>('operators', id)));
  const active = operators.filter((o): o is Operator => !!o && o.active);
  // A recipient is never told about a task they may not see (a watcher named before it went private).
  const allowed = await Promise.all(active.map((o) => crm.as(o.id).access.can('tasks', 'read', task)));
  return active.filter((_, i) => allowed[i]);
}

/**
 * The channel's default task template in the recipient's language (else the English one) rendered
 * with dates in the recipient's time zone, or the plain text when there is none.
 */
async function rendered(crm: Crm, channel: 'email' | 'sms', task: Task, operator: Operator, plain: { subject: string | null; body: string }) {
  const template = await crm.templates.defaultFor({ channel, recordKind: 'task', language: operator.language ?? 'en' });
  if (!template) return plain;
  return crm.templates.render(template.id, {
    recordId: task.id,
    recipient: { name: operator.name, email: operator.email, ...(operator.phone ? { phone: operator.phone } : {}) },
    timeZone: operator.timeZone ?? null,
  });
}

/** The plain reminder's words per recipient language (English for any other). */
const WORDING: Record<string, { reminder: string; due: string; starts: string }> = {
  en: { reminder: 'Reminder', due: 'Due', starts: 'Starts' },
  pl: { reminder: 'Przypomnienie', due: 'Termin', starts: 'Początek' },
  ro: { reminder: 'Memento', due: 'Termen', starts: 'Început' },
};

/** `2026-03-05 11:00 Europe/Warsaw`: a time as the recipient's wall clock shows it, with the zone named. */
export function inZone(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
}
