import { describe, expect, it } from 'vitest';
import { createCrm, createScheduler, memoryStore, type Clock, type JobContext } from '../src/index.js';

function manualClock(start: string) {
  let t = new Date(start).getTime();
  const clock: Clock & { set(iso: string): void } = { now: () => new Date(t), set: (iso) => void (t = new Date(iso).getTime()) };
  return clock;
}

/** A CRM on the memory store with a hand-moved clock, and a worker recording each run's occurrence. */
function setup(start: string) {
  const clock = manualClock(start);
  const crm = createCrm({ store: memoryStore(), clock });
  const runs: Array<{ occurrence: string; missed: number }> = [];
  const worker = createScheduler(crm).handle(
    'tick',
    (_job, ctx: JobContext) => void runs.push({ occurrence: ctx.occurrence.toISOString(), missed: ctx.missed }),
  );
  return { crm, clock, runs, worker };
}

describe('recurring jobs in a time zone', () => {
  it('a daily 02:30 Warsaw job runs once on the spring-forward day (at 03:30 local) and once on the fall-back day', async () => {
    const { crm, clock, runs, worker } = setup('2026-03-27T12:00:00Z');
    await crm.scheduler.schedule({ kind: 'tick', key: 'daily', cron: '30 2 * * *', timeZone: 'Europe/Warsaw' });
    for (const iso of ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z']) {
      clock.set(iso);
      await worker.runOnce();
    }
    // 28 March 02:30 CET = 01:30Z; 29 March 02:30 does not exist → 03:30 CEST = 01:30Z; 30 March 02:30 CEST = 00:30Z.
    expect(runs.map((r) => r.occurrence)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);

    runs.length = 0;
    clock.set('2026-10-24T12:00:00Z');
    await crm.scheduler.schedule({ kind: 'tick', key: 'daily', cron: '30 2 * * *', timeZone: 'Europe/Warsaw', catchUp: 'all' });
    for (const iso of ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-25T03:00:00Z']) {
      clock.set(iso);
      await worker.runOnce();
    }
    // 25 October: 02:30 happens twice (00:30Z in CEST, 01:30Z in CET); the job runs once.
    expect(runs).toHaveLength(1);
  });

  it('a Monday 08:00 job in New York follows the local time across the DST change', async () => {
    const { crm, clock, runs, worker } = setup('2026-03-01T00:00:00Z');
    await crm.scheduler.schedule({ kind: 'tick', key: 'weekly', cron: '0 8 * * 1', timeZone: 'America/New_York', catchUp: 'all' });
    clock.set('2026-03-17T00:00:00Z');
    await worker.runOnce();
    expect(runs.map((r) => r.occurrence)).toEqual(['2026-03-02T13:00:00.000Z', '2026-03-09T12:00:00.000Z', '2026-03-16T12:00:00.000Z']);
  });
});

describe('catch-up after downtime', () => {
  const missedWeek = async (catchUp: 'once' | 'all' | 'skip') => {
    const s = setup('2026-05-01T00:00:00Z');
    await s.crm.scheduler.schedule({ kind: 'tick', key: 'hourly', cron: '0 * * * *', catchUp });
    // The workers were down from 00:00 to 05:30: occurrences 01:00 to 05:00 were missed.
    s.clock.set('2026-05-01T05:30:00Z');
    await s.worker.runOnce();
    return s;
  };

  it('once: one run for all missed occurrences, then the next one after now', async () => {
    const { crm, runs } = await missedWeek('once');
    expect(runs).toEqual([{ occurrence: '2026-05-01T01:00:00.000Z', missed: 4 }]);
    expect((await crm.scheduler.get('hourly'))?.nextRunAt).toEqual(new Date('2026-05-01T06:00:00Z'));
  });

  it('all: one run per missed occurrence, in order', async () => {
    const { runs } = await missedWeek('all');
    expect(runs.map((r) => r.occurrence.slice(11, 16))).toEqual(['01:00', '02:00', '03:00', '04:00', '05:00']);
  });

  it('skip: no run for the missed ones; the next on time runs', async () => {
    const { crm, clock, runs, worker } = await missedWeek('skip');
    expect(runs).toEqual([]);
    expect(await crm.scheduler.get('hourly')).toMatchObject({ nextRunAt: new Date('2026-05-01T06:00:00Z'), runs: 0, status: 'scheduled' });
    clock.set('2026-05-01T06:00:05Z');
    await worker.runOnce();
    expect(runs.map((r) => r.occurrence)).toEqual(['2026-05-01T06:00:00.000Z']);
  });
});

describe('clock jumps', () => {
  it('a clock set back does not run a job again, and one set forward runs what became due once', async () => {
    const { crm, clock, runs, worker } = setup('2026-05-01T10:00:00Z');
    await crm.scheduler.schedule({ kind: 'tick', key: 'at-11', at: new Date('2026-05-01T11:00:00Z') });
    await crm.scheduler.schedule({ kind: 'tick', key: 'hourly', cron: '0 * * * *' });
    clock.set('2026-05-01T11:00:00Z');
    await worker.runOnce();
    expect(runs).toHaveLength(2);
    clock.set('2026-05-01T10:30:00Z'); // NTP corrects the clock half an hour back
    await worker.runOnce();
    clock.set('2026-05-01T11:00:00Z');
    await worker.runOnce();
    expect(runs).toHaveLength(2);
    clock.set('2026-05-03T11:00:00Z'); // two days forward (a suspended laptop)
    await worker.runOnce();
    await worker.runOnce();
    expect(runs.map((r) => r.occurrence)).toEqual(['2026-05-01T11:00:00.000Z', '2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z']);
    expect(await crm.scheduler.get('hourly')).toMatchObject({ nextRunAt: new Date('2026-05-03T12:00:00Z') });
  });
});

describe('leases of long handlers', () => {
  it('a handler running longer than the lease keeps it: a second worker polling meanwhile does not run the job again', async () => {
    const crm = createCrm({ store: memoryStore() });
    await crm.scheduler.schedule({ kind: 'slow', key: 'report', at: new Date(Date.now() - 1) });
    let runs = 0;
    const slow = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 1000));
    };
    const a = createScheduler(crm, { workerId: 'a', leaseMs: 200 }).handle('slow', slow);
    const b = createScheduler(crm, { workerId: 'b', leaseMs: 200 }).handle('slow', slow);
    const first = a.runOnce();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await b.runOnce();
    }
    const report = await first;
    expect(runs).toBe(1);
    expect(report.jobs).toMatchObject({ completed: 1, lost: 0 });
    expect(await crm.scheduler.get('report')).toMatchObject({ status: 'done', runs: 1 });
  });
});
