import type { StoredRecord } from '../store/schema.js';

/** A JSON value as stored in a `json` field (job payloads, outbox payloads). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Where a job is: `scheduled` (waiting for `nextRunAt`), `running` (leased by a worker until
 * `leaseUntil`), `failed` (its last attempt threw; retried at `nextRunAt`), `done` (a one-shot
 * that ran) or `dead` (out of attempts: `lastError` says why; nothing retries it by itself).
 */
export type JobStatus = 'scheduled' | 'running' | 'failed' | 'done' | 'dead';

/**
 * What a recurring job does with occurrences missed while no worker ran: `once` runs one for
 * all of them, `all` runs each in order, `skip` runs none and waits for the next one.
 */
export type CatchUpPolicy = 'once' | 'all' | 'skip';

/** A scheduled job: one-shot (`at`) or recurring (`cron` in `timeZone`). */
export interface Job extends StoredRecord {
  /** The caller's unique name of the job (e.g. `reminder:TASK_ID:1d`): scheduling it again updates it. */
  key: string;
  /** Which handler runs it (`createScheduler(...).handle(kind, fn)`). */
  kind: string;
  at: Date | null;
  cron: string | null;
  /** IANA time zone the cron expression is read in (UTC when null). */
  timeZone: string | null;
  payload: JsonObject;
  catchUp: CatchUpPolicy;
  /** Attempts per occurrence before the job is dead. */
  maxAttempts: number;
  status: JobStatus;
  /** The occurrence due next; while running, the occurrence being run. Null once done or dead. */
  nextRunAt: Date | null;
  /** The occurrence a failed attempt will retry (so a retry keeps its occurrence and idempotency keys); null otherwise. */
  occurrenceAt: Date | null;
  /** Attempts of the current occurrence (a claim counts as one, so a worker killed mid-run counts). */
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastRunAt: Date | null;
  lastError: string | null;
  /** Occurrences completed so far. */
  runs: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The channels an outbox row is delivered through. */
export type OutboxChannel = 'email' | 'sms' | 'inapp';

/** `pending` (waiting for `nextAttemptAt`), `sending` (leased by a worker), `sent`, `dead` (out of attempts, or refused for good). */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

/** An effect decided by the CRM (an e-mail, an SMS, an in-app notification), delivered by a worker. */
export interface OutboxEntry extends StoredRecord {
  /** Unique idempotency key (rule, target, occurrence): enqueuing the same key twice keeps one row. */
  key: string;
  channel: OutboxChannel;
  payload: JsonObject;
  /** The job whose run decided this effect, if any. */
  jobKey: string | null;
  status: OutboxStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  lastError: string | null;
  /** What the channel answered (for e-mail: messageId, accepted, rejected). */
  result: JsonObject | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
