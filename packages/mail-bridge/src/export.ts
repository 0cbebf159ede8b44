import MailComposer from 'nodemailer/lib/mail-composer';
import { RapportError, type Crm, type Task, type TaskEntry } from '@rapport/core';
import { closeClient, connectImap, imapError, type ImapConnection } from './connection.js';

export interface ExportOptions {
  /** IMAP folder the message goes to (created when missing; default "Rapport"). */
  folder?: string;
  /** From address of the message (default: the task owner's e-mail, else rapport@localhost). */
  from?: string;
}

export interface ExportResult {
  folder: string;
  uid: number | null;
  messageId: string;
  /** Earlier copies of this task removed from the folder. */
  replaced: number;
}

const STATUS: Record<Task['status'], string> = { open: 'NEEDS-ACTION', in_progress: 'IN-PROCESS', done: 'COMPLETED', cancelled: 'CANCELLED' };
const PRIORITY: Record<Task['priority'], number> = { urgent: 1, high: 3, normal: 5, low: 9 };

/** An iCalendar TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11). */
export function icalText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 §3.1) without splitting a UTF-8 character. */
export function icalFold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const icalDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The task as an iCalendar VTODO (a calendar with one to-do), CRLF line ends. */
export function taskToVtodo(task: Task, extra: { description?: string; now?: Date; organizer?: string | null } = {}): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Rapport//Rapport CRM//EN',
    'METHOD:PUBLISH',
    'BEGIN:VTODO',
    `UID:task-${task.id}@rapport`,
    `DTSTAMP:${icalDate(extra.now ?? new Date())}`,
    `CREATED:${icalDate(task.createdAt)}`,
    `LAST-MODIFIED:${icalDate(task.updatedAt)}`,
    `SEQUENCE:${Math.max(0, task.version - 1)}`,
    `SUMMARY:${icalText(`${task.number} ${task.subject}`)}`,
    ...(extra.description ? [`DESCRIPTION:${icalText(extra.description)}`] : []),
    ...(task.plannedAt ? [`DTSTART:${icalDate(task.plannedAt)}`] : []),
    ...(task.dueAt ? [`DUE:${icalDate(task.dueAt)}`] : []),
    ...(task.doneAt ? [`COMPLETED:${icalDate(task.doneAt)}`] : []),
    `STATUS:${STATUS[task.status]}`,
    `PRIORITY:${PRIORITY[task.priority]}`,
    ...(extra.organizer ? [`ORGANIZER:mailto:${extra.organizer}`] : []),
    'END:VTODO',
    'END:VCALENDAR',
  ];
  return `${lines.map(icalFold).join('\r\n')}\r\n`;
}

/** Every entry of a task, page by page (a task's notes are not capped at one page). */
async function allEntries(crm: Crm, taskId: string): Promise<TaskEntry[]> {
  const out: TaskEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await crm.tasks.entries(taskId, { limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Builds the RFC 5322 message for a task: details as text plus a text/calendar VTODO part. */
export async function buildTaskMessage(crm: Crm, taskId: string, options: { from?: string } = {}): Promise<{ raw: Buffer; messageId: string; task: Task }> {
  const task = await crm.tasks.get(taskId);
  const [partner, person, owner, stages, entries] = await Promise.all([
    task.partnerId ? crm.partners.get(task.partnerId) : null,
    task.personId ? crm.persons.get(task.personId) : null,
    task.ownerId ? crm.operators.get(task.ownerId) : null,
    crm.tasks.stages(task.id),
    allEntries(crm, task.id),
  ]);
  const at = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—');
  const text = [
    `${task.number} ${task.subject}`,
    '',
    `Status:   ${task.status}`,
    `Priority: ${task.priority}`,
    `Partner:  ${partner ? `${partner.name} (${partner.code})` : '—'}`,
    `Contact:  ${person ? `${person.firstName} ${person.lastName}${person.emails[0] ? ` <${person.emails[0]}>` : ''}` : '—'}`,
    `Owner:    ${owner ? `${owner.name} <${owner.email}>` : '—'}`,
    `Planned:  ${at(task.plannedAt)}`,
    `Due:      ${at(task.dueAt)}`,
    ...(task.doneAt ? [`Done:     ${at(task.doneAt)}`] : []),
    ...(task.description ? ['', task.description] : []),
    ...(stages.length ? ['', 'Stages:', ...stages.map((s) => `  ${s.position}. [${s.status === 'done' ? 'x' : ' '}] ${s.subject}`)] : []),
    ...(entries.length
      ? [
          '',
          'Entries:',
          ...entries.map((e) => `  ${e.at.toISOString().slice(0, 10)} ${e.kind}: ${(e.body ?? e.file?.filename ?? e.link?.docId ?? '').split('\n')[0]}`),
        ]
      : []),
  ].join('\n');
  const messageId = `<task-${task.id}.${task.version}@rapport.invalid>`;
  const from = options.from ?? owner?.email ?? 'rapport@localhost';
  const ics = taskToVtodo(task, { description: text, organizer: owner?.email ?? null });
  const composer = new MailComposer({
    from,
    to: from,
    subject: `[${task.number}] ${task.subject}`,
    messageId,
    date: new Date(),
    text,
    headers: { 'X-Rapport-Task': task.id },
    icalEvent: { method: 'PUBLISH', filename: `${task.number.replace(/[^\w.-]+/g, '-')}.ics`, content: ics },
  });
  const raw = await new Promise<Buffer>((resolve, reject) => composer.compile().build((err, message) => (err ? reject(err) : resolve(message))));
  return { raw, messageId, task };
}

/**
 * APPENDs a task as an e-mail (with its VTODO) to an IMAP folder; exporting the same task again
 * replaces the earlier copy (found by its X-Rapport-Task header) instead of adding another.
 */
export async function exportTask(crm: Crm, taskId: string, options: ExportOptions & ImapConnection): Promise<ExportResult> {
  const folder = options.folder ?? 'Rapport';
  const { raw, messageId } = await buildTaskMessage(crm, taskId, options.from ? { from: options.from } : {});
  const client = await connectImap(options);
  try {
    const exists = (await client.list()).some((m) => m.path === folder);
    if (!exists) await client.mailboxCreate(folder);
    const appended = await client.append(folder, raw, ['\\Seen']);
    if (!appended)
      throw imapError(Object.assign(new Error('APPEND failed'), { code: client.usable ? 'APPEND' : 'EConnectionClosed' }), options, `APPEND to ${folder}`);
    const lock = await client.getMailboxLock(folder);
    let replaced = 0;
    try {
      const copies = (await client.search({ header: { 'X-Rapport-Task': taskId } }, { uid: true })) || [];
      const newUid = appended.uid ?? Math.max(0, ...copies);
      const old = copies.filter((uid) => uid !== newUid);
      if (old.length) {
        await client.messageDelete(old.join(','), { uid: true });
        replaced = old.length;
      }
      return { folder, uid: newUid || null, messageId, replaced };
    } finally {
      lock.release();
    }
  } catch (err) {
    throw err instanceof RapportError ? err : imapError(err, options, `export task to ${folder}`);
  } finally {
    await closeClient(client);
  }
}
