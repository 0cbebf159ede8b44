import type { Context } from '../../context.js';
import { TASK_PRIORITIES, type Operator, type TaskPriority } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { where, type Filter } from '../../store/filter.js';
import * as v from '../../validate.js';
import { addDays, checkDay, checkTimeZone, startOfDay, weekday, type DayKey } from '../calendar/zone.js';
import { operatorsIn } from '../operator-sets.js';
import { visibleReads, type VisibleReads } from '../visible.js';

const MAX_DAYS = 92;

/** A column of a tracking dataset, so a view can show it without knowing the module. */
export interface DatasetColumn {
  field: string;
  label: string;
  type: 'string' | 'integer' | 'float';
}

/** Rows with their column descriptions: what `views` shows as a table or a chart. */
export interface Dataset<Row> {
  columns: DatasetColumn[];
  rows: Row[];
}

export interface TrackingScope {
  operators?: string[];
  groups?: string[];
  /** IANA zone whose midnight separates days (default UTC). */
  timeZone?: string;
}

/** One operator's day: what was opened and resolved that day, and what was overdue and unresolved at its end. */
export interface DailyRow {
  day: DayKey;
  operatorId: string;
  operatorName: string;
  opened: number;
  resolved: number;
  overdue: number;
  unresolved: number;
}

/** One operator's load now. */
export interface WorkloadRow {
  operatorId: string;
  operatorName: string;
  open: number;
  overdue: number;
  dueThisWeek: number;
  /** Open tasks weighted by priority (`weights`). */
  weighted: number;
}

export const DEFAULT_PRIORITY_WEIGHTS: Record<TaskPriority, number> = { low: 1, normal: 2, high: 3, urgent: 5 };

const OPEN = ['open', 'in_progress'];

async function scope(reads: VisibleReads, q: TrackingScope) {
  const operators = q.operators?.map((x, i) => v.id(`tracking.operators[${i}]`, x));
  const groups = q.groups === undefined ? undefined : v.strings('tracking.groups', q.groups, 64);
  const ids = await operatorsIn(reads, operators, groups);
  const names = new Map<string, string>();
  for await (const op of reads.findAll<Operator>('operators', ids ? { where: where.in('id', ids) } : {})) names.set(op.id, op.name);
  return { ids, names, timeZone: checkTimeZone('tracking.timeZone', q.timeZone ?? 'UTC') };
}

/** Counts per owner in the store: `{ ownerId → n }`. */
async function countByOwner(reads: VisibleReads, filter: Filter): Promise<Map<string, number>> {
  const rows = await reads.aggregate('tasks', { where: filter, groupBy: ['ownerId'], measures: { n: { fn: 'count' } } });
  return new Map(rows.filter((r) => r.group.ownerId !== null).map((r) => [String(r.group.ownerId), r.values.n ?? 0]));
}

