import { hostname } from 'node:os';
import type { Crm } from '../../crm.js';
import type { OutboxChannel, OutboxEntry } from '../../domain/automation-types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Mailer, MailMessage } from '../../mail.js';
import type { SmsGateway } from '../../sms.js';
import { BUILTIN_CHANNELS, BUILTIN_HANDLERS } from './builtin.js';
import { runDeliveryBatch, type ChannelHandler, type DeliveriesReport } from './deliveries.js';
import { OUTBOX_CHANNELS, messageIdFor, senderDomain } from './outbox.js';
import { runJobBatch, type JobHandler, type JobsReport } from './run-jobs.js';
import { DEFAULT_BACKOFF, type Backoff } from './timing.js';
import { RULE_EVENT_JOB, WATCH_CHANGE_JOB } from '../rules/plan.js';
import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';

/** Housekeeping runs at most this often per worker (by the CRM's clock). */
const HOUSEKEEPING_MS = 3_600_000;
/** Job kinds whose keys name one change: once done they are never scheduled again, so they may go. */
const SINGLE_USE_KINDS = [RULE_EVENT_JOB, WATCH_CHANGE_JOB];

/** Deletes done one-shot jobs of the single-use kinds finished before `before`; how many. */
const purgeDoneJobs = (store: Store, before: Date) =>
  store.deleteWhere('jobs', where.and(where.eq('status', 'done'), where.isNull('cron'), where.in('kind', SINGLE_USE_KINDS), where.lt('updatedAt', before)));

export interface SchedulerOptions {
  /** Delivers `email` outbox rows. */
  mailer?: Mailer;
  /** Delivers `sms` outbox rows. */
  sms?: SmsGateway;
  /** This worker's name in leases (default: host, process id and a random suffix). */
  workerId?: string;
  /** Pause between passes when nothing is due, in `start()` (default 1000 ms). */
  pollMs?: number;
  /** How long a claim holds before another worker may take the job over (default 60 s); longer than any handler runs. */
  leaseMs?: number;
  /** Handlers and deliveries running at once (default 8). */
  concurrency?: number;
  /** Jobs or deliveries claimed per transaction (default 100). */
  batchSize?: number;
  /** Delays between attempts of a failing job (default 1 s doubling to 1 h). */
  retry?: Partial<Backoff>;
  /** Delays between attempts of a failing delivery (default 1 s doubling to 1 h). */
  deliveryRetry?: Partial<Backoff>;
  /** With catch-up `skip`, an occurrence later than this is skipped (default 60 s). */
  missedAfterMs?: number;
  /** The domain of derived Message-IDs of messages without a sender of their own (the configured sender's); else `rapport.invalid`. */
  messageIdDomain?: string;
  /**
   * How long a finished one-shot job of a single-use kind (a rule's or a watch's change
   * notification: its key names the change, so it is never scheduled again) is kept before the
   * worker's housekeeping deletes it (default 7 days; checked at most hourly by the CRM's clock).
   */
  keepDoneJobsMs?: number;
  /** Register core's built-in job kinds and channels (`mail.send`, and those of modules such as reminders); default true. */
  builtins?: boolean;
  /** Called with an error that stopped a pass of `start()` (the loop goes on after `pollMs`). */
  onError?: (err: unknown) => void;
}

/** What a pass did: jobs run and deliveries made. */
export interface RunReport {
  workerId: string;
  jobs: JobsReport;
  deliveries: DeliveriesReport;
  durationMs: number;
}

/** A worker: runs due jobs with the handlers of their kinds and delivers the outbox through channels. */
export interface Scheduler {
  readonly workerId: string;
  /** Registers the handler of a job kind; this worker claims only kinds it has handlers for. */
  handle(kind: string, handler: JobHandler): Scheduler;
  /** Registers (or replaces) the delivery of a channel; this worker delivers only channels it has. */
  deliver(channel: OutboxChannel, handler: ChannelHandler): Scheduler;
  /** Runs everything due now, and what that makes due, until nothing is; `onProgress` sees the report grow. */
  runOnce(options?: { onProgress?: (report: RunReport) => void }): Promise<RunReport>;
  /** Runs passes until `stop()`: at once while work is due, every `pollMs` otherwise. */
  start(): void;
  /** Stops after the current batch; resolves when it has committed. */
  stop(): Promise<void>;
}

const positive = (field: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER) => {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw invalid(`scheduler.${field}`, `must be a whole number from 1 to ${max}`, value);
  return value;
};

