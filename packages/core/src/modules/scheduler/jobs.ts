import type { CatchUpPolicy, Job, JsonObject } from '../../domain/automation-types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';
import * as v from '../../validate.js';
import { CATCH_UP_POLICIES, checkTimeZone, cronOf, nextOccurrence } from './timing.js';

/** What `crm.scheduler.schedule` takes: exactly one of `at` (one-shot) or `cron` (recurring). */
export interface ScheduleInput {
  /** Which handler runs the job (letters, digits, `.`, `_`, `-`, `:`). */
  kind: string;
  /** Unique name of the job: scheduling the same key again updates that job. */
  key: string;
  /** One-shot: when it runs. A time already past runs at the next poll. */
  at?: Date;
  /** Recurring: a cron expression (5 or 6 fields, seconds first when 6). */
  cron?: string;
  /** IANA time zone the cron expression is read in (default UTC). */
  timeZone?: string;
  payload?: JsonObject;
  /** Occurrences missed while no worker ran: `once` (default), `all` or `skip`. */
  catchUp?: CatchUpPolicy;
  /** Attempts per occurrence before the job is dead (default 5, at most 100). */
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
const KIND = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

type Definition = Pick<Job, 'kind' | 'key' | 'at' | 'cron' | 'timeZone' | 'payload' | 'catchUp' | 'maxAttempts'>;

/** Validates a schedule request into the stored definition of a job. */
export function checkSchedule(input: ScheduleInput): Definition {
  if (!input || typeof input !== 'object') throw invalid('job', 'must be an object', input);
  const kind = v.text('job.kind', input.kind, { max: 64 });
  if (!KIND.test(kind)) throw invalid('job.kind', 'must be letters, digits, ".", "_", "-" or ":" (at most 64)', kind);
  const key = v.text('job.key', input.key, { max: 255 });
  const at = input.at === undefined ? null : v.date('job.at', input.at);
  const cron = input.cron === undefined ? null : v.text('job.cron', input.cron, { max: 128 });
  if ((at === null) === (cron === null)) throw invalid('job', `needs exactly one of at (one-shot) or cron (recurring) (key ${JSON.stringify(key)})`);
  const timeZone = input.timeZone === undefined ? null : checkTimeZone(v.text('job.timeZone', input.timeZone, { max: 64 }));
  if (timeZone && !cron) throw invalid('job.timeZone', 'applies to cron jobs only', timeZone);
  if (cron) cronOf(cron, timeZone);
  const payload = input.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('job.payload', 'must be a JSON object', payload);
  const catchUp = input.catchUp === undefined ? 'once' : v.oneOf('job.catchUp', input.catchUp, CATCH_UP_POLICIES);
  const maxAttempts = input.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : v.integer('job.maxAttempts', input.maxAttempts, { min: 1 });
  if (maxAttempts > 100) throw invalid('job.maxAttempts', 'must be at most 100', maxAttempts);
  return { kind, key, at, cron, timeZone, payload: JSON.parse(JSON.stringify(payload)) as JsonObject, catchUp, maxAttempts };
}

const sameDefinition = (a: Definition, b: Definition) =>
  a.kind === b.kind &&
  (a.at?.getTime() ?? null) === (b.at?.getTime() ?? null) &&
  a.cron === b.cron &&
  a.timeZone === b.timeZone &&
  a.catchUp === b.catchUp &&
  a.maxAttempts === b.maxAttempts &&
  JSON.stringify(a.payload) === JSON.stringify(b.payload);

export async function findJob(store: Store, key: string): Promise<Job | null> {
  const page = await store.find<Job>('jobs', { where: where.eq('key', key), limit: 1 });
  return page.items[0] ?? null;
}

/**
 * Schedules (or re-schedules) a job inside the caller's transaction `tx`, so a domain write
 * and its job commit together. The same definition again changes nothing; a new one replaces
 * the old and starts from a clean slate (attempts, errors, a lease in progress).
 */
export async function scheduleIn(tx: Store, input: ScheduleInput, now: Date): Promise<Job> {
  const def = checkSchedule(input);
  const nextRunAt = def.at ?? nextOccurrence(def, now);
  if (!nextRunAt) throw invalid('job.cron', 'has no future occurrence', def.cron);
  const fresh = {
    ...def,
    status: 'scheduled' as const,
    nextRunAt,
    occurrenceAt: null,
    attempts: 0,
    leaseOwner: null,
    leaseUntil: null,
    lastError: null,
    updatedAt: now,
  };
  const existing = await findJob(tx, def.key);
  if (!existing) {
    const job: Job = { id: newId(now.getTime()), version: 1, ...fresh, lastRunAt: null, runs: 0, createdAt: now };
    return tx.create<Job>('jobs', job);
  }
  if (sameDefinition(existing, def)) return existing;
  return tx.update<Job>('jobs', existing.id, fresh, existing.version);
}

/** Cancels a job inside `tx`: it is deleted, so it never runs again (a run in progress commits nothing). */
export async function cancelIn(tx: Store, key: string): Promise<boolean> {
  const job = await findJob(tx, v.text('job.key', key, { max: 255 }));
  if (!job) return false;
  await tx.delete('jobs', job.id);
  return true;
}

/** Puts a dead or failed job back to run now, with its attempts reset. */
export async function retryIn(tx: Store, key: string, now: Date): Promise<Job> {
  const job = await findJob(tx, v.text('job.key', key, { max: 255 }));
  if (!job) throw new RapportError('NOT_FOUND', `job ${JSON.stringify(key)} does not exist`, { details: { field: 'job.key' } });
  if (job.status !== 'dead' && job.status !== 'failed')
    throw new RapportError('CONFLICT', `job ${JSON.stringify(key)} is ${job.status}: only a dead or failed job can be retried`);
  return tx.update<Job>('jobs', job.id, { status: 'scheduled', nextRunAt: job.occurrenceAt ?? now, attempts: 0, lastError: null, updatedAt: now }, job.version);
}

/** Jobs waiting whose time has come (not counting expired leases, which are `running`). */
export const dueFilter = (now: Date) => where.and(where.in('status', ['scheduled', 'failed']), where.lte('nextRunAt', now));
