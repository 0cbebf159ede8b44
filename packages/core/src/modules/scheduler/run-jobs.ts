import type { Crm } from '../../crm.js';
import type { Job, OutboxEntry } from '../../domain/automation-types.js';
import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';
import { dueFilter } from './jobs.js';
import { casUpdate, claim, pool, reasonOf } from './lease.js';
import { enqueueIn, enqueueManyIn, outboxEntry, type Effect } from './outbox.js';
import { backoffDelay, countOccurrences, isMissed, nextAfterRun, type Backoff } from './timing.js';

/** What a job handler gets besides the job. */
export interface JobContext {
  /** When the worker started this run (the clock's now). */
  now: Date;
  /** The occurrence being run: the one-shot's `at`, or the cron time (kept across retries). */
  occurrence: Date;
  /** 1 for the first attempt of this occurrence. */
  attempt: number;
  /** Later occurrences that were also missed (catch-up `once` runs one for all of them). */
  missed: number;
  crm: Crm;
  /** Writes an outbox row in the transaction that completes this run: no completion, no effect. */
  enqueue(effect: Effect): void;
  /** Runs `fn` in the transaction that completes this run, so domain writes commit with it. */
  write(fn: (tx: Store, now: Date) => Promise<void>): void;
}

/** Runs one kind of job. Throwing fails the attempt: it is retried with back-off, then dead. */
export type JobHandler = (job: Job, ctx: JobContext) => Promise<void> | void;

export interface JobsReport {
  claimed: number;
  completed: number;
  skipped: number;
  retried: number;
  dead: number;
  /** Runs whose lease was taken over or whose job was changed or cancelled meanwhile: nothing committed. */
  lost: number;
  /** Finished single-use jobs deleted by housekeeping (`keepDoneJobsMs`). */
  purged: number;
}

export interface JobPhase {
  store: Store;
  crm: Crm;
  handlers: Map<string, JobHandler>;
  workerId: string;
  leaseMs: number;
  batchSize: number;
  concurrency: number;
  retry: Backoff;
  missedAfterMs: number;
}

interface Outcome {
  job: Job;
  occurrence: Date;
  ok: boolean;
  skipped?: boolean;
  error?: string;
  effects: Effect[];
  writes: Array<(tx: Store, now: Date) => Promise<void>>;
}

/** Claims one batch of due jobs, runs them and commits their outcomes. Returns false when nothing was due. */
export async function runJobBatch(p: JobPhase, report: JobsReport): Promise<boolean> {
  const kinds = [...p.handlers.keys()];
  if (kinds.length === 0) return false;
  const now = p.crm.clock.now();
  const expired = where.and(where.eq('status', 'running'), where.lt('leaseUntil', now));
  const { claimed, lost, seen } = await claim<Job>(
    p.store,
    'jobs',
    { where: where.and(where.in('kind', kinds), where.or(dueFilter(now), expired)), sortField: 'nextRunAt', limit: p.batchSize },
    (job) => ({ status: 'running', attempts: job.attempts + 1, leaseOwner: p.workerId, leaseUntil: new Date(now.getTime() + p.leaseMs), updatedAt: now }),
  );
  report.claimed += claimed.length;
  report.lost += lost;
  if (seen === 0) return false;
  const outcomes: Outcome[] = [];
  const leases = keepLeases(p, claimed);
  try {
    await pool(claimed, p.concurrency, async (job) => {
      outcomes.push(await runOne(p, job));
    });
  } finally {
    await leases.stop();
  }
  // Commit against each job as its last renewal left it; a job whose lease was taken over is lost.
  const kept = outcomes.flatMap((o) => {
    const job = leases.current.get(o.job.id);
    return job ? [{ ...o, job }] : [];
  });
  report.lost += outcomes.length - kept.length;
  await commit(p, kept, report);
  return true;
}

/**
 * Renews the leases of a running batch every third of `leaseMs`, so a handler that runs longer
 * than the lease is not taken over by another worker. Renewals are compare-and-set too: a job
 * changed meanwhile (re-scheduled, cancelled) drops out of `current`.
 */
function keepLeases(p: JobPhase, claimed: Job[]) {
  const current = new Map(claimed.map((job) => [job.id, job]));
  let chain: Promise<void> = Promise.resolve();
  const renew = async () => {
    const now = p.crm.clock.now();
    await p.store.transaction(async (tx) => {
      for (const [id, job] of current) {
        const renewed = await casUpdate(tx, 'jobs', job, { leaseUntil: new Date(now.getTime() + p.leaseMs), updatedAt: now });
        if (renewed) current.set(id, renewed);
        else current.delete(id);
      }
    });
  };
  const timer = setInterval(
    () => {
      // A failed renewal is not fatal: the next one, or the completion's compare-and-set, decides.
      chain = chain.then(renew).catch(() => undefined);
    },
    Math.max(10, Math.floor(p.leaseMs / 3)),
  );
  return {
    current,
    async stop() {
      clearInterval(timer);
      await chain;
    },
  };
}

