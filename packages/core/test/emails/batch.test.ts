import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, steppingClock, type DomainEvent, type IncomingEmail, type Store, type Task } from '@rapport/core';

type Call = { method: string; collection: string; records?: number };

/** A store whose transactions record every call made on them, and can fail one kind of call once. */
function spying(inner: Store, failOnce?: (call: Call) => boolean) {
  const calls: Call[] = [];
  let failed = false;
  const wrap = (tx: Store): Store =>
    Object.assign(Object.create(tx) as Store, {
      create: (c: string, r: never) => (record({ method: 'create', collection: c }), tx.create(c, r)),
      createMany: (c: string, rs: never[]) => (record({ method: 'createMany', collection: c, records: rs.length }), tx.createMany(c, rs)),
      nextSequence: (name: string, count?: number) => (record({ method: 'nextSequence', collection: name, records: count ?? 1 }), tx.nextSequence(name, count)),
      transaction: <R>(fn: (t: Store) => Promise<R>) => tx.transaction(fn),
    });
  const record = (call: Call) => {
    calls.push(call);
    if (!failed && failOnce?.(call)) {
      failed = true;
      throw new Error(`injected failure on ${call.method} ${call.collection}`);
    }
  };
  const store: Store = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    transaction: <R>(fn: (tx: Store) => Promise<R>) => inner.transaction((tx) => fn(wrap(tx))),
  });
  return { store, calls };
}

async function setup(store: Store) {
  const crm = createCrm({ store, clock: steppingClock('2026-03-02T08:00:00Z'), mail: { ownDomains: ['firma.pl'] } });
  await crm.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.', emailDomains: ['zefir.pl'] });
  const events: DomainEvent[] = [];
  crm.events$.subscribe((e) => events.push(e));
  return { crm, events };
}

const msg = (i: number, over: Partial<IncomingEmail> = {}): IncomingEmail => ({
  messageId: `<m${i}@zefir.pl>`,
  from: { name: `Client ${i}`, address: `client${i}@zefir.pl` },
  to: [{ name: 'Anna', address: 'anna@firma.pl' }],
  date: new Date(Date.UTC(2026, 2, 1, 10, 0, i)),
  subject: `Question ${i}`,
  text: `Message ${i}`,
  ...over,
});
const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, k) => ({ message: msg(from + k), source: { account: 'imap:a', mailbox: 'INBOX', uidValidity: 1, uid: from + k } }));

const numbers = async (crm: Awaited<ReturnType<typeof setup>>['crm']) =>
  (await crm.store.find<Task>('tasks', { limit: 10_000 })).items.map((t) => Number(t.number.split('/')[0])).sort((a, b) => a - b);

