import { actingPrincipal } from '../access/access.js';
import { allows } from '../access/engine.js';
import { emailAccessFields } from '../access/task-access.js';
import { unscoped } from '../access/unscoped.js';
import type { Readable } from 'node:stream';
import { inUnit, retryConflicts, Unit, type Context } from '../../context.js';
import type { Email, EmailAttachment, EmailLocation, EmailSource, IncomingEmail, IngestResult, MailPolicy } from '../../domain/email-types.js';
import type { Task, TaskEntry } from '../../domain/types.js';
import { invalid, isRapportError } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { batchStore } from '../../store/batch.js';
import { createTask } from '../tasks/index.js';
import { drain, storeAttachments, storeContent } from './attachments.js';
import { openBatch, type Batch } from './batch.js';
import { checkSource, isBulk, prepare, type Prepared } from './normalize.js';
import { addProspect, findParticipants, taskOwner, type Participants } from './participants.js';
import { isBlocked, resolvePolicy } from './policy.js';
import { addTaskEntry, addTimeline } from './projection.js';
import { findByKey } from './reads.js';
import { findSubjectTask, findThread, type Thread } from './threading.js';

export interface IngestOptions {
  /** Where the message was seen; recorded as a location (unique per account, mailbox, UIDVALIDITY, UID). */
  source?: EmailSource;
  /** Overrides of the CRM's mail policy for this account or import. */
  policy?: Partial<MailPolicy>;
  /**
   * The tasks this message may be filed on (default: any). A thread whose task it rejects is
   * not extended, and a stored message on such a task is filed on one it accepts (found by the
   * message's entries, else created): how a tracker keeps out of a task its operator may not see.
   */
  canFileOn?: (task: Task) => boolean;
}

/**
 * The filing rule of a call: the caller's, and for an acting operator also theirs: a message
 * goes only onto a task they may see and update; otherwise it gets a task of its own.
 */
async function filingRule(ctx: Context, given: ((task: Task) => boolean) | null): Promise<((task: Task) => boolean) | null> {
  const p = await actingPrincipal(ctx);
  if (!p) return given;
  return (task) => allows(p, 'tasks', 'read', task) && allows(p, 'tasks', 'update', task) && (!given || given(task));
}

/** What every message of one ingest call shares. */
interface IngestRules {
  policy: MailPolicy;
  canFileOn: ((task: Task) => boolean) | null;
}

type IngestItem = { p: Prepared; source: EmailSource | null; attachments: () => Promise<EmailAttachment[]> };

/**
 * A synchronous driver (better-sqlite3) never gives the event loop a turn inside a batch: the
 * host's sockets (an IMAP fetch running ahead, an HTTP server) would wait for the whole batch.
 * Every few messages, the batch lets them run.
 */
const YIELD_EVERY = 10;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const blocked = (p: Prepared): IngestResult => ({
  status: 'blocked',
  email: null,
  reason: `sender ${p.from!.address} is on the blocklist`,
  taskId: null,
  createdTask: false,
  linkedToExisting: false,
  newLocation: false,
});

