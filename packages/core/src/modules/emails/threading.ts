import type { Unit } from '../../context.js';
import type { Email } from '../../domain/email-types.js';
import type { Task } from '../../domain/types.js';
import { where, type Filter } from '../../store/filter.js';
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

/** Relatives are read this many at a time; without a rule the first one with a task decides. */
const RULE_PAGE = 20;
/** Message-IDs per `in` query (References can be long). */
const REFS_CHUNK = 500;

const older = (a: Email, b: Email) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Stored e-mails matching `filter`, oldest first, read page by page through the (threadKey, createdAt, id) index. */
function oldestFirst(unit: Unit, batch: Batch, filter: Filter, pageSize: number): AsyncGenerator<Email> {
  // The first page of a query is shared by the batch: a thread's messages all ask about its root.
  const key = `${pageSize}:${JSON.stringify(filter)}`;
  let first = batch.firstPages.get(key);
  if (!first) batch.firstPages.set(key, (first = unit.tx.find<Email>('emails', { where: filter, sort: [{ field: 'createdAt' }], limit: pageSize })));
  return (async function* () {
    let page = await first;
    for (;;) {
      yield* page.items;
      if (!page.nextCursor) return;
      page = await unit.tx.find<Email>('emails', { where: filter, sort: [{ field: 'createdAt' }], limit: pageSize, cursor: page.nextCursor });
    }
  })();
}

/** Several oldest-first streams as one, oldest first, each e-mail once. */
async function* merged(streams: Array<AsyncGenerator<Email>>): AsyncGenerator<Email> {
  // One after another: a transaction's connection runs one query at a time.
  const heads: Array<IteratorResult<Email>> = [];
  for (const s of streams) heads.push(await s.next());
  const seen = new Set<string>();
  for (;;) {
    let best = -1;
    for (const [i, h] of heads.entries()) if (!h.done && (best < 0 || older(h.value, heads[best]!.value as Email) < 0)) best = i;
    if (best < 0) return;
    const email = heads[best]!.value as Email;
    heads[best] = await streams[best]!.next();
    if (seen.has(email.id)) continue;
    seen.add(email.id);
    yield email;
  }
}

/**
 * The stored relatives of a message, oldest first: e-mails filed under its root or under its own
 * key (replies that arrived before it), and the messages it refers to. Each is an indexed read
 * of only as many rows as the caller consumes, never a load of the whole thread.
 */
function storedRelatives(unit: Unit, batch: Batch, p: Prepared, root: string, withTask: boolean, pageSize: number): AsyncGenerator<Email> {
  const task = withTask ? where.ne('taskId', null) : undefined;
  // Only keys some stored e-mail has (known for the whole batch): most messages start a thread.
  const filters: Filter[] = [];
  if (batch.storedThreadKeys.has(root)) filters.push(where.and(where.eq('threadKey', root), task));
  if (p.key !== root && batch.storedThreadKeys.has(p.key)) filters.push(where.and(where.eq('threadKey', p.key), task));
  const refs = p.threadRefs.filter((r) => batch.storedMessageKeys.has(r));
  for (let i = 0; i < refs.length; i += REFS_CHUNK) filters.push(where.and(where.in('messageKey', refs.slice(i, i + REFS_CHUNK)), task));
  return merged(filters.map((f) => oldestFirst(unit, batch, f, pageSize)));
}

/**
 * The thread of a message: an earlier message it refers to, or one that shares its root. Also
 * finds replies that arrived before this message: they named it as their root. Stored relatives
 * come before those of this batch (written at its end), which are all younger.
 */
export async function findThread(unit: Unit, batch: Batch, p: Prepared, canFileOn: ((task: Task) => boolean) | null = null): Promise<Thread> {
  const root = threadRoot(p);
  const refs = new Set(p.threadRefs);
  const inBatch = batch.emails.filter((e) => e.threadKey === root || e.threadKey === p.key || refs.has(e.messageKey));
  const first = (await storedRelatives(unit, batch, p, root, false, 1).next()).value as Email | undefined;
  const key = first?.threadKey ?? inBatch[0]?.threadKey ?? root;
  // Usually the oldest relative (the thread's first message) carries the task: no second read.
  if (first?.taskId) {
    const task = batch.tasks.get(first.taskId) ?? (await unit.tx.get<Task>('tasks', first.taskId));
    if (task && (!canFileOn || canFileOn(task))) return { key, task };
    if (!canFileOn) return { key, task: null };
  }
  // The first relative with a task; with a rule, the first one whose task the rule accepts.
  const withTask = async function* () {
    yield* storedRelatives(unit, batch, p, root, true, canFileOn ? RULE_PAGE : 1);
    for (const e of inBatch) if (e.taskId) yield e;
  };
  for await (const e of withTask()) {
    const task = batch.tasks.get(e.taskId!) ?? (await unit.tx.get<Task>('tasks', e.taskId!));
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
