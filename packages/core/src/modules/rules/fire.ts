import type { Crm } from '../../crm.js';
import type { Job } from '../../domain/automation-types.js';
import type { NotificationRule, RecordWatch } from '../../domain/rule-types.js';
import type { Operator } from '../../domain/types.js';
import type { StoredRecord } from '../../store/schema.js';
import type { JobContext } from '../scheduler/run-jobs.js';
import { RECORD_COLLECTIONS } from './events.js';
import { addressOf, recipientOf, resolveTargets, targetKey, type Target } from './recipients.js';

interface ChangePayload {
  recordKind: string;
  recordId: string;
  changeId: string;
  events: string[];
  summary: string[];
}

type AnyRecord = StoredRecord & Record<string, unknown>;

/** What a record is called in a message. */
export function label(kind: string, r: Record<string, unknown>): string {
  if (kind === 'task') return `${String(r.number)} ${String(r.subject)}`;
  if (kind === 'partner') return `${String(r.code)} ${String(r.name)}`;
  if (kind === 'person') return `${String(r.firstName)} ${String(r.lastName)}`;
  return String(r.number ?? r.name ?? r.id);
}

/** Whether an operator may read the record now: a recipient is never told about a record they may not see. */
const maySee = (root: Crm, operator: Operator, kind: string, record: AnyRecord) => root.as(operator.id).access.can(RECORD_COLLECTIONS[kind]!, 'read', record);

/**
 * Runs an automatic rule for one change of a record: the rule and the record as they are now,
 * one outbox effect per recipient keyed by (rule, record, change, recipient, channel). A rule
 * switched off or deleted meanwhile, or a record deleted, sends nothing.
 */
export async function fireRuleEvent(job: Job, ctx: JobContext): Promise<void> {
  const root = ctx.crm.as(null);
  const p = job.payload as unknown as ChangePayload & { ruleId: string };
  const rule = await root.store.get<NotificationRule>('notification_rules', p.ruleId);
  const record = await root.store.get<AnyRecord>(RECORD_COLLECTIONS[p.recordKind] ?? '', p.recordId);
  if (!rule?.active || !record) return;
  const fallback = { subject: `${rule.name}: ${label(p.recordKind, record)}`, body: p.summary.join('\n') };
  for (const target of await resolveTargets(root, rule.recipients, record, p.recordKind)) {
    if (target.type === 'operator' && !(await maySee(root, target.operator, p.recordKind, record))) continue;
    const to = addressOf(target, rule.channel);
    if (!to) continue;
    const message = rule.templateId ? await rendered(root, rule.templateId, record.id, target, p, rule) : fallback;
    enqueueMessage(ctx, `${job.key}:${targetKey(target)}:${rule.channel}`, rule.channel, to, message, {
      kind: 'rule',
      subject: { type: p.recordKind, id: record.id },
      data: { ruleId: rule.id, changeId: p.changeId },
    });
  }
}

/** Runs a watch for one change of the watched record: one notification to the watcher, if they may still see it. */
export async function fireWatchChange(job: Job, ctx: JobContext): Promise<void> {
  const root = ctx.crm.as(null);
  const p = job.payload as unknown as ChangePayload & { watchId: string; operatorId: string; channel: string };
  const watch = await root.store.get<RecordWatch>('record_watches', p.watchId);
  const operator = await root.store.get<Operator>('operators', p.operatorId);
  const record = await root.store.get<AnyRecord>(RECORD_COLLECTIONS[p.recordKind] ?? '', p.recordId);
  if (!watch || !operator?.active || !record || !(await maySee(root, operator, p.recordKind, record))) return;
  const target: Target = { type: 'operator', operator };
  const to = addressOf(target, watch.channel);
  if (!to) return;
  const message = { subject: `Changed: ${label(p.recordKind, record)}`, body: p.summary.join('\n') };
  enqueueMessage(ctx, `${job.key}:${watch.channel}`, watch.channel, to, message, {
    kind: 'watch.change',
    subject: { type: p.recordKind, id: record.id },
    data: { watchId: watch.id, changeId: p.changeId },
  });
}

/** The rule's template for this recipient (the same template in the recipient's language when there is one). */
async function rendered(root: Crm, templateId: string, recordId: string, target: Target, p: ChangePayload, rule: NotificationRule) {
  const operator = target.type === 'operator' ? target.operator : null;
  const template = await root.templates.inLanguage(templateId, operator?.language);
  return root.templates.render(template.id, {
    recordId,
    recipient: recipientOf(target),
    data: { rule: rule.name, events: p.events, changes: p.summary },
    timeZone: operator?.timeZone ?? null,
  });
}

/** One outbox row for one recipient through a channel (an in-app notification takes the subject as its title). */
export function enqueueMessage(
  ctx: JobContext,
  key: string,
  channel: string,
  to: string,
  message: { subject: string | null; body: string },
  inapp: { kind: string; subject: { type: string; id: string } | null; data: Record<string, string> },
  attachments: Array<{ filename: string; contentType: string; content: string; encoding: 'base64' }> = [],
) {
  const title = message.subject ?? message.body.split('\n')[0]!.slice(0, 200);
  if (channel === 'inapp')
    ctx.enqueue({ key, channel: 'inapp', payload: { operatorId: to, kind: inapp.kind, title, body: message.body, subject: inapp.subject, data: inapp.data } });
  else if (channel === 'email')
    ctx.enqueue({ key, channel: 'email', payload: { to, subject: title, text: message.body, ...(attachments.length ? { attachments } : {}) } });
  else
    ctx.enqueue({
      key,
      channel: 'sms',
      payload: { to, text: message.subject && message.body ? `${message.subject}: ${message.body}` : message.body || title },
    });
}
