import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { inUnit, Unit, type Context, inRead } from '../context.js';
import { domainOf, isFreemail } from '../domain/freemail.js';
import {
  UNKNOWN_SENDER_POLICIES,
  type Email,
  type EmailAttachment,
  type EmailLocation,
  type EmailSource,
  type IncomingEmail,
  type IngestResult,
  type MailAddress,
  type MailCheckpoint,
  type MailPolicy,
  type QuarantinedEmail,
} from '../domain/email-types.js';
import type { ContactKey, Partner, Person, TaskEntry, Task, Register, TimelineItem } from '../domain/types.js';
import type { StoredRecord } from '../store/schema.js';
import { RapportError, invalid, isRapportError } from '../errors.js';
import { newId } from '../ids.js';
import { where, type Filter } from '../store/filter.js';
import { copyRecord } from '../store/copy.js';
import { checkSequenceCount, type AggregateQuery, type FindQuery, type Page, type Store } from '../store/store.js';
import { lookupKey } from './contact-keys.js';
import { createPartner } from './partners.js';
import { createPerson } from './persons.js';
import { createTask } from './tasks.js';

export const DEFAULT_MAIL_POLICY: MailPolicy = {
  ownDomains: [],
  unknownSenders: 'keep',
  blocklist: [],
  register: null,
  ownerId: null,
  createTasks: true,
};

export interface IngestOptions {
  /** Where the message was seen; recorded as a location (unique per account, mailbox, UIDVALIDITY, UID). */
  source?: EmailSource;
  /** Overrides of the CRM's mail policy for this account or import. */
  policy?: Partial<MailPolicy>;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const MAX_TEXT = 2_000_000;

/**
 * The normalised form of a Message-ID: without angle brackets and surrounding space, the domain
 * part lower-case (the local part is case-sensitive by RFC 5322). Null when there is none.
 */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const match = /<([^<>]*)>/.exec(value);
  const raw = (match ? match[1]! : value).trim().replace(/\s+/g, '');
  if (!raw) return null;
  const at = raw.lastIndexOf('@');
  const key = at < 0 ? raw : `${raw.slice(0, at)}@${raw.slice(at + 1).toLowerCase()}`;
  return key.slice(0, 500);
}

/** A stable id for a message without a Message-ID: the same message always hashes the same. */
export function hashMessageKey(message: IncomingEmail): string {
  const hash = createHash('sha256');
  const addresses = (list: MailAddress[] | undefined) => (list ?? []).map((a) => a.address.toLowerCase()).join(',');
  hash.update(
    JSON.stringify([
      message.from?.address?.toLowerCase() ?? '',
      addresses(message.to),
      addresses(message.cc),
      message.date && !Number.isNaN(message.date.getTime()) ? message.date.toISOString() : '',
      message.subject ?? '',
      (message.text ?? '').slice(0, 65_536),
      (message.attachments ?? []).map((a) => a.filename ?? '').join(','),
    ]),
  );
  return `hash:${hash.digest('hex')}`;
}

/** Mailing lists, newsletters and auto-replies: linked, but they start no task. */
export function isBulk(headers: Record<string, string> | undefined): boolean {
  if (!headers) return false;
  const h = (name: string) => headers[name]?.trim().toLowerCase();
  if (h('list-id') || h('list-unsubscribe')) return true;
  const precedence = h('precedence');
  if (precedence && ['bulk', 'list', 'junk'].includes(precedence)) return true;
  const auto = h('auto-submitted');
  return !!auto && auto !== 'no';
}

/** True when the address is on the blocklist (`a@b.com`, or `@b.com` for b.com and its subdomains). */
export function isBlocked(address: string, blocklist: readonly string[]): boolean {
  const addr = address.toLowerCase();
  const domain = domainOf(addr);
  return blocklist.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e.startsWith('@')) return domain === e.slice(1) || domain.endsWith(`.${e.slice(1)}`);
    return e === addr;
  });
}

function cleanAddress(a: unknown): MailAddress | null {
  if (!a || typeof a !== 'object') return null;
  const address = typeof (a as MailAddress).address === 'string' ? (a as MailAddress).address.trim().toLowerCase() : '';
  if (!ADDRESS.test(address) || address.length > 320) return null;
  const name = typeof (a as MailAddress).name === 'string' && (a as MailAddress).name!.trim() ? (a as MailAddress).name!.trim().slice(0, 255) : null;
  return { name, address };
}

const cleanList = (list: unknown): MailAddress[] => (Array.isArray(list) ? list.map(cleanAddress).filter((a): a is MailAddress => a !== null) : []);

function resolvePolicy(ctx: Context, override: Partial<MailPolicy> | undefined): MailPolicy {
  const policy = { ...DEFAULT_MAIL_POLICY, ...ctx.settings.mail, ...override };
  if (!UNKNOWN_SENDER_POLICIES.includes(policy.unknownSenders)) {
    throw invalid('mail.unknownSenders', `must be one of ${UNKNOWN_SENDER_POLICIES.join(', ')}`, policy.unknownSenders);
  }
  return { ...policy, ownDomains: policy.ownDomains.map((d) => d.trim().toLowerCase().replace(/^@/, '')) };
}

