import { inUnit, type Context, type Unit } from '../../context.js';
import type { RecordWatch } from '../../domain/rule-types.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import type { Job } from '../../domain/automation-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import type { StoredRecord } from '../../store/schema.js';
import * as v from '../../validate.js';
import { scheduleIn } from '../scheduler/jobs.js';
import type { JobContext } from '../scheduler/run-jobs.js';

export const WATCH_JOB = 'notification.watch';
const COLLECTIONS: Record<string, string> = { task: 'tasks', partner: 'partners', person: 'persons', opportunity: 'opportunities', offer: 'offers' };

/**
 * An individual notification: "remind me about this record then" (Hermes' right-click "add a
 * notification"), or with `when: 'changes'` "tell me about every change of this record".
 */
export interface WatchOptions {
  when: Date | string | 'changes';
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
  function watch(record: { type: string; id: string }, options: WatchOptions): Promise<Job | RecordWatch> {
    return inUnit(ctx, async (unit) => {
      if (!ctx.actorId) throw invalid('watch', 'needs an acting operator: call it on crm.as(operatorId)');
      const type = v.oneOf('record.type', record?.type, Object.keys(COLLECTIONS));
      const target = await unit.load<StoredRecord>(COLLECTIONS[type]!, record.id, type, 'record.id');
      const channel = v.oneOf('channel', options?.channel ?? 'inapp', ['inapp', 'email', 'sms'] as const);
      if (options?.when === 'changes') return watchChanges(unit, ctx.actorId, type, target.id, channel);
      const when = v.date('when', options?.when);
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
  }
  return {
    /**
     * Notifies the acting operator about a record at a time: one job, kept in the store, that a
     * worker turns into a notification through the channel. The record must be visible to them.
     */
    watch: watch as {
      (record: { type: string; id: string }, options: WatchOptions & { when: Date | string }): Promise<Job>;
      /**
       * With `when: 'changes'`: notifies the acting operator of every later change of the record by
       * someone else (one notification per change), while they may see it. Watching again is a no-op.
       */
      (record: { type: string; id: string }, options: WatchOptions & { when: 'changes' }): Promise<RecordWatch>;
    },

    /** Stops notifying the acting operator of changes of a record (through one channel, or all); how many watches ended. */
    unwatch(record: { type: string; id: string }, options: { channel?: 'inapp' | 'email' | 'sms' } = {}): Promise<number> {
      return inUnit(ctx, async (unit) => {
        if (!ctx.actorId) throw invalid('unwatch', 'needs an acting operator: call it on crm.as(operatorId)');
        const type = v.oneOf('record.type', record?.type, Object.keys(COLLECTIONS));
        const id = v.id('record.id', record?.id);
        const channel = options.channel === undefined ? undefined : v.oneOf('channel', options.channel, ['inapp', 'email', 'sms'] as const);
        unit.rulesChanged();
        return unit.system.deleteWhere(
          'record_watches',
          where.and(
            where.eq('operatorId', ctx.actorId),
            where.eq('subjectType', type),
            where.eq('subjectId', id),
            channel ? where.eq('channel', channel) : undefined,
          ),
        );
      });
    },

    /** The records the acting operator watches for changes. */
    watches(): Promise<RecordWatch[]> {
      if (!ctx.actorId) throw invalid('watches', 'needs an acting operator: call it on crm.as(operatorId)');
      return readAll<RecordWatch>(ctx.rootStore, 'record_watches', { where: where.eq('operatorId', ctx.actorId), sort: [{ field: 'createdAt' }] });
    },
  };
}

/** One watch per operator, record and channel: watching again gives the existing one. */
async function watchChanges(unit: Unit, operatorId: string, type: string, id: string, channel: RecordWatch['channel']): Promise<RecordWatch> {
  const match = where.and(where.eq('operatorId', operatorId), where.eq('subjectType', type), where.eq('subjectId', id), where.eq('channel', channel));
  const existing = (await unit.system.find<RecordWatch>('record_watches', { where: match, limit: 1 })).items[0];
  if (existing) return existing;
  const watch: RecordWatch = { id: newId(unit.now.getTime()), version: 1, operatorId, subjectType: type, subjectId: id, channel, createdAt: unit.now };
  unit.rulesChanged();
  return unit.system.create('record_watches', watch);
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
