import { describe, expect, it } from 'vitest';
import { createCrm, createScheduler, messageIdFor, RapportError, type Clock, type Mailer, type MailMessage } from '@rapport/core';
import { testStore } from '../support/stores.js';

/** A clock the test moves by hand. */
function manualClock(start: string) {
  let t = new Date(start).getTime();
  const clock: Clock & { set(iso: string): void; advance(ms: number): void } = {
    now: () => new Date(t),
    set: (iso) => void (t = new Date(iso).getTime()),
    advance: (ms) => void (t += ms),
  };
  return clock;
}

/** A mailer that records what it was given (the SMTP sink process is in tests/automation). */
function recordingMailer(fail: () => boolean = () => false) {
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    async send(message) {
      if (fail()) throw new Error('connect ECONNREFUSED 127.0.0.1:4425');
      sent.push(message);
      return { messageId: message.messageId!, accepted: [String(message.to)], rejected: [] };
    },
  };
  return { mailer, sent };
}

async function setup(start = '2026-03-01T08:00:00Z') {
  const clock = manualClock(start);
  const crm = createCrm({ store: await testStore(), clock });
  return { crm, clock };
}

describe('scheduler: one-shot jobs', () => {
  it('runs a one-shot job once when its time comes, and its e-mail is delivered with a Message-ID derived from the key', async () => {
    const { crm, clock } = await setup();
    const { mailer, sent } = recordingMailer();
    await crm.scheduler.schedule({ kind: 'remind', key: 'r1', at: new Date('2026-03-01T09:00:00Z'), payload: { to: 'ala@example.com' } });
    const worker = createScheduler(crm, { mailer, workerId: 'w1' }).handle('remind', (job, ctx) => {
      ctx.enqueue({ key: `mail:${job.key}`, channel: 'email', payload: { from: 'crm@firma.pl', to: String(job.payload.to), subject: 'Reminder' } });
    });
    expect((await worker.runOnce()).jobs.claimed).toBe(0);
    clock.set('2026-03-01T09:00:00Z');
    const report = await worker.runOnce();
    expect(report.jobs).toMatchObject({ claimed: 1, completed: 1 });
    expect(report.deliveries).toMatchObject({ claimed: 1, sent: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messageId).toMatch(/^<[A-Za-z0-9_-]{32}@firma\.pl>$/);
    expect((await crm.scheduler.delivery('mail:r1'))?.result).toMatchObject({ messageId: sent[0]!.messageId });
    clock.advance(3_600_000);
    await worker.runOnce();
    expect(sent).toHaveLength(1);
    expect(await crm.scheduler.get('r1')).toMatchObject({ status: 'done', runs: 1, nextRunAt: null });
  });

  it('derives a Message-ID from the message’s own sender’s domain (a display name too), else from the configured sender’s', async () => {
    const { crm } = await setup();
    const { mailer, sent } = recordingMailer();
    const worker = createScheduler(crm, { mailer, messageIdDomain: 'mail.firma.pl' }).handle('two', (_job, ctx) => {
      ctx.enqueue({ key: 'own', channel: 'email', payload: { from: '"Biuro (Firma)" <Biuro@Firma.PL>', to: 'ala@example.com', subject: 'A' } });
      ctx.enqueue({ key: 'none', channel: 'email', payload: { to: 'ala@example.com', subject: 'B' } });
    });
    await crm.scheduler.schedule({ kind: 'two', key: 'two', at: new Date('2026-03-01T07:00:00Z') });
    await worker.runOnce();
    expect(Object.fromEntries(sent.map((m) => [m.subject, m.messageId]))).toEqual({
      A: messageIdFor('own', 'firma.pl'),
      B: messageIdFor('none', 'mail.firma.pl'),
    });
  });

  it('fires a one-shot whose time passed while no worker ran, once', async () => {
    const { crm, clock } = await setup();
    let runs = 0;
    await crm.scheduler.schedule({ kind: 'k', key: 'late', at: new Date('2026-03-01T08:30:00Z') });
    clock.set('2026-03-05T00:00:00Z');
    const worker = createScheduler(crm).handle('k', () => void runs++);
    await worker.runOnce();
    await worker.runOnce();
    expect(runs).toBe(1);
  });

  it('scheduling the same key again is idempotent; a new time re-plans it; cancel removes it', async () => {
    const { crm } = await setup();
    const a = await crm.scheduler.schedule({ kind: 'k', key: 'x', at: new Date('2026-03-02T00:00:00Z'), payload: { n: 1 } });
    const b = await crm.scheduler.schedule({ kind: 'k', key: 'x', at: new Date('2026-03-02T00:00:00Z'), payload: { n: 1 } });
    expect(b).toEqual(a);
    const c = await crm.scheduler.schedule({ kind: 'k', key: 'x', at: new Date('2026-03-03T00:00:00Z'), payload: { n: 1 } });
    expect(c.id).toBe(a.id);
    expect(c.nextRunAt).toEqual(new Date('2026-03-03T00:00:00Z'));
    expect(await crm.scheduler.cancel('x')).toBe(true);
    expect(await crm.scheduler.get('x')).toBeNull();
    expect(await crm.scheduler.cancel('x')).toBe(false);
  });

  it('refuses a job with neither or both of at and cron, a bad cron, an unknown time zone, naming the field', async () => {
    const { crm } = await setup();
    const bad = [
      [{ kind: 'k', key: 'a' }, /needs exactly one of at/],
      [{ kind: 'k', key: 'a', at: new Date(), cron: '* * * * *' }, /needs exactly one of at/],
      [{ kind: 'k', key: 'a', cron: '61 * * * *' }, /job.cron is not a valid cron expression/],
      [{ kind: 'k', key: 'a', cron: '0 9 * * *', timeZone: 'Mars/Olympus' }, /job.timeZone is not an IANA time zone.*Mars\/Olympus/],
      [{ kind: 'k k', key: 'a', at: new Date() }, /job.kind must be letters/],
      [{ kind: 'k', key: 'a', at: new Date(), catchUp: 'sometimes' }, /job.catchUp/],
    ] as const;
    for (const [input, message] of bad) {
      const err = await crm.scheduler.schedule(input as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RapportError);
      expect((err as RapportError).code).toBe('VALIDATION');
      expect((err as RapportError).message).toMatch(message);
    }
    expect((await crm.scheduler.status()).jobs.scheduled).toBe(0);
  });

  it('writes a handler’s domain writes and outbox rows with the completion, and none when the handler throws', async () => {
    const { crm, clock } = await setup();
    await crm.scheduler.schedule({ kind: 'k', key: 'w', at: new Date('2026-03-01T07:00:00Z') });
    let fail = true;
    const worker = createScheduler(crm, { retry: { baseMs: 1 } }).handle('k', async (job, ctx) => {
      ctx.enqueue({ key: 'inapp:w', channel: 'inapp', payload: { text: 'hi' } });
      ctx.write(async (tx, now) => {
        await tx.create('audit', {
          id: `a-${ctx.attempt}`,
          version: 1,
          entityType: 'job',
          entityId: job.id,
          field: 'ran',
          from: null,
          to: ctx.attempt,
          actorId: null,
          at: now,
        });
      });
      if (fail) throw new Error('backend down');
    });
    await worker.runOnce();
    expect(await crm.scheduler.delivery('inapp:w')).toBeNull();
    expect(await crm.store.count('audit')).toBe(0);
    expect(await crm.scheduler.get('w')).toMatchObject({ status: 'failed', lastError: 'backend down', attempts: 1 });
    fail = false;
    clock.advance(1000);
    worker.deliver('inapp', async (entry) => ({ shown: entry.key }));
    const report = await worker.runOnce();
    expect(report.jobs.completed).toBe(1);
    expect(await crm.store.count('audit')).toBe(1);
    expect(await crm.scheduler.delivery('inapp:w')).toMatchObject({ status: 'sent', result: { shown: 'inapp:w' }, jobKey: 'w' });
  });
});

describe('scheduler: retries and dead letters', () => {
  it('retries a throwing handler with back-off, then dead-letters it with the reason', async () => {
    const { crm, clock } = await setup();
    await crm.scheduler.schedule({ kind: 'boom', key: 'b', at: new Date('2026-03-01T08:00:00Z'), maxAttempts: 3 });
    const worker = createScheduler(crm, { retry: { baseMs: 60_000, maxMs: 600_000 } }).handle('boom', () => {
      throw new TypeError('payload.taskId is missing');
    });
    await worker.runOnce();
    expect(await crm.scheduler.get('b')).toMatchObject({ status: 'failed', attempts: 1, nextRunAt: new Date('2026-03-01T08:01:00Z') });
    clock.advance(59_000);
    expect((await worker.runOnce()).jobs.claimed).toBe(0);
    clock.advance(1_000);
    await worker.runOnce();
    expect(await crm.scheduler.get('b')).toMatchObject({ status: 'failed', attempts: 2, nextRunAt: new Date('2026-03-01T08:03:00Z') });
    clock.advance(120_000);
    const report = await worker.runOnce();
    expect(report.jobs.dead).toBe(1);
    const status = await crm.scheduler.status();
    expect(status.jobs.dead).toBe(1);
    expect(status.dead[0]).toMatchObject({ key: 'b', status: 'dead', lastError: 'TypeError: payload.taskId is missing' });
    await crm.scheduler.retry('b');
    expect(await crm.scheduler.get('b')).toMatchObject({ status: 'scheduled', attempts: 0 });
  });

  it('a recurring job out of attempts gives up that occurrence only and runs the next one as planned', async () => {
    const { crm, clock } = await setup('2026-03-01T07:59:00Z');
    await crm.scheduler.schedule({ kind: 'daily', key: 'd', cron: '0 8 * * *', maxAttempts: 2 });
    let fail = true;
    const runs: string[] = [];
    const worker = createScheduler(crm, { retry: { baseMs: 60_000, maxMs: 60_000 } }).handle('daily', (_job, ctx) => {
      if (fail) throw new Error('ERP is down');
      runs.push(ctx.occurrence.toISOString());
    });
    clock.set('2026-03-01T08:00:00Z');
    await worker.runOnce();
    clock.set('2026-03-01T08:01:00Z');
    const report = await worker.runOnce();
    expect(report.jobs.dead).toBe(1);
    expect(await crm.scheduler.get('d')).toMatchObject({
      status: 'scheduled',
      attempts: 0,
      nextRunAt: new Date('2026-03-02T08:00:00Z'),
      lastError: 'occurrence 2026-03-01T08:00:00.000Z gave up after 2 attempts: ERP is down',
    });
    fail = false;
    clock.set('2026-03-02T08:00:00Z');
    await worker.runOnce();
    expect(runs).toEqual(['2026-03-02T08:00:00.000Z']);
    // A one-shot job stays dead.
    await crm.scheduler.schedule({ kind: 'daily', key: 'once', at: new Date('2026-03-02T08:00:00Z'), maxAttempts: 1 });
    fail = true;
    await worker.runOnce();
    expect(await crm.scheduler.get('once')).toMatchObject({ status: 'dead', lastError: 'ERP is down' });
  });

  it('a delivery that fails is retried after back-off and sent once the mailer is back; a refused one is dead with the reason', async () => {
    const { crm, clock } = await setup();
    let down = true;
    const { mailer, sent } = recordingMailer(() => down);
    const worker = createScheduler(crm, { mailer, deliveryRetry: { baseMs: 10_000 } });
    await crm.scheduler.enqueue({ key: 'm1', channel: 'email', payload: { to: 'a@b.pl', subject: 's' } });
    await worker.runOnce();
    expect(await crm.scheduler.delivery('m1')).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    down = false;
    await worker.runOnce();
    expect(sent).toHaveLength(0);
    clock.advance(10_000);
    await worker.runOnce();
    expect(sent).toHaveLength(1);
    expect(await crm.scheduler.delivery('m1')).toMatchObject({ status: 'sent', attempts: 2 });

    const refusing: Mailer = { send: async (m) => ({ messageId: m.messageId!, accepted: [], rejected: ['nobody@b.pl'] }) };
    await crm.scheduler.enqueue({ key: 'm2', channel: 'email', payload: { to: 'nobody@b.pl', subject: 's' } });
    await createScheduler(crm, { mailer: refusing }).runOnce();
    expect(await crm.scheduler.delivery('m2')).toMatchObject({
      status: 'dead',
      lastError: expect.stringContaining('every recipient was rejected: nobody@b.pl'),
    });
    expect((await crm.scheduler.status()).deadDeliveries.map((d) => d.key)).toEqual(['m2']);
  });

  it('enqueuing the same outbox key twice keeps one row', async () => {
    const { crm } = await setup();
    const a = await crm.scheduler.enqueue({ key: 'same', channel: 'sms', payload: { to: '+48601000000', text: 'a' } });
    const b = await crm.scheduler.enqueue({ key: 'same', channel: 'sms', payload: { to: '+48601000000', text: 'b' } });
    expect(b.id).toBe(a.id);
    expect((await crm.scheduler.status()).outbox.pending).toBe(1);
  });
});

describe('scheduler: leases', () => {
  it('two workers never claim the same job; an expired lease is taken over', async () => {
    const { crm, clock } = await setup();
    for (let i = 0; i < 30; i++) await crm.scheduler.schedule({ kind: 'k', key: `j${i}`, at: new Date('2026-03-01T08:00:00Z') });
    const ran: string[] = [];
    const handler = (job: { key: string }) => void ran.push(job.key);
    const a = createScheduler(crm, { workerId: 'a', batchSize: 7 }).handle('k', handler);
    const b = createScheduler(crm, { workerId: 'b', batchSize: 5 }).handle('k', handler);
    await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ran.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `j${i}`).sort());

    // A worker that claimed and died: its lease expires and another worker runs the job.
    await crm.scheduler.schedule({ kind: 'k', key: 'orphan', at: new Date('2026-03-01T08:00:00Z') });
    const job = (await crm.scheduler.get('orphan'))!;
    await crm.store.update(
      'jobs',
      job.id,
      { status: 'running', leaseOwner: 'dead-worker', leaseUntil: new Date('2026-03-01T08:01:00Z'), attempts: 1 },
      job.version,
    );
    expect((await a.runOnce()).jobs.claimed).toBe(0);
    clock.set('2026-03-01T08:01:01Z');
    await a.runOnce();
    expect(await crm.scheduler.get('orphan')).toMatchObject({ status: 'done', runs: 1 });
  });

  it('a delivery a dead worker held is sent again after its lease expires, with the same Message-ID', async () => {
    const { crm, clock } = await setup();
    const { mailer, sent } = recordingMailer();
    const entry = await crm.scheduler.enqueue({ key: 'mail:held', channel: 'email', payload: { from: 'crm@firma.pl', to: 'a@b.pl', subject: 's' } });
    // The dead worker had claimed it (and may have sent it) but never recorded the outcome.
    await crm.store.update(
      'outbox',
      entry.id,
      { status: 'sending', attempts: 1, leaseOwner: 'dead', leaseUntil: new Date('2026-03-01T08:01:00Z') },
      entry.version,
    );
    const worker = createScheduler(crm, { mailer });
    expect((await worker.runOnce()).deliveries.claimed).toBe(0);
    clock.set('2026-03-01T08:01:01Z');
    await worker.runOnce();
    expect(sent.map((m) => m.messageId)).toEqual([messageIdFor('mail:held', 'firma.pl')]);
    expect(await crm.scheduler.delivery('mail:held')).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

describe('scheduler: embedded in a host process', () => {
  it('start() runs jobs as they come due and stop() resolves after the current pass', async () => {
    const store = await testStore();
    const crm = createCrm({ store });
    const ran: string[] = [];
    const scheduler = createScheduler(crm, { pollMs: 20 }).handle('k', (job) => void ran.push(job.key));
    scheduler.start();
    try {
      await crm.scheduler.schedule({ kind: 'k', key: 'now', at: new Date() });
      await crm.scheduler.schedule({ kind: 'k', key: 'soon', at: new Date(Date.now() + 300) });
      for (const start = Date.now(); ran.length < 2 && Date.now() - start < 20_000;) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await scheduler.stop();
    }
    expect(ran).toEqual(['now', 'soon']);
    await crm.scheduler.schedule({ kind: 'k', key: 'after-stop', at: new Date() });
    await new Promise((r) => setTimeout(r, 100));
    expect(ran).toHaveLength(2);
  });
});