/** `crm.emails.ingest`, `ingestMany` and `storeContent`. */
export function ingestApi(ctx: Context) {
  /**
   * Stores a normalised message, links its participants and thread, and creates or extends a
   * task, in one transaction. The same message (by normalised Message-ID) is stored once:
   * ingesting it again records the new location and returns `duplicate`.
   */
  async function ingest(message: IncomingEmail, options: IngestOptions = {}): Promise<IngestResult> {
    const policy = resolvePolicy(ctx, options.policy);
    const source = checkSource(options.source);
    const p = prepare(message);
    if (p.from && isBlocked(p.from.address, policy.blocklist)) {
      await drain(message);
      return blocked(p);
    }
    // Streams are read only for a message not stored yet (pre-stored blobs cost nothing).
    const streams = (message.attachments ?? []).some((a) => !a.blob && a.content);
    const known = streams ? await findByKey(ctx.store, p.key) : null;
    const attachments = known ? (await drain(message), []) : await storeAttachments(ctx, message);
    // Two importers racing on one message: the loser's insert hits the unique index (CONFLICT)
    // and rolls back; on the retry it finds the winner's record and links to it.
    const rules = { policy, canFileOn: await filingRule(ctx, options.canFileOn ?? null) };
    return retryConflicts(async () => (await inUnit(ctx, (unit) => ingestBatch(ctx, unit, [{ p, source, attachments: async () => attachments }], rules)))[0]!);
  }

  /**
   * Ingests several messages in one transaction (what transports use for a batch): the same
   * result as `ingest` for each, with one commit. Attachments must already be stored (`blob`).
   * When the batch fails as a whole (e.g. a concurrent importer won a race), every message is
   * retried on its own, so one message's problem never costs the others.
   */
  async function ingestMany(
    items: Array<{ message: IncomingEmail; source?: EmailSource }>,
    options: { policy?: Partial<MailPolicy> } = {},
  ): Promise<Array<IngestResult | { status: 'error'; error: unknown }>> {
    const policy = resolvePolicy(ctx, options.policy);
    const canFileOn = await filingRule(ctx, null);
    for (const { message } of items) {
      if ((message.attachments ?? []).some((a) => !a.blob && a.content))
        throw invalid('ingestMany', 'needs attachments stored already (blob), not streams', message.messageId);
    }
    try {
      // Inside the try: a message that cannot be prepared fails alone, below.
      const prepared = items.map(({ message, source }) => ({ message, source: checkSource(source), p: prepare(message) }));
      return await inUnit(ctx, (unit) =>
        ingestBatch(
          ctx,
          unit,
          prepared.map(({ message, source, p }) => ({ p, source, attachments: () => storeAttachments(ctx, message) })),
          { policy, canFileOn },
        ),
      );
    } catch {
      // A store that is down fails again on the first message below, and that error is thrown.
      const results: Array<IngestResult | { status: 'error'; error: unknown }> = [];
      for (const { message, source } of items) {
        try {
          results.push(await ingest(message, { ...(source ? { source } : {}), ...(options.policy ? { policy: options.policy } : {}) }));
        } catch (error) {
          // Only the store failing stops the batch; anything else is this message's problem.
          if (isRapportError(error, 'STORAGE')) throw error;
          results.push({ status: 'error', error });
        }
      }
      return results;
    }
  }

  return {
    ingest,
    ingestMany,
    /** Streams bytes into the CRM's BlobStore (for transports that store attachments while parsing). */
    storeContent: (content: Readable | AsyncIterable<Uint8Array> | Uint8Array) => storeContent(ctx, content),
  };
}

/** Runs `ingestIn` for prepared messages in one unit: reads shared by the batch, writes at the end. */
async function ingestBatch(ctx: Context, outer: Unit, items: IngestItem[], rules: IngestRules): Promise<IngestResult[]> {
  const { policy } = rules;
  // Within a batch the same register, partners and persons are read again and again and a
  // task is created for many messages (createTask): see batchStore. The batch reads beneath the
  // operator's rules: de-duplication and threading must find every stored message and task;
  // `rules.canFileOn` (the operator's rule) decides which task a message may go on.
  const store = batchStore(unscoped(outer.tx));
  const unit = new Unit(store.store, outer.now, outer.actorId);
  try {
    const batch = await openBatch(
      unit,
      items.map((i) => i.p),
      policy,
    );
    const results: IngestResult[] = [];
    for (const [i, { p, source, attachments }] of items.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      if (p.from && isBlocked(p.from.address, policy.blocklist)) results.push(blocked(p));
      else results.push(await ingestIn(ctx, unit, batch, p, source, rules, await attachments()));
    }
    await batch.flush();
    await store.flush();
    return results;
  } finally {
    for (const event of unit.events) outer.emit(event);
  }
}