function checkSource(source: EmailSource | undefined): EmailSource | null {
  if (!source) return null;
  const ok = typeof source.account === 'string' && source.account && typeof source.mailbox === 'string' && Number.isSafeInteger(source.uidValidity) && Number.isSafeInteger(source.uid);
  if (!ok) throw invalid('source', 'must be { account, mailbox, uidValidity, uid } with whole numbers', JSON.stringify(source));
  return { account: source.account.slice(0, 320), mailbox: source.mailbox.slice(0, 1000), uidValidity: source.uidValidity, uid: source.uid };
}

/** A message checked and normalised, before it becomes an `Email` record. */
type Prepared = Pick<Email, 'messageId' | 'from' | 'to' | 'cc' | 'replyTo' | 'subject' | 'sentAt' | 'text' | 'html' | 'references' | 'inReplyTo' | 'headers'> & {
  key: string;
  threadRefs: string[];
};

function prepare(message: IncomingEmail): Prepared {
  if (!message || typeof message !== 'object') throw invalid('email', 'must be an object', message);
  const messageId = normalizeMessageId(message.messageId);
  const references = (Array.isArray(message.references) ? message.references : [])
    .map((r) => normalizeMessageId(r))
    .filter((r): r is string => !!r)
    .slice(-100);
  const inReplyTo = normalizeMessageId(message.inReplyTo);
  const date = message.date instanceof Date && !Number.isNaN(message.date.getTime()) ? message.date : null;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v.slice(0, 2000);
  const text = (s: unknown, max: number) => (typeof s === 'string' && s.length > 0 ? s.slice(0, max) : null);
  return {
    key: messageId ?? hashMessageKey(message),
    messageId,
    threadRefs: [...new Set([...references, ...(inReplyTo ? [inReplyTo] : [])])],
    from: cleanAddress(message.from),
    to: cleanList(message.to),
    cc: cleanList(message.cc),
    replyTo: cleanList(message.replyTo),
    subject: text(message.subject?.replace(/[\r\n]+/g, ' '), 1000),
    sentAt: date,
    text: text(message.text, MAX_TEXT),
    html: text(message.html, MAX_TEXT),
    references,
    inReplyTo,
    headers,
  };
}

/** Drains streams we will not store, so a producer waiting on them (a parser) is not stuck. */
async function drain(message: IncomingEmail) {
  for (const a of message.attachments ?? []) {
    const c = a.content as Readable | undefined;
    if (c && typeof (c as Readable).resume === 'function') (c as Readable).resume();
    else if (c && Symbol.asyncIterator in Object(c)) for await (const _ of c as AsyncIterable<Uint8Array>);
  }
}

const blocked = (p: Prepared): IngestResult => ({
  status: 'blocked',
  email: null,
  reason: `sender ${p.from!.address} is on the blocklist`,
  taskId: null,
  createdTask: false,
  linkedToExisting: false,
  newLocation: false,
});

interface Batch {
  /** Stored e-mails by message key: prefetched for the batch, plus those it creates. */
  known: Map<string, Email>;
  /** E-mails that may share a thread with the batch's messages. */
  thread: Email[];
  tasks: Map<string, Task>;
  emails: Email[];
  locations: EmailLocation[];
  entries: TaskEntry[];
  timeline: TimelineItem[];
  participants(addresses: string[], workDomain: (address: string) => boolean): { operatorAddresses: Set<string>; persons: Map<string, Person>; partners: Map<string, Partner> };
  /** Adds a prospect made during the batch to the address index. */
  learn(person: Person, partner: Partner | null): void;
  flush(): Promise<void>;
}

const CHUNK = 500;

/**
 * A synchronous driver (better-sqlite3) never gives the event loop a turn inside a batch: the
 * host's sockets (an IMAP fetch running ahead, an HTTP server) would wait for the whole batch.
 * Every few messages, the batch lets them run.
 */
const YIELD_EVERY = 10;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function findIn<T extends StoredRecord>(unit: Unit, collection: string, field: string, values: string[], extra?: Filter): Promise<T[]> {
  const out: T[] = [];
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const page = await unit.tx.find<T>(collection, { where: where.or(where.in(field, unique.slice(i, i + CHUNK)), extra), limit: 10_000 });
    out.push(...page.items);
  }
  return out;
}

/**
 * Reads what a batch of messages needs in a few queries (stored copies, thread relatives,
 * address owners) instead of several per message, and collects the records to write at the end.
 */