/** Per-operator, per-day task figures and current workload, computed by the store's aggregates. */
export function trackingModule(ctx: Context) {
  const reads = visibleReads(ctx);
  return {
    /**
     * For each operator (as current owner) and each day of [from, to] in the zone: tasks opened and
     * resolved (done) that day, and tasks overdue and still unresolved at the day's end.
     */
    async daily(query: TrackingScope & { from: DayKey | Date; to: DayKey | Date }): Promise<Dataset<DailyRow>> {
      if (!query || typeof query !== 'object') throw invalid('tracking', 'must be an object with from and to', query);
      const s = await scope(reads, query);
      const first = checkDay('tracking.from', query.from, s.timeZone);
      const last = checkDay('tracking.to', query.to, s.timeZone);
      const days = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;
      if (days < 1) throw invalid('tracking.to', `must not be before from ${first}`, last);
      if (days > MAX_DAYS) throw invalid('tracking.to', `must be at most ${MAX_DAYS} days after from (got ${days})`, last);
      const owners = s.ids ? where.in('ownerId', s.ids) : where.ne('ownerId', null);
      const rows: DailyRow[] = [];
      for (let i = 0; i < days; i++) {
        const day = addDays(first, i);
        const start = startOfDay(day, s.timeZone);
        const end = startOfDay(addDays(day, 1), s.timeZone);
        // Unresolved at the day's end: created by then, not cancelled, not done by then.
        const unresolved = where.and(
          owners,
          where.lt('createdAt', end),
          where.ne('status', 'cancelled'),
          where.or(where.isNull('doneAt'), where.gte('doneAt', end)),
        );
        const [opened, resolved, overdue, open] = await Promise.all([
          countByOwner(reads, where.and(owners, where.gte('createdAt', start), where.lt('createdAt', end))),
          countByOwner(reads, where.and(owners, where.eq('status', 'done'), where.gte('doneAt', start), where.lt('doneAt', end))),
          countByOwner(reads, where.and(unresolved, where.lt('dueAt', end))),
          countByOwner(reads, unresolved),
        ]);
        for (const [operatorId, operatorName] of s.names) {
          rows.push({
            day,
            operatorId,
            operatorName,
            opened: opened.get(operatorId) ?? 0,
            resolved: resolved.get(operatorId) ?? 0,
            overdue: overdue.get(operatorId) ?? 0,
            unresolved: open.get(operatorId) ?? 0,
          });
        }
      }
      return {
        columns: [
          { field: 'day', label: 'Day', type: 'string' },
          { field: 'operatorName', label: 'Operator', type: 'string' },
          { field: 'opened', label: 'Opened', type: 'integer' },
          { field: 'resolved', label: 'Resolved', type: 'integer' },
          { field: 'overdue', label: 'Overdue', type: 'integer' },
          { field: 'unresolved', label: 'Unresolved', type: 'integer' },
        ],
        rows,
      };
    },

    /** Open, overdue and due-this-week tasks per operator now, and the open ones weighted by priority. */
    async workload(query: TrackingScope & { weekStartsOn?: number; weights?: Partial<Record<TaskPriority, number>> } = {}): Promise<Dataset<WorkloadRow>> {
      const s = await scope(reads, query);
      const weights = { ...DEFAULT_PRIORITY_WEIGHTS };
      for (const [p, w] of Object.entries(query.weights ?? {})) {
        const priority = v.oneOf('tracking.weights', p, TASK_PRIORITIES);
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw invalid(`tracking.weights.${priority}`, 'must be a number ≥ 0', w);
        weights[priority] = w;
      }
      const weekStartsOn = query.weekStartsOn === undefined ? 1 : v.integer('tracking.weekStartsOn', query.weekStartsOn, { min: 0 });
      if (weekStartsOn > 6) throw invalid('tracking.weekStartsOn', 'must be 0 (Sunday) to 6 (Saturday)', weekStartsOn);
      const now = ctx.clock.now();
      const today = checkDay('tracking.now', now, s.timeZone);
      const monday = addDays(today, -((weekday(today) - weekStartsOn + 7) % 7));
      const weekEnd = startOfDay(addDays(monday, 7), s.timeZone);
      const open = where.and(s.ids ? where.in('ownerId', s.ids) : where.ne('ownerId', null), where.in('status', OPEN));
      const byPriority = await reads.aggregate('tasks', { where: open, groupBy: ['ownerId', 'priority'], measures: { n: { fn: 'count' } } });
      const [overdue, dueThisWeek] = await Promise.all([
        countByOwner(reads, where.and(open, where.lt('dueAt', now))),
        countByOwner(reads, where.and(open, where.gte('dueAt', startOfDay(monday, s.timeZone)), where.lt('dueAt', weekEnd))),
      ]);
      const rows: WorkloadRow[] = [...s.names].map(([operatorId, operatorName]) => {
        const mine = byPriority.filter((r) => r.group.ownerId === operatorId);
        return {
          operatorId,
          operatorName,
          open: mine.reduce((n, r) => n + (r.values.n ?? 0), 0),
          overdue: overdue.get(operatorId) ?? 0,
          dueThisWeek: dueThisWeek.get(operatorId) ?? 0,
          weighted: mine.reduce((n, r) => n + (r.values.n ?? 0) * (weights[r.group.priority as TaskPriority] ?? 0), 0),
        };
      });
      return {
        columns: [
          { field: 'operatorName', label: 'Operator', type: 'string' },
          { field: 'open', label: 'Open', type: 'integer' },
          { field: 'overdue', label: 'Overdue', type: 'integer' },
          { field: 'dueThisWeek', label: 'Due this week', type: 'integer' },
          { field: 'weighted', label: 'Weighted load', type: 'float' },
        ],
        rows,
      };
    },
  };
}