/**
 * One message of a batch: a duplicate only gains a location; otherwise its participants and
 * thread are found, the unknown-sender policy applied, and the e-mail, its task, the task's
 * entry and the timeline items are queued on the batch.
 */
async function ingestIn(
  ctx: Context,
  unit: Unit,
  batch: Batch,
  p: Prepared,
  source: EmailSource | null,
  rules: IngestRules,
  attachments: EmailAttachment[],
): Promise<IngestResult> {
  const { policy } = rules;
  const existing = batch.known.get(p.key);
  if (existing) {
    const newLocation = await addLocation(unit, batch, existing, source);
    const { taskId, createdTask } = await fileDuplicate(ctx, unit, batch, existing, p, rules);
    // The stored record names the task it was first filed on, which this caller may not see.
    const email = taskId === existing.taskId ? existing : { ...existing, taskId };
    return { status: 'duplicate', email, taskId, createdTask, linkedToExisting: false, newLocation };
  }

  const people = findParticipants(batch, p, policy);
  const thread = await findThread(unit, batch, p, rules.canFileOn);
  const bulk = isBulk(p.headers, p.subject);
  const linkedToExisting = people.persons.size > 0 || people.partners.size > 0 || thread.task !== null;
  if (!linkedToExisting && people.external.length > 0) {
    if (policy.unknownSenders === 'ignore') {
      return {
        status: 'ignored',
        email: null,
        reason: 'unknown sender (policy: ignore)',
        taskId: null,
        createdTask: false,
        linkedToExisting: false,
        newLocation: false,
      };
    }
    if (policy.unknownSenders === 'prospect' && !bulk) await addProspect(unit, batch, p, people);
  }

  const email = emailRecord(unit.now, p, people, thread, bulk, attachments);
  const { task, createdTask } = await taskFor(ctx, unit, batch, email, p, people, thread, rules);
  if (task) batch.tasks.set(task.id, task);
  email.taskId = task?.id ?? null;
  if (task) Object.assign(email, emailAccessFields(task));
  // Written together at the end of the batch (createMany); the unique index still guards each.
  batch.emails.push(email);
  batch.known.set(email.messageKey, email);
  if (source) batch.locations.push({ id: newId(unit.now.getTime()), version: 1, emailId: email.id, ...source, deletedAt: null, createdAt: unit.now });
  if (task) await addTaskEntry(unit, batch, task, email, createdTask);
  addTimeline(unit, batch, email, people);
  unit.emit({ type: 'email.ingested', email, taskId: email.taskId, createdTask });
  return { status: 'imported', email, taskId: email.taskId, createdTask, linkedToExisting, newLocation: source !== null };
}

/** Records a location of a stored message; false when it was known already. */
async function addLocation(unit: Unit, batch: Batch, email: Email, source: EmailSource | null): Promise<boolean> {
  if (!source) return false;
  const same = (l: EmailSource) => l.account === source.account && l.mailbox === source.mailbox && l.uidValidity === source.uidValidity && l.uid === source.uid;
  if (batch.locations.some(same)) return false;
  const existing = await unit.tx.find<EmailLocation>('email_locations', {
    where: where.and(
      where.eq('account', source.account),
      where.eq('mailbox', source.mailbox),
      where.eq('uidValidity', source.uidValidity),
      where.eq('uid', source.uid),
    ),
    limit: 1,
  });
  if (existing.items[0]) return false;
  batch.locations.push({ id: newId(unit.now.getTime()), version: 1, emailId: email.id, ...source, deletedAt: null, createdAt: unit.now });
  return true;
}