async function openBatch(unit: Unit, messages: Prepared[], policy: MailPolicy): Promise<Batch> {
  const keys = messages.map((p) => p.key);
  const known = new Map((await findIn<Email>(unit, 'emails', 'messageKey', keys)).map((e) => [e.messageKey, e]));
  const refs = messages.flatMap((p) => p.threadRefs);
  const roots = messages.map((p) => (p.threadRefs.length > 0 ? (p.references[0] ?? p.threadRefs[0]!) : p.key));
  const thread = new Map<string, Email>();
  for (const e of [...(await findIn<Email>(unit, 'emails', 'messageKey', refs)), ...(await findIn<Email>(unit, 'emails', 'threadKey', [...roots, ...keys]))]) thread.set(e.id, e);

  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const p of messages) {
    for (const a of [p.from, ...p.to, ...p.cc, ...p.replyTo]) {
      if (!a || isBlocked(a.address, policy.blocklist)) continue;
      addresses.add(a.address);
      if (!isFreemail(domainOf(a.address))) domains.add(domainOf(a.address));
    }
  }
  const contactKeys = await findIn<ContactKey>(unit, 'contact_keys', 'value', [...addresses, ...domains]);
  const persons = new Map((await findIn<Person>(unit, 'persons', 'id', contactKeys.filter((k) => k.ownerType === 'person').map((k) => k.ownerId))).map((x) => [x.id, x]));
  const partnerIds = [...contactKeys.filter((k) => k.ownerType === 'partner').map((k) => k.ownerId), ...[...persons.values()].flatMap((x) => (x.partnerId ? [x.partnerId] : []))];
  const partners = new Map((await findIn<Partner>(unit, 'partners', 'id', partnerIds)).map((x) => [x.id, x]));
  const sorted = () => [...thread.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));

  const batch: Batch = {
    known,
    thread: sorted(),
    tasks: new Map(),
    emails: [],
    locations: [],
    entries: [],
    timeline: [],
    participants(list, workDomain) {
      const operatorAddresses = new Set<string>();
      const found = { persons: new Map<string, Person>(), partners: new Map<string, Partner>() };
      const wanted = new Set(list);
      const workDomains = new Set(list.filter(workDomain).map(domainOf));
      for (const k of contactKeys) if (k.kind === 'email' && k.ownerType === 'operator' && wanted.has(k.value)) operatorAddresses.add(k.value);
      for (const k of contactKeys) {
        if (k.kind === 'email' && (!wanted.has(k.value) || operatorAddresses.has(k.value))) continue;
        if (k.kind === 'domain' && !workDomains.has(k.value)) continue;
        if (k.ownerType === 'person' && k.kind === 'email') {
          const person = persons.get(k.ownerId);
          if (person) found.persons.set(person.id, person);
        }
        if (k.ownerType === 'partner') {
          const partner = partners.get(k.ownerId);
          if (partner) found.partners.set(partner.id, partner);
        }
      }
      for (const person of found.persons.values()) {
        const partner = person.partnerId ? partners.get(person.partnerId) : undefined;
        if (partner) found.partners.set(partner.id, partner);
      }
      return { operatorAddresses, ...found };
    },
    learn(person, partner) {
      persons.set(person.id, person);
      for (const value of person.emails) contactKeys.push({ id: '', version: 1, kind: 'email', value, ownerType: 'person', ownerId: person.id });
      if (partner) {
        partners.set(partner.id, partner);
        for (const value of partner.emailDomains) contactKeys.push({ id: '', version: 1, kind: 'domain', value, ownerType: 'partner', ownerId: partner.id });
      }
    },
    async flush() {
      if (batch.emails.length) await unit.tx.createMany('emails', batch.emails);
      if (batch.locations.length) await unit.tx.createMany('email_locations', batch.locations);
      if (batch.entries.length) await unit.tx.createMany('task_entries', batch.entries);
      if (batch.timeline.length) await unit.tx.createMany('timeline', batch.timeline);
    },
  };
  return batch;
}

const CACHED = new Set(['registers', 'partners', 'persons', 'operators']);

/** Collections whose records a batch creates one by one but writes together at its end. */
const DEFERRED = new Set(['tasks', 'timeline']);

interface BatchStore {
  store: Store;
  /** Writes what was held back: counters advanced by what was taken, then the deferred records. */
  flush(): Promise<void>;
}

/**
 * The transaction's store as a batch of messages uses it: `get` and `find` of a few reference
 * collections answered from memory after the first read (a write to a collection forgets them);
 * tasks and timeline items created one by one but written with one `createMany` (any other use
 * of such a collection writes them first); and counters taken from the store once a batch, the
 * following values counted here and claimed at `flush`. The transaction holds the counter from
 * its first increment (row lock or single writer), so nobody else can take those values.
 */