/** Builds a scheduler worker over a CRM's store, to embed in a host process or run with `rapport worker`. */
export function createScheduler(crm: Crm, options: SchedulerOptions = {}): Scheduler {
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-6)}`;
  const pollMs = positive('pollMs', options.pollMs, 1000);
  const common = {
    store: crm.store,
    workerId,
    leaseMs: positive('leaseMs', options.leaseMs, 60_000),
    batchSize: positive('batchSize', options.batchSize, 100, 10_000),
    concurrency: positive('concurrency', options.concurrency, 8, 1000),
  };
  const handlers = new Map<string, JobHandler>();
  const channels = new Map<OutboxChannel, ChannelHandler>();
  if (options.builtins !== false) {
    for (const [kind, handler] of Object.entries(BUILTIN_HANDLERS)) handlers.set(kind, handler);
    for (const [channel, make] of Object.entries(BUILTIN_CHANNELS)) channels.set(channel as OutboxChannel, make(crm));
  }
  if (options.mailer) channels.set('email', emailChannel(options.mailer, options.messageIdDomain));
  if (options.sms) channels.set('sms', smsChannel(options.sms));
  const jobPhase = {
    ...common,
    crm,
    handlers,
    retry: { ...DEFAULT_BACKOFF, ...options.retry },
    missedAfterMs: options.missedAfterMs ?? 60_000,
  };
  const deliveryPhase = { ...common, clock: crm.clock, channels, retry: { ...DEFAULT_BACKOFF, ...options.deliveryRetry } };

  const keepDoneMs = positive('keepDoneJobsMs', options.keepDoneJobsMs, 7 * 86_400_000);
  let purgedAt = -Infinity;
  /** Deletes finished single-use jobs past their keeping time, at most hourly. */
  const housekeeping = async (report: RunReport) => {
    const now = crm.clock.now().getTime();
    if (now - purgedAt < HOUSEKEEPING_MS && now >= purgedAt) return;
    purgedAt = now;
    report.jobs.purged = await purgeDoneJobs(crm.store, new Date(now - keepDoneMs));
  };

  let running = false;
  let current: Promise<unknown> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const pass = async (opts: { onProgress?: (report: RunReport) => void }, halted: () => boolean): Promise<RunReport> => {
    const started = Date.now();
    const report: RunReport = {
      workerId,
      jobs: { claimed: 0, completed: 0, skipped: 0, retried: 0, dead: 0, lost: 0, purged: 0 },
      deliveries: { claimed: 0, sent: 0, retried: 0, dead: 0, lost: 0 },
      durationMs: 0,
    };
    const tick = () => {
      report.durationMs = Date.now() - started;
      opts.onProgress?.(report);
    };
    await housekeeping(report);
    // Jobs and deliveries run side by side, so SMTP is busy while the next jobs are claimed.
    let jobsDone = false;
    const jobs = (async () => {
      try {
        while (!halted() && (await runJobBatch(jobPhase, report.jobs))) tick();
      } finally {
        jobsDone = true;
      }
    })();
    const deliveries = (async () => {
      for (;;) {
        const finalCheck = jobsDone;
        const delivered = await runDeliveryBatch(deliveryPhase, report.deliveries);
        tick();
        if (halted() || (!delivered && finalCheck)) break;
        if (!delivered) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const failed = (await Promise.allSettled([jobs, deliveries])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    tick();
    return report;
  };

  const loop = async () => {
    timer = null;
    if (!running) return;
    try {
      current = pass({}, () => !running);
      await current;
    } catch (err) {
      options.onError?.(err);
    } finally {
      current = null;
    }
    if (running) timer = setTimeout(() => void loop(), pollMs);
  };

  const scheduler: Scheduler = {
    workerId,
    handle(kind, handler) {
      if (typeof handler !== 'function') throw invalid('scheduler.handle', `needs a function for kind ${JSON.stringify(kind)}`);
      handlers.set(kind, handler);
      return scheduler;
    },
    deliver(channel, handler) {
      if (!OUTBOX_CHANNELS.includes(channel)) throw invalid('scheduler.deliver', `channel must be one of ${OUTBOX_CHANNELS.join(', ')}`, channel);
      channels.set(channel, handler);
      return scheduler;
    },
    runOnce: (opts = {}) => pass(opts, () => false),
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await current?.catch(() => undefined);
    },
  };
  return scheduler;
}

/** E-mail through the Mailer, with a Message-ID derived from the outbox key (unless the payload sets one). */
function emailChannel(mailer: Mailer, domain?: string): ChannelHandler {
  return async (entry: OutboxEntry) => {
    const message = entry.payload as unknown as MailMessage;
    // The message's own sender first: `domain` is the configured sender's, for messages without one.
    const messageId = message.messageId ?? messageIdFor(entry.key, senderDomain(message.from) ?? domain ?? 'rapport.invalid');
    const sent = await mailer.send({ ...message, messageId });
    if (sent.accepted.length === 0 && sent.rejected.length > 0)
      throw new RapportError('VALIDATION', `every recipient was rejected: ${sent.rejected.join(', ')} (outbox ${entry.key})`);
    return { messageId: sent.messageId || messageId, accepted: sent.accepted, rejected: sent.rejected };
  };
}

/** SMS through the gateway; the outbox key is the provider's client reference. */
function smsChannel(sms: SmsGateway): ChannelHandler {
  return async (entry: OutboxEntry) => {
    const { to, text, from } = entry.payload as { to?: unknown; text?: unknown; from?: unknown };
    if (typeof to !== 'string' || typeof text !== 'string') throw invalid('sms payload', `needs to and text as strings (outbox ${entry.key})`);
    const sent = await sms.send({ to, text, ...(typeof from === 'string' ? { from } : {}), reference: entry.key });
    return { id: sent.id, ...(sent.status ? { status: sent.status } : {}) };
  };
}
