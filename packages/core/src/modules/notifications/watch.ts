import { inUnit, type Context } from '../../context.js';
import type { Job } from '../../domain/automation-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import type { StoredRecord } from '../../store/schema.js';
import * as v from '../../validate.js';
import { scheduleIn } from '../scheduler/jobs.js';
import type { JobContext } from '../scheduler/run-jobs.js';

export const WATCH_JOB = 'notification.watch';
const COLLECTIONS: Record<string, string> = { task: 'tasks', partner: 'partners', person: 'persons', opportunity: 'opportunities', offer: 'offers' };

/** An individual notification: "remind me about this record then" (Hermes' right-click "add a notification"). */
export interface WatchOptions {
  when: Date | string;
  channel?: 'inapp' | 'email' | 'sms';
  note?: string;
}

/** What a record is called in a notification. */
function label(type: string, r: Record<string, unknown>): string {
  if (type === 'task') return `${String(r.number)} ${String(r.subject)}`;
  if (type === 'partner') return `${String(r.code)} ${String(r.name)}`;
  if (type === 'person') return `${String(r.firstName)} ${String(r.lastName)}`;
  return String(r.number ?? r.name ?? r.id);
}

export function watchMethods(ctx: Context) {
  return {
    /**
     * Notifies the acting operator about a record at a time: one job, kept in the store, that a
     * worker turns into a notification through the channel. The record must be visible to them.
     */
    watch(record: { type: string; id: string }, options: WatchOptions): Promise<Job> {
      return inUnit(ctx, async (unit) => {
        if (!ctx.actorId) throw invalid('watch', 'needs an acting operator: call it on crm.as(operatorId)');
        const type = v.oneOf('record.type', record?.type, Object.keys(COLLECTIONS));
        const target = await unit.load<StoredRecord>(COLLECTIONS[type]!, record.id, type, 'record.id');
        const when = v.date('when', options?.when);
        const channel = v.oneOf('channel', options?.channel ?? 'inapp', ['inapp', 'email', 'sms'] as const);
        const note = v.text('note', options?.note, { optional: true, max: 1000 });
        return scheduleIn(
          unit.tx,
          {
            kind: WATCH_JOB,
            key: `watch:${ctx.actorId}:${type}:${target.id}:${when.toISOString()}:${channel}`,
            at: when,
            payload: { operatorId: ctx.actorId, type, id: target.id, channel, note },
          },
          unit.now,
        );
      });
    },
  };
}

/** Runs an individual notification: the record as it is now, to its watcher, if they may still see it. */
export async function fireWatch(job: Job, ctx: JobContext): Promise<void> {
  const { operatorId, type, id, channel, note } = job.payload as { operatorId: string; type: string; id: string; channel: string; note: string | null };
  const operator = await ctx.crm.store.get<Operator>('operators', operatorId);
  const record = await ctx.crm.store.get<StoredRecord & Record<string, unknown>>(COLLECTIONS[type] ?? '', id);
  if (!operator?.active || !record || !(await ctx.crm.as(operatorId).access.can(COLLECTIONS[type]!, 'read', record))) return;
  const title = `Reminder: ${label(type, record)}`;
  const key = `${job.key}:${ctx.occurrence.toISOString()}`;
  if (channel === 'inapp') ctx.enqueue({ key, channel: 'inapp', payload: { operatorId, kind: 'watch', title, body: note, subject: { type, id } } });
  else if (channel === 'email') ctx.enqueue({ key, channel: 'email', payload: { to: operator.email, subject: title, text: note ?? title } });
  else if (operator.phone) ctx.enqueue({ key, channel: 'sms', payload: { to: operator.phone, text: note ? `${title}: ${note}` : title } });
  else throw new RapportError('VALIDATION', `operator ${operator.email} has no phone for an SMS notification`);
}