function batchStore(tx: Store): BatchStore {
  const cache = new Map<string, Map<string, Promise<unknown>>>();
  const pending = new Map<string, StoredRecord[]>();
  const counters = new Map<string, Promise<{ last: number; owed: number }>>();
  const forget = (collection: string) => cache.delete(collection);
  const writePending = async (collection: string) => {
    const records = pending.get(collection);
    pending.delete(collection);
    if (records?.length) await tx.createMany(collection, records);
  };
  /** Runs `op` once the collection's held-back records are written. */
  const settled = <R>(collection: string, op: () => Promise<R>): Promise<R> => (pending.has(collection) ? writePending(collection).then(op) : op());
  const remember = <R>(collection: string, key: string, read: () => Promise<R>): Promise<R> => {
    if (!CACHED.has(collection)) return settled(collection, read);
    let entries = cache.get(collection);
    if (!entries) cache.set(collection, (entries = new Map()));
    let hit = entries.get(key) as Promise<R> | undefined;
    if (!hit) {
      hit = read();
      entries.set(key, hit);
      hit.catch(() => entries!.delete(key));
    }
    // Callers get their own copy: records are plain objects and a caller may change them.
    return hit.then(copyRecord);
  };
  const defer = (collection: string, records: StoredRecord[]) => {
    forget(collection);
    const list = pending.get(collection);
    if (list) list.push(...records);
    else pending.set(collection, [...records]);
  };
  const store = Object.assign(Object.create(tx) as Store, {
    get: <T extends StoredRecord>(collection: string, id: string) => remember(collection, `get:${id}`, () => tx.get<T>(collection, id)),
    find: <T extends StoredRecord>(collection: string, query?: FindQuery) => remember(collection, `find:${JSON.stringify(query ?? {})}`, () => tx.find<T>(collection, query)),
    create: <T extends StoredRecord>(collection: string, record: T) => {
      if (!DEFERRED.has(collection)) return (forget(collection), tx.create(collection, record));
      defer(collection, [record]);
      return Promise.resolve(record);
    },
    createMany: <T extends StoredRecord>(collection: string, records: T[]) => {
      if (!DEFERRED.has(collection)) return (forget(collection), tx.createMany(collection, records));
      defer(collection, records);
      return Promise.resolve();
    },
    update: <T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, v: number) => (forget(collection), settled(collection, () => tx.update<T>(collection, id, patch, v))),
    delete: (collection: string, id: string, v?: number) => (forget(collection), settled(collection, () => tx.delete(collection, id, v))),
    deleteWhere: (collection: string, w: Filter) => (forget(collection), settled(collection, () => tx.deleteWhere(collection, w))),
    count: (collection: string, w?: Filter) => settled(collection, () => tx.count(collection, w)),
    aggregate: (collection: string, q: AggregateQuery) => settled(collection, () => tx.aggregate(collection, q)),
    nextSequence: (name: string, count = 1) => {
      checkSequenceCount(count);
      const before = counters.get(name);
      const next = before ? before.then((c) => ({ last: c.last + count, owed: c.owed + count })) : tx.nextSequence(name, count).then((last) => ({ last, owed: 0 }));
      counters.set(name, next);
      return next.then((c) => c.last);
    },
    transaction: <R>(fn: (t: Store) => Promise<R>) => fn(store),
  });
  return {
    store,
    async flush() {
      for (const [name, counter] of counters) {
        const { last, owed } = await counter;
        if (owed === 0) continue;
        const claimed = await tx.nextSequence(name, owed);
        if (claimed !== last) throw new RapportError('STORAGE', `counter ${name} moved during the batch: counted to ${last}, the store is at ${claimed}`);
      }
      counters.clear();
      for (const collection of [...pending.keys()]) await writePending(collection);
    },
  };
}

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const FILENAME_UNSAFE = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;

