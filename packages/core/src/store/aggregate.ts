import { readPath, type Scalar } from './filter.js';
import type { AggregateQuery, AggregateRow, GroupKey } from './store.js';

export function groupKeyName(key: GroupKey): string {
  return typeof key === 'string' ? key : key.field;
}

/** The group value of a record for one key: date granularities give UTC `YYYY[-MM[-DD]]`. */
export function groupValue(record: Record<string, unknown>, key: GroupKey): Scalar | null {
  const v = readPath(record, groupKeyName(key));
  if (v === null || v === undefined) return null;
  if (typeof key === 'string') return v as Scalar;
  const iso = (v instanceof Date ? v : new Date(v as string | number)).toISOString();
  return iso.slice(0, key.granularity === 'year' ? 4 : key.granularity === 'month' ? 7 : 10);
}

/** Aggregation over records in memory (the memory store's; SQL stores group in the database). */
export function aggregateRecords(records: Array<Record<string, unknown>>, query: AggregateQuery): AggregateRow[] {
  const keys = query.groupBy ?? [];
  const groups = new Map<string, { group: Record<string, Scalar | null>; rows: Array<Record<string, unknown>> }>();
  for (const r of records) {
    const group = Object.fromEntries(keys.map((k) => [groupKeyName(k), groupValue(r, k)]));
    const id = JSON.stringify(Object.values(group).map((v) => (v instanceof Date ? v.getTime() : v)));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { group, rows: [] }));
    g.rows.push(r);
  }
  if (keys.length === 0 && groups.size === 0) groups.set('[]', { group: {}, rows: [] });
  return [...groups.values()].map(({ group, rows }) => ({
    group,
    values: Object.fromEntries(
      Object.entries(query.measures).map(([name, m]) => {
        if (m.fn === 'count') return [name, rows.length];
        const nums = rows.map((r) => readPath(r, m.field)).filter((v): v is number => typeof v === 'number');
        if (m.fn === 'sum') return [name, nums.reduce((a, b) => a + b, 0)];
        if (nums.length === 0) return [name, null];
        if (m.fn === 'min') return [name, Math.min(...nums)];
        if (m.fn === 'max') return [name, Math.max(...nums)];
        return [name, nums.reduce((a, b) => a + b, 0) / nums.length];
      }),
    ),
  }));
}
