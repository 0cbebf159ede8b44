import type { Cron } from 'croner';
import type { CatchUpPolicy, Job } from '../../domain/automation-types.js';
import { invalid } from '../../errors.js';
import { lazy } from '../../lazy.js';

const croner = lazy<typeof import('croner')>('croner');

/** A parsed cron expression in a time zone; `croner` does the calendar arithmetic (DST included). */
export function cronOf(expression: string, timeZone: string | null, field = 'job.cron'): Cron {
  try {
    return new (croner().Cron)(expression, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  } catch (err) {
    throw invalid(field, `is not a valid cron expression${timeZone ? ` in ${timeZone}` : ''}: ${(err as Error).message}`, expression);
  }
}

/** Checks an IANA time zone name (`Europe/Warsaw`). */
export function checkTimeZone(timeZone: string, field = 'job.timeZone'): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw invalid(field, 'is not an IANA time zone such as Europe/Warsaw', timeZone);
  }
  return timeZone;
}

/** The first occurrence strictly after `after`, or null when the expression has no more. */
export function nextOccurrence(job: Pick<Job, 'cron' | 'timeZone'>, after: Date): Date | null {
  if (!job.cron) return null;
  return cronOf(job.cron, job.timeZone).nextRun(after) ?? null;
}

/** Occurrences in (from, to], counted up to `cap` (a job missed for years is not walked to the end). */
export function countOccurrences(job: Pick<Job, 'cron' | 'timeZone'>, from: Date, to: Date, cap = 1000): number {
  if (!job.cron) return 0;
  const cron = cronOf(job.cron, job.timeZone);
  let n = 0;
  for (let t = cron.nextRun(from); t && t <= to && n < cap; t = cron.nextRun(t)) n++;
  return n;
}

/**
 * When a recurring job runs next after its occurrence `ran` completed at `now`: `all` walks
 * every occurrence (the next may already be due), `once` and `skip` jump past `now`.
 */
export function nextAfterRun(job: Pick<Job, 'cron' | 'timeZone' | 'catchUp'>, ran: Date, now: Date): Date | null {
  return job.catchUp === 'all' ? nextOccurrence(job, ran) : nextOccurrence(job, now > ran ? now : ran);
}

/**
 * Whether the occurrence `due` was missed rather than merely late: a later occurrence is also
 * past, or it is older than `graceMs`. Only the `skip` policy acts on it.
 */
export function isMissed(job: Pick<Job, 'cron' | 'timeZone'>, due: Date, now: Date, graceMs: number): boolean {
  if (now.getTime() - due.getTime() > graceMs) return true;
  const next = nextOccurrence(job, due);
  return next !== null && next <= now;
}

export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['once', 'all', 'skip'];

/** Retry delays: `baseMs`, doubling per attempt, at most `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 3_600_000 };

/** The delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function backoffDelay(backoff: Backoff, attempts: number): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}
