// The CRM's copy of a message it sends: an e-mail record, an entry on its task and the timeline
// items, written in the unit that puts the message into the outbox.
import type { Unit } from '../../context.js';
import type { Email, EmailAttachment, MailAddress } from '../../domain/email-types.js';
import type { Task, TaskEntry, TimelineItem } from '../../domain/types.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { emailAccessFields, taskAccessFields } from '../access/task-access.js';
import { normalizeMessageId } from '../emails/normalize.js';

export interface Outgoing {
  messageId: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  text: string;
  attachments: EmailAttachment[];
  task: Task | null;
  partnerId: string | null;
  /** Persons the message went to, with their partner. */
  persons: Array<{ id: string; partnerId: string | null }>;
  /** Access fields of a record without a task (an offer's owner). */
  owner?: { ownerId: string | null; creatorId: string | null };
  bulk: boolean;
  /** The thread it continues (`threadOf`). */
  thread: Thread;
}

export interface Thread {
  inReplyTo: string | null;
  references: string[];
  threadKey: string | null;
}

/** A Message-ID as headers carry it: `<id@domain>`. */
export const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

/** The thread an outgoing message on a task continues: the task's latest e-mail, if any. */
export async function threadOf(unit: Unit, task: Task | null): Promise<Thread> {
  if (!task) return { inReplyTo: null, references: [], threadKey: null };
  const last = (await unit.system.find<Email>('emails', { where: where.eq('taskId', task.id), sort: [{ field: 'createdAt', direction: 'desc' }], limit: 1 }))
    .items[0];
  if (!last?.messageId) return { inReplyTo: null, references: [], threadKey: null };
  return { inReplyTo: last.messageId, references: [...last.references, last.messageId].slice(-50), threadKey: last.threadKey };
}

/**
 * Records a sent message as an outbound e-mail under its Message-ID, so a reply naming it
 * (In-Reply-To/References) is threaded onto the same task by ingest.
 */
export async function recordOutgoing(unit: Unit, m: Outgoing): Promise<Email> {
  const key = normalizeMessageId(m.messageId)!;
  const thread = m.thread;
  const partnerIds = [...new Set([m.partnerId, ...m.persons.map((p) => p.partnerId)].filter((id): id is string => !!id))];
  const email: Email = {
    id: newId(unit.now.getTime()),
    version: 1,
    messageKey: key,
    messageId: key,
    threadKey: thread.threadKey ?? key,
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    from: m.from,
    fromAddress: m.from?.address ?? null,
    to: m.to,
    cc: m.cc,
    replyTo: [],
    subject: m.subject,
    sentAt: unit.now,
    text: m.text,
    html: null,
    attachments: m.attachments,
    headers: {},
    bulk: m.bulk,
    direction: 'outbound',
    status: partnerIds.length > 0 || m.persons.length > 0 ? 'linked' : 'unlinked',
    taskId: m.task?.id ?? null,
    partnerIds,
    personIds: m.persons.map((p) => p.id),
    createdAt: unit.now,
    updatedAt: unit.now,
    ...(m.task ? emailAccessFields(m.task) : (m.owner ?? {})),
  };
  // Beneath the rules: the caller's right to see the record was checked when it was loaded.
  const tx = unit.system;
  await tx.create('emails', email);
  if (m.task) {
    const entry: TaskEntry = {
      id: newId(unit.now.getTime()),
      version: 1,
      taskId: m.task.id,
      kind: 'email',
      at: unit.now,
      createdBy: unit.actorId,
      body: email.subject,
      file: null,
      link: null,
      emailId: email.id,
    };
    await tx.create('task_entries', entry);
    await tx.update<Task>('tasks', m.task.id, { updatedAt: unit.now }, m.task.version);
    unit.emit({ type: 'entry.added', entry });
  }
  await tx.createMany('timeline', timelineItems(unit, email, m));
  return email;
}

/** One item per person reached (the first of a partner carries the partner), else one for the partner. */
function timelineItems(unit: Unit, email: Email, m: Outgoing): TimelineItem[] {
  const access = m.task ? taskAccessFields(m.task) : (m.owner ?? {});
  const item = (partnerId: string | null, personId: string | null): TimelineItem => ({
    id: newId(unit.now.getTime()),
    version: 1,
    partnerId,
    personId,
    kind: 'email.sent',
    subjectType: 'email',
    subjectId: email.id,
    title: `→ ${email.subject ?? '(no subject)'}`.slice(0, 500),
    data: { from: email.fromAddress, taskId: email.taskId, messageKey: email.messageKey, bulk: email.bulk },
    at: unit.now,
    actorId: unit.actorId,
    ...access,
  });
  const items: TimelineItem[] = [];
  const covered = new Set<string>();
  for (const p of m.persons) {
    const partnerId = p.partnerId && !covered.has(p.partnerId) ? p.partnerId : null;
    if (partnerId) covered.add(partnerId);
    items.push(item(partnerId, p.id));
  }
  for (const partnerId of email.partnerIds) if (!covered.has(partnerId)) items.push(item(partnerId, null));
  return items;
}