async function runOne(p: JobPhase, job: Job): Promise<Outcome> {
  const now = p.crm.clock.now();
  const occurrence = job.occurrenceAt ?? job.nextRunAt ?? now;
  const outcome: Outcome = { job, occurrence, ok: true, effects: [], writes: [] };
  if (job.cron && job.catchUp === 'skip' && job.attempts === 1 && isMissed(job, occurrence, now, p.missedAfterMs)) return { ...outcome, skipped: true };
  const handler = p.handlers.get(job.kind)!;
  try {
    await handler(job, {
      now,
      occurrence,
      attempt: job.attempts,
      missed: job.cron ? countOccurrences(job, occurrence, now) : 0,
      crm: p.crm,
      enqueue: (effect) => void outcome.effects.push(effect),
      write: (fn) => void outcome.writes.push(fn),
    });
  } catch (err) {
    return { ...outcome, ok: false, error: reasonOf(err), effects: [], writes: [] };
  }
  return outcome;
}

/** The job after this outcome: the next occurrence, a retry, done or dead. */
function afterRun(p: JobPhase, o: Outcome, now: Date): Partial<Job> {
  const { job } = o;
  const base = { leaseOwner: null, leaseUntil: null, updatedAt: now };
  if (!o.ok) {
    if (job.attempts >= job.maxAttempts) {
      // A recurring job gives up this occurrence only: the next one runs as planned (lastError says which was lost).
      const next = job.cron ? nextAfterRun(job, o.occurrence, now) : null;
      const reason = `occurrence ${o.occurrence.toISOString()} gave up after ${job.attempts} attempts: ${o.error ?? 'failed'}`;
      if (next) return { ...base, status: 'scheduled', nextRunAt: next, occurrenceAt: null, attempts: 0, lastError: reason };
      return { ...base, status: 'dead', nextRunAt: null, occurrenceAt: o.occurrence, lastError: o.error ?? null };
    }
    return {
      ...base,
      status: 'failed',
      nextRunAt: new Date(now.getTime() + backoffDelay(p.retry, job.attempts)),
      occurrenceAt: o.occurrence,
      lastError: o.error ?? null,
    };
  }
  const next = job.cron ? nextAfterRun(job, o.occurrence, now) : null;
  return {
    ...base,
    status: next ? 'scheduled' : 'done',
    nextRunAt: next,
    occurrenceAt: null,
    attempts: 0,
    lastError: null,
    ...(o.skipped ? {} : { lastRunAt: now, runs: job.runs + 1 }),
  };
}

/**
 * Commits every outcome of a batch in one transaction (the job's compare-and-set first, then
 * its writes and outbox rows). If that fails — a handler's write or a unique key clashed —
 * each outcome is committed on its own, and one that still fails becomes a failed attempt.
 */
async function commit(p: JobPhase, outcomes: Outcome[], report: JobsReport): Promise<void> {
  const now = p.crm.clock.now();
  const tally = (o: Outcome, won: boolean) => {
    if (!won) report.lost++;
    else if (!o.ok) report[o.job.attempts >= o.job.maxAttempts ? 'dead' : 'retried']++;
    else if (o.skipped) report.skipped++;
    else report.completed++;
  };
  const apply = async (tx: Store, o: Outcome) => {
    const won = await casUpdate(tx, 'jobs', o.job, afterRun(p, o, now));
    if (won && o.ok) {
      for (const write of o.writes) await write(tx, now);
      for (const effect of o.effects) await enqueueIn(tx, effect, now, o.job.key);
    }
    return won !== null;
  };
  try {
    const results = await p.store.transaction(async (tx) => {
      const won: boolean[] = [];
      const effects: OutboxEntry[] = [];
      for (const o of outcomes) {
        const ok = (await casUpdate(tx, 'jobs', o.job, afterRun(p, o, now))) !== null;
        won.push(ok);
        if (!ok || !o.ok) continue;
        for (const write of o.writes) await write(tx, now);
        for (const effect of o.effects) effects.push(outboxEntry(effect, now, o.job.key));
      }
      await enqueueManyIn(tx, effects);
      return won;
    });
    outcomes.forEach((o, i) => tally(o, results[i]!));
    return;
  } catch {
    // One outcome broke the batch: commit them one by one below.
  }
  for (const o of outcomes) {
    try {
      tally(o, await p.store.transaction((tx) => apply(tx, o)));
    } catch (err) {
      const failed: Outcome = { ...o, ok: false, error: `committing the run failed: ${reasonOf(err)}`, effects: [], writes: [] };
      tally(failed, await p.store.transaction((tx) => apply(tx, failed)));
    }
  }
}
