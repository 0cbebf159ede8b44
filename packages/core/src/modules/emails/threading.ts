import type { Unit } from '../../context.js';
import type { Email } from '../../domain/email-types.js';
import type { Task } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import type { Batch } from './batch.js';
import { hasReplyPrefix, normalizeSubject, type Prepared } from './normalize.js';

/**
 * The key a message's thread is filed under: the first message it refers to; without
 * References/In-Reply-To its Outlook conversation (Thread-Index); else itself.
 */
export const threadRoot = (p: Prepared): string => (p.threadRefs.length > 0 ? (p.references[0] ?? p.threadRefs[0]!) : (p.conversation ?? p.key));

export interface Thread {
  /** The thread key of the earliest stored relative, else this message's root. */
  key: string;
  /** The task of the thread's first message that has one. */
  task: Task | null;
}

/**
 * The thread of a message: an earlier message it refers to, or one that shares its root. Also
 * finds replies that arrived before this message: they named it as their root.
 */
export async function findThread(unit: Unit, batch: Batch, p: Prepared, canFileOn: ((task: Task) => boolean) | null = null): Promise<Thread> {
  const root = threadRoot(p);
  const related = batch.thread.filter((e) => e.threadKey === root || e.threadKey === p.key || p.threadRefs.includes(e.messageKey));
  const key = related[0]?.threadKey ?? root;
  // The first relative's task; with a rule, the first one the rule accepts.
  for (const e of related) {
    if (!e.taskId) continue;
    const task = batch.tasks.get(e.taskId) ?? (await unit.tx.get<Task>('tasks', e.taskId));
    if (task && (!canFileOn || canFileOn(task))) return { key, task };
    if (!canFileOn) break;
  }
  return { key, task: null };
}

/** A reply known only by its subject: a RE:/AW:/Odp:/SV:/Fwd: prefix and no thread header at all. */
export const isSubjectOnlyReply = (p: Prepared) => p.threadRefs.length === 0 && p.conversation === null && hasReplyPrefix(p.subject);

const DAY = 86_400_000;
const OPEN = ['open', 'in_progress'];

/**
 * The open task a subject-only reply joins: the same normalised subject, the same partner (or,
 * without one, the same person), and mail on it within `windowDays` of this message; the one
 * with the latest such mail when several qualify, among those `canFileOn` accepts. Null when none does.
 */
export async function findSubjectTask(
  unit: Unit,
  batch: Batch,
  p: Prepared,
  owner: { partnerId: string | null; personId: string | null },
  windowDays: number,
  canFileOn: ((task: Task) => boolean) | null = null,
): Promise<Task | null> {
  if (!isSubjectOnlyReply(p) || (!owner.partnerId && !owner.personId)) return null;
  const subject = normalizeSubject(p.subject);
  if (!subject) return null;
  const candidates: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await unit.tx.find<Task>('tasks', {
      where: where.and(owner.partnerId ? where.eq('partnerId', owner.partnerId) : where.eq('personId', owner.personId), where.in('status', OPEN)),
      sort: [{ field: 'id' }],
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    candidates.push(...page.items.filter((t) => normalizeSubject(t.subject) === subject && (!canFileOn || canFileOn(t))));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (candidates.length === 0) return null;

  // The last mail on each candidate: the latest stored, and those of this batch not written yet.
  const at = (p.sentAt ?? unit.now).getTime();
  let best: { task: Task; last: number } | null = null;
  for (const task of candidates) {
    const stored = await unit.tx.find<Email>('emails', { where: where.eq('taskId', task.id), sort: [{ field: 'sentAt', direction: 'desc' }], limit: 1 });
    const mail = [...stored.items, ...batch.emails.filter((e) => e.taskId === task.id)];
    const last = mail.length ? Math.max(...mail.map((e) => (e.sentAt ?? e.createdAt).getTime())) : task.updatedAt.getTime();
    if (Math.abs(at - last) > windowDays * DAY) continue;
    if (!best || last > best.last || (last === best.last && task.id > best.task.id)) best = { task, last };
  }
  return best ? (batch.tasks.get(best.task.id) ?? best.task) : null;
}
