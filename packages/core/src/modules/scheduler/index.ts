import { inRead, inUnit, type Context } from '../../context.js';
import type { Job, JobStatus, OutboxEntry, OutboxStatus } from '../../domain/automation-types.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { cancelIn, dueFilter, findJob, retryIn, scheduleIn, type ScheduleInput } from './jobs.js';
import { enqueueIn, type Effect } from './outbox.js';

export { scheduleIn, cancelIn, retryIn, findJob, checkSchedule, type ScheduleInput } from './jobs.js';
export { enqueueIn, messageIdFor, type Effect } from './outbox.js';

/** What `crm.scheduler.status()` reports: counts, and the first `limit` jobs of each list. */
export interface SchedulerStatus {
  at: Date;
  jobs: Record<JobStatus, number> & { due: number };
  outbox: Record<OutboxStatus, number>;
  due: Job[];
  running: Job[];
  failed: Job[];
  dead: Job[];
  /** Deliveries that gave up, with `lastError` saying why. */
  deadDeliveries: OutboxEntry[];
}

const JOB_STATUSES: JobStatus[] = ['scheduled', 'running', 'failed', 'done', 'dead'];
const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'dead'];

/** `crm.scheduler`: persisted one-shot and recurring jobs, and the outbox of effects they decide. */
export function schedulerModule(ctx: Context) {
  return {
    /** Schedules a job, or updates the job with that key (the same definition again is a no-op). */
    schedule(input: ScheduleInput): Promise<Job> {
      return inUnit(ctx, (unit) => scheduleIn(unit.tx, input, unit.now));
    },

    /** Cancels the job with that key; false when there was none. */
    cancel(key: string): Promise<boolean> {
      return inUnit(ctx, (unit) => cancelIn(unit.tx, key));
    },

    /** The job with that key, or null. */
    get(key: string): Promise<Job | null> {
      return inRead(ctx, (unit) => findJob(unit.tx, v.text('job.key', key, { max: 255 })));
    },

    /** Runs a dead or failed job again from now, attempts reset. */
    retry(key: string): Promise<Job> {
      return inUnit(ctx, (unit) => retryIn(unit.tx, key, unit.now));
    },

    /** Writes an effect to the outbox outside any job (idempotent by `effect.key`). */
    enqueue(effect: Effect): Promise<OutboxEntry> {
      return inUnit(ctx, (unit) => enqueueIn(unit.tx, effect, unit.now));
    },

    /** The outbox row with that key, or null. */
    async delivery(key: string): Promise<OutboxEntry | null> {
      const page = await ctx.store.find<OutboxEntry>('outbox', { where: where.eq('key', v.text('effect.key', key, { max: 255 })), limit: 1 });
      return page.items[0] ?? null;
    },

    /** Counts of jobs and deliveries by status, and the due, running, failed and dead jobs (first `limit` of each, by time). */
    async status(options: { limit?: number } = {}): Promise<SchedulerStatus> {
      const limit = options.limit === undefined ? 50 : v.integer('status.limit', options.limit, { min: 0 });
      const now = ctx.clock.now();
      const store = ctx.store;
      const count = (collection: string, status: string) => store.count(collection, where.eq('status', status));
      const list = async (filter: ReturnType<typeof where.eq>, field: string) =>
        limit === 0 ? [] : (await store.find<Job>('jobs', { where: filter, sort: [{ field }], limit: Math.min(limit, 1000) })).items;
      const jobs = Object.fromEntries(await Promise.all(JOB_STATUSES.map(async (s) => [s, await count('jobs', s)] as const))) as Record<JobStatus, number>;
      const outbox = Object.fromEntries(await Promise.all(OUTBOX_STATUSES.map(async (s) => [s, await count('outbox', s)] as const))) as Record<
        OutboxStatus,
        number
      >;
      const deadDeliveries =
        limit === 0
          ? []
          : (
              await store.find<OutboxEntry>('outbox', {
                where: where.eq('status', 'dead'),
                sort: [{ field: 'updatedAt', direction: 'desc' }],
                limit: Math.min(limit, 1000),
              })
            ).items;
      return {
        at: now,
        jobs: { ...jobs, due: await store.count('jobs', dueFilter(now)) },
        outbox,
        due: await list(dueFilter(now), 'nextRunAt'),
        running: await list(where.eq('status', 'running'), 'leaseUntil'),
        failed: await list(where.eq('status', 'failed'), 'nextRunAt'),
        dead: await list(where.eq('status', 'dead'), 'updatedAt'),
        deadDeliveries,
      };
    },
  };
}
