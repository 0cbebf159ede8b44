import type { Unit } from '../../context.js';
import type { DomainEvent } from '../../events.js';
import type { NotificationRule, RecordWatch } from '../../domain/rule-types.js';
import { newId } from '../../ids.js';
import { matches, normalizeFilter, where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import { scheduleIn } from '../scheduler/jobs.js';
import { changesOf, RECORD_COLLECTIONS, type RecordChange } from './events.js';
import { coreSchema } from '../../domain/schema.js';
import type { RulePresence } from './presence.js';

export const RULE_EVENT_JOB = 'rule.event';
export const WATCH_CHANGE_JOB = 'watch.change';

/**
 * Runs at the end of every unit of work, inside its transaction: each record the unit changed
 * that an active event rule matches, or an operator watches, gets one job, keyed by (rule or
 * watch, record, change id). The job commits with the change or not at all, so a committed
 * change is never missed by a crash, and a worker runs each job once. With no active event rule
 * and no watch at all (`presence`, kept up to a second) it reads neither table.
 */
export async function planNotifications(unit: Unit, presence?: RulePresence): Promise<void> {
  if (unit.events.length === 0) return;
  const changes = changesOf(unit.events);
  if (changes.length === 0) return;
  const store = unit.system;
  const present = presence ? await presence.get(store, unit.now) : { rules: true, watches: true };
  if (!present.rules && !present.watches) return;
  const kinds = [...new Set(changes.filter((c) => c.record).map((c) => c.kind))];
  const rules =
    kinds.length === 0 || !present.rules
      ? []
      : await readAll<NotificationRule>(store, 'notification_rules', {
          where: where.and(where.eq('kind', 'event'), where.eq('active', true), where.in('recordKind', kinds)),
        });
  const watches = present.watches
    ? await readAll<RecordWatch>(store, 'record_watches', { where: where.in('subjectId', [...new Set(changes.map((c) => c.id))]) })
    : [];
  if (rules.length === 0 && watches.length === 0) return;
  for (const change of changes) {
    const types = change.events.map((e) => e.type);
    const fired = rules.filter((r) => r.recordKind === change.kind && change.record && types.some((t) => r.on.includes(t)) && matchesFilter(r, change));
    // The watcher's own change is no news to them.
    const watching = watches.filter((w) => w.subjectId === change.id && w.subjectType === change.kind && w.operatorId !== unit.actorId);
    if (fired.length === 0 && watching.length === 0) continue;
    const changeId = newId(unit.now.getTime());
    const about = { recordKind: change.kind, recordId: change.id, changeId, events: types, summary: summaryOf(change.events), actorId: unit.actorId };
    for (const rule of fired)
      await scheduleIn(
        store,
        { kind: RULE_EVENT_JOB, key: `rule:${rule.id}:${change.id}:${changeId}`, at: unit.now, payload: { ruleId: rule.id, ...about } },
        unit.now,
      );
    for (const w of watching)
      await scheduleIn(
        store,
        {
          kind: WATCH_CHANGE_JOB,
          key: `watch:${w.id}:${changeId}`,
          at: unit.now,
          payload: { watchId: w.id, operatorId: w.operatorId, channel: w.channel, ...about },
        },
        unit.now,
      );
  }
}

/** A rule's filter on the changed record; a `search` leaf reads the kind's full-text fields (decision 0150). */
const matchesFilter = (rule: NotificationRule, change: RecordChange) => {
  const collection = RECORD_COLLECTIONS[change.kind];
  const searchFields = collection && coreSchema.has(collection) ? coreSchema.collection(collection).search : undefined;
  return !rule.filter || matches(change.record!, normalizeFilter(rule.filter), searchFields);
};

/** What a change did, a line per event (closing a task is said by its status change). */
function summaryOf(events: DomainEvent[]): string[] {
  const statusChanged = events.some((e) => e.type.endsWith('.status_changed'));
  return [...new Set(events.filter((e) => !(statusChanged && e.type === 'task.closed')).map(describe))];
}

/** One line saying what an event changed, for the notification's body. */
function describe(event: DomainEvent): string {
  const e = event as unknown as Record<string, unknown> & { type: string };
  if (e.type.endsWith('.status_changed')) return `status: ${String(e.from)} → ${String(e.to)}`;
  if (e.type === 'opportunity.stage_changed') {
    const c = e.change as { from?: unknown; to?: unknown } | undefined;
    return `stage: ${String(c?.from ?? '—')} → ${String(c?.to ?? '')}`;
  }
  if (e.type.endsWith('.updated') && Array.isArray(e.changed)) return `changed: ${(e.changed as string[]).join(', ')}`;
  return e.type.replace('.', ' ').replace('_', ' ');
}