describe('crm.emails.ingestMany', () => {
  it('writes a batch of new conversations in bulk: one counter claim, tasks and timeline with createMany, numbers in message order', async () => {
    const { store, calls } = spying(memoryStore());
    const { crm, events } = await setup(store);
    calls.length = 0;
    const results = await crm.emails.ingestMany(batch(1, 30));
    expect(results.every((r) => r.status === 'imported' && r.createdTask)).toBe(true);

    expect(calls.filter((c) => c.method === 'create' && (c.collection === 'tasks' || c.collection === 'timeline'))).toEqual([]);
    expect(calls.filter((c) => c.method === 'createMany' && c.collection === 'tasks')).toEqual([{ method: 'createMany', collection: 'tasks', records: 30 }]);
    // The first number is taken at once; the other 29 are claimed together at the end.
    expect(calls.filter((c) => c.method === 'nextSequence').map((c) => c.records)).toEqual([1, 29]);

    const tasks = await Promise.all(results.map((r) => crm.tasks.get((r as { taskId: string }).taskId)));
    expect(tasks.map((t) => t.number)).toEqual(Array.from({ length: 30 }, (_, i) => `${String(i + 1).padStart(4, '0')}/2026/CRM`));
    expect(tasks[4]).toMatchObject({ subject: 'Question 5' });
    // Timeline: per message the task's creation and the e-mail, titles carrying the final number.
    const history = await crm.history.forPartner(tasks[0]!.partnerId!, { limit: 100 });
    expect(history.items.filter((i) => i.kind === 'task.created').map((i) => i.title)).toContain('0001/2026/CRM Question 1');
    expect(history.items.filter((i) => i.kind === 'email.received')).toHaveLength(30);
    expect(events.filter((e) => e.type === 'task.created')).toHaveLength(30);
    // The next task, created on its own, continues the series.
    expect((await crm.tasks.create({ subject: 'Later' })).number).toBe('0031/2026/CRM');
  });

  it('a reply in the same batch as the message it answers lands on the task that batch created', async () => {
    const { crm } = await setup(memoryStore());
    const results = await crm.emails.ingestMany([
      { message: msg(1) },
      { message: msg(2, { subject: 'Re: Question 1', inReplyTo: '<m1@zefir.pl>', references: ['<m1@zefir.pl>'] }) },
      { message: msg(3) },
    ]);
    const [first, reply, other] = results as Array<{ taskId: string; createdTask: boolean }>;
    expect(reply!.taskId).toBe(first!.taskId);
    expect(reply!.createdTask).toBe(false);
    expect(other!.taskId).not.toBe(first!.taskId);
    expect((await crm.emails.forTask(first!.taskId)).map((e) => e.messageKey)).toEqual(['m1@zefir.pl', 'm2@zefir.pl']);
    expect(await numbers(crm)).toEqual([1, 2]);
  });

  it('batches running alongside single task creations never share or skip a number', async () => {
    const { crm } = await setup(memoryStore());
    await Promise.all([
      ...Array.from({ length: 5 }, (_, b) => crm.emails.ingestMany(batch(1 + b * 20, 20))),
      ...Array.from({ length: 20 }, (_, i) => crm.tasks.create({ subject: `Manual ${i}` })),
    ]);
    expect(await numbers(crm)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('a batch that fails when it writes its tasks gives its numbers back; every message is then imported on its own', async () => {
    const { store } = spying(memoryStore(), (c) => c.method === 'createMany' && c.collection === 'tasks');
    const { crm } = await setup(store);
    const results = await crm.emails.ingestMany(batch(1, 10));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill('imported'));
    expect(await numbers(crm)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await crm.store.count('emails')).toBe(10);
  });

  it('a message that fails with anything but a store error fails alone: the others are imported, it is reported with its error', async () => {
    // Every write of message 2 fails with a TypeError, as a normaliser defect that only it triggers would.
    const store = memoryStore();
    const poisoned: Store = Object.assign(Object.create(store) as Store, {
      transaction: <R>(fn: (tx: Store) => Promise<R>) =>
        store.transaction((tx) =>
          fn(
            Object.assign(Object.create(tx) as Store, {
              createMany: (c: string, rs: Array<{ subject?: string }>) => {
                if (c === 'emails' && rs.some((r) => r.subject === 'Question 2')) throw new TypeError('poisoned');
                return tx.createMany(c, rs as never[]);
              },
            }),
          ),
        ),
    });
    const { crm } = await setup(poisoned);
    const results = await crm.emails.ingestMany(batch(1, 3));
    expect(results.map((r) => r.status)).toEqual(['imported', 'error', 'imported']);
    expect((results[1] as { error: Error }).error).toBeInstanceOf(TypeError);
    expect(await crm.store.count('emails')).toBe(2);
  });

  it('an attachment whose content type is not a string (a part cut off after "Content-Type: ") is stored as application/octet-stream', async () => {
    const { crm } = await setup(memoryStore());
    const blob = { key: 'k1', size: 1, sha256: 'x' };
    const [result] = await crm.emails.ingestMany([{ message: msg(1, { attachments: [{ blob, contentType: false as never }] }) }]);
    expect(result).toMatchObject({ status: 'imported' });
    expect((await crm.emails.findByMessageId('<m1@zefir.pl>'))!.attachments.map((a) => a.contentType)).toEqual(['application/octet-stream']);
  });

  it('lets the event loop run during a long batch (a synchronous driver would otherwise hold it for the whole batch)', async () => {
    const { crm } = await setup(memoryStore());
    let turns = 0;
    let done = false;
    const spin = () => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    await crm.emails.ingestMany(batch(1, 200));
    done = true;
    // One turn every 10 messages at least; without yielding, the loop would get none.
    expect(turns).toBeGreaterThanOrEqual(19);
  });
});