/** The e-mail record, before its task is known. */
function emailRecord(now: Date, p: Prepared, people: Participants, thread: Thread, bulk: boolean, attachments: EmailAttachment[]): Email {
  return {
    id: newId(now.getTime()),
    version: 1,
    messageKey: p.key,
    messageId: p.messageId,
    threadKey: thread.key,
    inReplyTo: p.inReplyTo,
    references: p.references,
    from: p.from,
    fromAddress: p.from?.address ?? null,
    to: p.to,
    cc: p.cc,
    replyTo: p.replyTo,
    subject: p.subject,
    sentAt: p.sentAt,
    text: p.text,
    html: p.html,
    attachments,
    headers: p.headers,
    bulk,
    direction: people.direction,
    status: people.persons.size > 0 || people.partners.size > 0 ? 'linked' : 'unlinked',
    taskId: null,
    partnerIds: [...people.partners.keys()],
    personIds: [...people.persons.keys()],
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The task a stored message is on for this call: its own, unless `canFileOn` rejects it; then
 * another task it was filed on that the rule accepts, else a new one (as for a new message).
 */
async function fileDuplicate(
  ctx: Context,
  unit: Unit,
  batch: Batch,
  email: Email,
  p: Prepared,
  rules: IngestRules,
): Promise<{ taskId: string | null; createdTask: boolean }> {
  const { canFileOn } = rules;
  if (!canFileOn || !email.taskId) return { taskId: email.taskId, createdTask: false };
  const own = batch.tasks.get(email.taskId) ?? (await unit.tx.get<Task>('tasks', email.taskId));
  // A task the caller cannot see (`own` null through their rules) is one they may not file on.
  if (own && canFileOn(own)) return { taskId: email.taskId, createdTask: false };
  const entries = await unit.tx.find<TaskEntry>('task_entries', {
    where: where.and(where.eq('emailId', email.id), where.eq('kind', 'email')),
    sort: [{ field: 'at' }],
    limit: 100,
  });
  for (const entry of entries.items) {
    const task = entry.taskId === email.taskId ? null : (batch.tasks.get(entry.taskId) ?? (await unit.tx.get<Task>('tasks', entry.taskId)));
    if (task && canFileOn(task)) return { taskId: task.id, createdTask: false };
  }
  const people = findParticipants(batch, p, rules.policy);
  const { task } = await taskFor(ctx, unit, batch, { ...email, status: 'linked', bulk: false }, p, people, { key: email.threadKey, task: null }, rules);
  if (!task) return { taskId: null, createdTask: false };
  batch.tasks.set(task.id, task);
  await addTaskEntry(unit, batch, task, email, true);
  return { taskId: task.id, createdTask: true };
}

/**
 * The task a message goes to: its thread's; for a reply known only by its subject, the open task
 * of that subject and partner within the reply window; else a new one for a linked message that
 * is not bulk (when the policy creates tasks), at the sender's partner (inbound) or the first
 * recipient's (outbound).
 */
async function taskFor(
  ctx: Context,
  unit: Unit,
  batch: Batch,
  email: Email,
  p: Prepared,
  people: Participants,
  thread: Thread,
  rules: IngestRules,
): Promise<{ task: Task | null; createdTask: boolean }> {
  const { policy } = rules;
  if (thread.task) return { task: thread.task, createdTask: false };
  if (email.status !== 'linked') return { task: null, createdTask: false };
  const owner = taskOwner(p, people);
  const bySubject = await findSubjectTask(unit, batch, p, owner, policy.replyWindowDays, rules.canFileOn);
  if (bySubject) return { task: bySubject, createdTask: false };
  if (email.bulk || !policy.createTasks) return { task: null, createdTask: false };
  const task = await createTask(unit, ctx, {
    ...(policy.register ? { registerCode: policy.register } : {}),
    subject: p.subject?.slice(0, 500) || '(no subject)',
    description: p.text ? p.text.slice(0, 10_000) : null,
    partnerId: owner.partnerId,
    personId: owner.personId,
    ownerId: policy.ownerId,
    ...(p.sentAt ? { plannedAt: p.sentAt } : {}),
  });
  return { task, createdTask: true };
}