/** A file name safe to show and to write: no directories, no control characters, not empty. */
export function safeFilename(name: string | null | undefined, fallback = 'attachment'): string {
  const base = String(name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.replace(FILENAME_UNSAFE, '_').replace(/^[.\s]+/, '').trim().slice(0, 255);
  return clean || fallback;
}

/** E-mail messages: ingest from any transport, threads, participants, mailbox locations, sync state. */
export function emailsModule(ctx: Context) {
  async function storeAttachments(message: IncomingEmail): Promise<EmailAttachment[]> {
    const out: EmailAttachment[] = [];
    for (const [i, a] of (message.attachments ?? []).entries()) {
      let blob = a.blob;
      if (!blob) {
        if (!a.content) continue;
        if (!ctx.blobs) throw new RapportError('VALIDATION', 'e-mail attachments need a BlobStore: pass `blobs` to createCrm (e.g. fsBlobStore({ dir }))');
        blob = await ctx.blobs.put(a.content);
      }
      out.push({
        filename: safeFilename(a.filename, `attachment-${i + 1}`),
        contentType: (a.contentType ?? 'application/octet-stream').slice(0, 255).toLowerCase(),
        size: blob.size,
        blobKey: blob.key,
        sha256: blob.sha256,
        contentId: a.contentId ? normalizeMessageId(a.contentId) : null,
        inline: !!a.inline,
      });
    }
    return out;
  }

  async function findByKey(store: Context['store'], key: string): Promise<Email | null> {
    return (await store.find<Email>('emails', { where: where.eq('messageKey', key), limit: 1 })).items[0] ?? null;
  }

  /** Records a location of a stored message; false when it was known already. */
  async function addLocation(unit: Unit, batch: Batch, email: Email, source: EmailSource | null): Promise<boolean> {
    if (!source) return false;
    const same = (l: EmailSource) => l.account === source.account && l.mailbox === source.mailbox && l.uidValidity === source.uidValidity && l.uid === source.uid;
    if (batch.locations.some(same)) return false;
    const existing = await unit.tx.find<EmailLocation>('email_locations', {
      where: where.and(where.eq('account', source.account), where.eq('mailbox', source.mailbox), where.eq('uidValidity', source.uidValidity), where.eq('uid', source.uid)),
      limit: 1,
    });
    if (existing.items[0]) return false;
    batch.locations.push({ id: newId(unit.now.getTime()), version: 1, emailId: email.id, ...source, deletedAt: null, createdAt: unit.now });
    return true;
  }

  /** Runs ingestIn for prepared messages in one unit: reads shared by the batch, writes at the end. */
  async function ingestBatch(outer: Unit, items: Array<{ p: Prepared; source: EmailSource | null; attachments: () => Promise<EmailAttachment[]> }>, policy: MailPolicy): Promise<IngestResult[]> {
    // Within a batch the same register, partners and persons are read again and again and a
    // task is created for many messages (createTask): see batchStore.
    const batch = batchStore(outer.tx);
    const unit = new Unit(batch.store, outer.now, outer.actorId);
    try {
      const results = await ingestItems(unit, items, policy);
      await batch.flush();
      return results;
    } finally {
      for (const event of unit.events) outer.emit(event);
    }
  }

  async function ingestItems(unit: Unit, items: Array<{ p: Prepared; source: EmailSource | null; attachments: () => Promise<EmailAttachment[]> }>, policy: MailPolicy): Promise<IngestResult[]> {
    const batch = await openBatch(unit, items.map((i) => i.p), policy);
    const results: IngestResult[] = [];
    for (const [i, { p, source, attachments }] of items.entries()) {
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      if (p.from && isBlocked(p.from.address, policy.blocklist)) results.push(blocked(p));
      else results.push(await ingestIn(unit, batch, p, source, policy, await attachments()));
    }
    await batch.flush();
    return results;
  }

  async function ingestIn(unit: Unit, batch: Batch, p: Prepared, source: EmailSource | null, policy: MailPolicy, attachments: EmailAttachment[]): Promise<IngestResult> {
    {
      const existing = batch.known.get(p.key);
      if (existing) {
        const newLocation = await addLocation(unit, batch, existing, source);
        return { status: 'duplicate', email: existing, taskId: existing.taskId, createdTask: false, linkedToExisting: false, newLocation };
      }

      // Participants: persons by address, partners by address or work domain.
      const own = (address: string) => {
        const d = domainOf(address);
        return policy.ownDomains.some((o) => d === o || d.endsWith(`.${o}`));
      };
      const everyone = [p.from, ...p.to, ...p.cc, ...p.replyTo].filter((a): a is MailAddress => a !== null);
      const addresses = [...new Set(everyone.map((a) => a.address))].filter((a) => !isBlocked(a, policy.blocklist));
      const { operatorAddresses, persons, partners } = batch.participants(addresses, (a) => !own(a) && !isFreemail(domainOf(a)));
      const isUs = (a: string) => own(a) || operatorAddresses.has(a);
      const direction: Email['direction'] = p.from && isUs(p.from.address) ? 'outbound' : 'inbound';
      const external = addresses.filter((a) => !isUs(a));

      // The thread: an earlier message this one refers to, or one that shares its root.
      let threadTask: Task | null = null;
      let threadKey = p.threadRefs.length > 0 ? (p.references[0] ?? p.threadRefs[0]!) : p.key;
      {
        // Also finds replies that arrived before this message: they named it as their root.
        const related = { items: batch.thread.filter((e) => e.threadKey === threadKey || p.threadRefs.includes(e.messageKey)) };
        const earliest = related.items[0];
        if (earliest) threadKey = earliest.threadKey;
        const withTask = related.items.find((e) => e.taskId);
        if (withTask?.taskId) threadTask = batch.tasks.get(withTask.taskId) ?? (await unit.tx.get<Task>('tasks', withTask.taskId));
      }

      const bulk = isBulk(p.headers);
      const linkedToExisting = persons.size > 0 || partners.size > 0 || threadTask !== null;
      if (!linkedToExisting && external.length > 0 && !threadTask) {
        if (policy.unknownSenders === 'ignore') {
          return { status: 'ignored', email: null, reason: 'unknown sender (policy: ignore)', taskId: null, createdTask: false, linkedToExisting: false, newLocation: false };
        }
        if (policy.unknownSenders === 'prospect' && !bulk) {
          const who = (direction === 'inbound' ? p.from : null) ?? everyone.find((a) => external.includes(a.address))!;
          const created = await createProspect(unit, who);
          persons.set(created.person.id, created.person);
          if (created.partner) partners.set(created.partner.id, created.partner);
          batch.learn(created.person, created.partner);
        }
      }

      const now = unit.now;
      const email: Email = {
        id: newId(now.getTime()),
        version: 1,
        messageKey: p.key,
        messageId: p.messageId,
        threadKey,
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
        direction,
        status: persons.size > 0 || partners.size > 0 ? 'linked' : 'unlinked',
        taskId: null,
        partnerIds: [...partners.keys()],
        personIds: [...persons.keys()],
        createdAt: now,
        updatedAt: now,
      };

      let task = threadTask;
      let createdTask = false;
      if (!task && !bulk && policy.createTasks && email.status === 'linked') {
        const firstPerson = [...persons.values()][0] ?? null;
        const partnerId = firstPerson?.partnerId ?? [...partners.keys()][0] ?? null;
        task = await createTask(unit, ctx, {
          ...(policy.register ? { registerCode: policy.register } : {}),
          subject: p.subject?.slice(0, 500) || '(no subject)',
          description: p.text ? p.text.slice(0, 10_000) : null,
          partnerId,
          personId: firstPerson && (!firstPerson.partnerId || firstPerson.partnerId === partnerId) ? firstPerson.id : null,
          ownerId: policy.ownerId,
          ...(p.sentAt ? { plannedAt: p.sentAt } : {}),
        });
        createdTask = true;
      }
      if (task) batch.tasks.set(task.id, task);
      email.taskId = task?.id ?? null;
      // Written together at the end of the batch (createMany); the unique index still guards each.
      batch.emails.push(email);
      batch.known.set(email.messageKey, email);
      batch.thread.push(email);
      if (source) batch.locations.push({ id: newId(now.getTime()), version: 1, emailId: email.id, ...source, deletedAt: null, createdAt: now });

      if (task) {
        const entry: TaskEntry = {
          id: newId(now.getTime()),
          version: 1,
          taskId: task.id,
          kind: 'email',
          at: now,
          createdBy: unit.actorId,
          body: p.subject,
          file: null,
          link: null,
          emailId: email.id,
        };
        batch.entries.push(entry);
        if (!createdTask) {
          const fresh = (await unit.tx.get<Task>('tasks', task.id)) ?? task;
          batch.tasks.set(task.id, await unit.save('tasks', fresh, { updatedAt: now }));
        }
        unit.emit({ type: 'entry.added', entry });
      }

      // Timeline: one item per linked person; only the first person of a partner carries the
      // partner id, so the partner's timeline shows the message once however many of its
      // people it reached. A partner nobody stood for gets an item of its own.
      const title = `${direction === 'inbound' ? '←' : '→'} ${p.subject ?? '(no subject)'}`.slice(0, 500);
      const data = { from: email.fromAddress, taskId: email.taskId, messageKey: email.messageKey, bulk };
      const kind = direction === 'inbound' ? 'email.received' : 'email.sent';
      const at = p.sentAt ?? now;
      const covered = new Set<string>();
      for (const person of persons.values()) {
        const partnerId = person.partnerId && partners.has(person.partnerId) && !covered.has(person.partnerId) ? person.partnerId : null;
        if (partnerId) covered.add(partnerId);
        batch.timeline.push({ id: newId(now.getTime()), version: 1, partnerId, personId: person.id, kind, subjectType: 'email', subjectId: email.id, title, data, at, actorId: unit.actorId });
      }
      for (const partner of partners.values()) {
        if (!covered.has(partner.id)) batch.timeline.push({ id: newId(now.getTime()), version: 1, partnerId: partner.id, personId: null, kind, subjectType: 'email', subjectId: email.id, title, data, at, actorId: unit.actorId });
      }
      unit.emit({ type: 'email.ingested', email, taskId: email.taskId, createdTask });
      return { status: 'imported', email, taskId: email.taskId, createdTask, linkedToExisting, newLocation: source !== null };
    }
  }

  async function createProspect(unit: Unit, who: MailAddress): Promise<{ person: Person; partner: Partner | null }> {
    const domain = domainOf(who.address);
    let partner: Partner | null = null;
    if (!isFreemail(domain)) {
      const key = (await lookupKey(unit, 'domain', domain, 'partner'))[0];
      partner = key ? await unit.tx.get<Partner>('partners', key.ownerId) : null;
      if (!partner) {
        const label = domain.split('.').slice(0, -1).join('.') || domain;
        const base = label.toUpperCase().replace(/[^A-Z0-9._-]/g, '-').replace(/^[^A-Z0-9]+/, '').slice(0, 48) || 'PROSPECT';
        let code = base;
        for (let n = 2; (await unit.tx.count('partners', where.eq('code', code))) > 0; n++) code = `${base}-${n}`;
        partner = await createPartner(unit, { code, name: domain, kind: 'prospect', emailDomains: [domain] });
      }
    }
    const local = who.address.slice(0, who.address.lastIndexOf('@'));
    const [first, ...rest] = (who.name ?? local).split(/\s+/).filter(Boolean);
    const person = await createPerson(unit, {
      partnerId: partner?.id ?? null,
      firstName: (first ?? local).slice(0, 255),
      lastName: (rest.join(' ') || '-').slice(0, 255),
      emails: [who.address],
    });
    return { person, partner };
  }

  return {
    /**
     * Stores a normalised message, links its participants and thread, and creates or extends a
     * task, in one transaction. The same message (by normalised Message-ID) is stored once:
     * ingesting it again records the new location and returns `duplicate`.
     */
    async ingest(message: IncomingEmail, options: IngestOptions = {}): Promise<IngestResult> {
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
      const attachments = known ? (await drain(message), []) : await storeAttachments(message);
      // Two importers racing on one message: the loser's insert hits the unique index (CONFLICT)
      // and rolls back; on the retry it finds the winner's record and links to it.
      return retryConflicts(async () => (await inUnit(ctx, (unit) => ingestBatch(unit, [{ p, source, attachments: async () => attachments }], policy)))[0]!);
    },

    /**
     * Ingests several messages in one transaction (what transports use for a batch): the same
     * result as `ingest` for each, with one commit. Attachments must already be stored (`blob`).
     * When the batch fails as a whole (e.g. a concurrent importer won a race), every message is
     * retried on its own, so one message's problem never costs the others.
     */
    async ingestMany(items: Array<{ message: IncomingEmail; source?: EmailSource }>, options: { policy?: Partial<MailPolicy> } = {}): Promise<Array<IngestResult | { status: 'error'; error: unknown }>> {
      const policy = resolvePolicy(ctx, options.policy);
      const prepared = items.map(({ message, source }) => {
        if ((message.attachments ?? []).some((a) => !a.blob && a.content)) throw invalid('ingestMany', 'needs attachments stored already (blob), not streams', message.messageId);
        return { message, source: checkSource(source), p: prepare(message) };
      });
      try {
        return await inUnit(ctx, (unit) => ingestBatch(unit, prepared.map(({ message, source, p }) => ({ p, source, attachments: () => storeAttachments(message) })), policy));
      } catch {
        // A store that is down fails again on the first message below, and that error is thrown.
        const results: Array<IngestResult | { status: 'error'; error: unknown }> = [];
        for (const { message, source } of items) {
          try {
            results.push(await this.ingest(message, { ...(source ? { source } : {}), ...(options.policy ? { policy: options.policy } : {}) }));
          } catch (error) {
            if (!isRapportError(error, 'VALIDATION') && !isRapportError(error, 'NOT_FOUND')) throw error;
            results.push({ status: 'error', error });
          }
        }
        return results;
      }
    },

    /** Streams bytes into the CRM's BlobStore (for transports that store attachments while parsing). */
    async storeContent(content: Readable | AsyncIterable<Uint8Array> | Uint8Array) {
      if (!ctx.blobs) throw new RapportError('VALIDATION', 'e-mail attachments need a BlobStore: pass `blobs` to createCrm (e.g. fsBlobStore({ dir }))');
      return ctx.blobs.put(content);
    },

    get(id: string): Promise<Email> {
      return inRead(ctx, (unit) => unit.load<Email>('emails', id, 'email'));
    },

    /** The stored message with this Message-ID (any spelling of it), or null. */
    findByMessageId(messageId: string): Promise<Email | null> {
      const key = normalizeMessageId(messageId);
      return key ? findByKey(ctx.store, key) : Promise.resolve(null);
    },

    /** True when a message with this Message-ID is stored (lets transports skip parsing it). */
    async has(messageId: string | null | undefined): Promise<boolean> {
      const key = normalizeMessageId(messageId);
      return key ? (await ctx.store.count('emails', where.eq('messageKey', key))) > 0 : false;
    },

    /** E-mails of a task, oldest first. */
    async forTask(taskId: string): Promise<Email[]> {
      return (await ctx.store.find<Email>('emails', { where: where.eq('taskId', taskId), sort: [{ field: 'sentAt' }], limit: 10_000 })).items;
    },

    list(query: { status?: Email['status']; limit?: number; cursor?: string } = {}): Promise<Page<Email>> {
      return ctx.store.find<Email>('emails', {
        where: query.status ? where.eq('status', query.status) : undefined,
        sort: [{ field: 'createdAt' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    async locations(emailId: string): Promise<EmailLocation[]> {
      return (await ctx.store.find<EmailLocation>('email_locations', { where: where.eq('emailId', emailId), limit: 1000 })).items;
    },

    /** UIDs recorded for a mailbox generation (not deleted on the server), ascending. */
    async knownUids(account: string, mailbox: string, uidValidity: number): Promise<number[]> {
      const uids: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await ctx.store.find<EmailLocation>('email_locations', {
          where: where.and(where.eq('account', account), where.eq('mailbox', mailbox), where.eq('uidValidity', uidValidity), where.eq('deletedAt', null)),
          sort: [{ field: 'uid' }],
          limit: 10_000,
          ...(cursor ? { cursor } : {}),
        });
        for (const l of page.items) uids.push(l.uid);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return uids;
    },

    /** Marks locations expunged on the server as deleted there; the e-mails stay in the CRM. */
    markDeletedOnServer(account: string, mailbox: string, uidValidity: number, uids: number[]): Promise<number> {
      return inUnit(ctx, async (unit) => {
        let n = 0;
        for (let i = 0; i < uids.length; i += 500) {
          const page = await unit.tx.find<EmailLocation>('email_locations', {
            where: where.and(where.eq('account', account), where.eq('mailbox', mailbox), where.eq('uidValidity', uidValidity), where.in('uid', uids.slice(i, i + 500)), where.eq('deletedAt', null)),
            limit: 500,
          });
          for (const l of page.items) {
            await unit.tx.update<EmailLocation>('email_locations', l.id, { deletedAt: unit.now }, l.version);
            n++;
          }
        }
        if (n > 0) unit.emit({ type: 'email.deleted_on_server', account, mailbox, uidValidity, count: n });
        return n;
      });
    },

    /** The sync position of a mailbox, or null before its first sync. */
    async checkpoint(account: string, mailbox: string): Promise<MailCheckpoint | null> {
      const page = await ctx.store.find<MailCheckpoint>('mail_checkpoints', { where: where.and(where.eq('account', account), where.eq('mailbox', mailbox)), limit: 1 });
      return page.items[0] ?? null;
    },

    /**
     * Saves a mailbox's sync position. It never moves `lastUid` backwards within one UIDVALIDITY,
     * so a slower concurrent importer cannot undo a faster one's progress.
     */
    saveCheckpoint(cp: Omit<MailCheckpoint, 'id' | 'version' | 'updatedAt'>): Promise<MailCheckpoint> {
      const save = () =>
        inUnit(ctx, async (unit) => {
          const page = await unit.tx.find<MailCheckpoint>('mail_checkpoints', { where: where.and(where.eq('account', cp.account), where.eq('mailbox', cp.mailbox)), limit: 1 });
          const current = page.items[0];
          if (!current) {
            const record: MailCheckpoint = { id: newId(unit.now.getTime()), version: 1, ...cp, updatedAt: unit.now };
            return unit.tx.create('mail_checkpoints', record);
          }
          const lastUid = current.uidValidity === cp.uidValidity ? Math.max(current.lastUid, cp.lastUid) : cp.lastUid;
          return unit.save('mail_checkpoints', current, { ...cp, lastUid, updatedAt: unit.now });
        });
      return retryConflicts(save);
    },

    /** Puts a message that could not be imported aside with the reason (once per source location). */
    quarantine(item: Omit<QuarantinedEmail, 'id' | 'version' | 'at'>): Promise<QuarantinedEmail> {
      return retryConflicts(() =>
        inUnit(ctx, async (unit) => {
          const existing = await unit.tx.find<QuarantinedEmail>('mail_quarantine', {
            where: where.and(where.eq('account', item.account), where.eq('mailbox', item.mailbox), where.eq('uidValidity', item.uidValidity), where.eq('uid', item.uid)),
            limit: 1,
          });
          const record = { ...item, reason: item.reason.slice(0, 1000), subject: item.subject?.slice(0, 1000) ?? null, messageId: item.messageId?.slice(0, 1000) ?? null };
          if (existing.items[0]) return unit.save('mail_quarantine', existing.items[0], { ...record, at: unit.now });
          const created: QuarantinedEmail = { id: newId(unit.now.getTime()), version: 1, ...record, at: unit.now };
          await unit.tx.create('mail_quarantine', created);
          unit.emit({ type: 'email.quarantined', item: created });
          return created;
        }),
      );
    },

    /** Quarantined messages, newest first. */
    quarantined(query: { account?: string; limit?: number; cursor?: string } = {}): Promise<Page<QuarantinedEmail>> {
      return ctx.store.find<QuarantinedEmail>('mail_quarantine', {
        where: query.account ? where.eq('account', query.account) : undefined,
        sort: [{ field: 'at', direction: 'desc' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** The register tasks from mail go to, per policy (for transports that report it). */
    async register(policy?: Partial<MailPolicy>): Promise<Register | null> {
      const code = resolvePolicy(ctx, policy).register;
      if (!code) return null;
      return (await ctx.store.find<Register>('registers', { where: where.eq('code', code.toUpperCase()), limit: 1 })).items[0] ?? null;
    },
  };
}

async function retryConflicts<R>(fn: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRapportError(err, 'CONFLICT') || attempt >= 5) throw err;
    }
  }
}
