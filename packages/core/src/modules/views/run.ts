import type { Context } from '../../context.js';
import { coreSchema } from '../../domain/schema.js';
import { invalid } from '../../errors.js';
import { groupKeyName, groupValue } from '../../store/aggregate.js';
import { compareScalars, matches, normalizeFilter, readPath, where, type Filter, type NormalFilter, type Scalar } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { GroupKey, Measure, SortField } from '../../store/store.js';
import { KINDS } from './catalog.js';
import { columnInfo, columnType, compileFilter, type RunEnv } from './compile.js';
import { scopedAggregate, scopedFind } from './scope.js';
import type { PivotQuery, PivotTable, ViewColumn, ViewColumnInfo, ViewGroup, ViewRow, ViewSpec, ViewStyle } from './types.js';

const MAX_PAGE = 1_000;

/** A view made ready to read: its store filter, order, columns and compiled formatting rules. */
export interface PreparedView {
  collection: string;
  where: Filter;
  sort: SortField[];
  columns: ViewColumn[];
  columnInfo: ViewColumnInfo[];
  groupBy: GroupKey[];
  measures: Record<string, Measure>;
  rules: Array<{ when: NormalFilter; style: ViewStyle }>;
}

export function prepare(spec: ViewSpec, env: RunEnv): PreparedView {
  const kind = KINDS[spec.kind];
  const { collection } = kind;
  const filter = spec.filter ? compileFilter(coreSchema, collection, spec.filter, env) : undefined;
  const groupBy = spec.groupBy ?? [];
  // Rows come ordered by their groups first, so each group's rows are contiguous (an outline).
  const groupSort = groupBy.map((k) => ({ field: groupKeyName(k) }));
  const rest = (spec.sort ?? kind.sort).filter((s) => !groupSort.some((g) => g.field === s.field));
  const columns = spec.columns ?? kind.columns.map((field) => ({ field }));
  return {
    collection,
    where: where.and(filter),
    sort: [...groupSort, ...rest],
    columns,
    columnInfo: columnInfo(coreSchema, collection, columns),
    groupBy,
    measures: spec.measures ?? {},
    rules: (spec.formats ?? []).map((r, i) => ({
      when: normalizeFilter(compileFilter(coreSchema, collection, r.when, env, `view.formats[${i}].when`)),
      style: r.style,
    })),
  };
}

/** One page of rows: the records, their related records read in one query per relation, and styles. */
export async function readPage(
  ctx: Context,
  view: PreparedView,
  cursor: string | undefined,
  limit: number,
): Promise<{ rows: ViewRow[]; nextCursor: string | null }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalid('limit', `must be a whole number from 1 to ${MAX_PAGE}`, limit);
  const page = await scopedFind<StoredRecord>(ctx, view.collection, { where: view.where, sort: view.sort, limit, ...(cursor ? { cursor } : {}) });
  const related = await readRelated(ctx, view, page.items);
  const rows = page.items.map((record) => toRow(view, record as unknown as Record<string, unknown>, related));
  return { rows, nextCursor: page.nextCursor };
}

type Related = Map<string, Map<string, Record<string, unknown>>>;

async function readRelated(ctx: Context, view: PreparedView, records: StoredRecord[]): Promise<Related> {
  const kind = Object.values(KINDS).find((k) => k.collection === view.collection)!;
  const used = new Set(view.columns.map((c) => columnType(coreSchema, view.collection, c.field).relation).filter((r): r is string => r !== null));
  const out: Related = new Map();
  await Promise.all(
    [...used].map(async (name) => {
      const rel = kind.relations[name]!;
      const ids = [...new Set(records.map((r) => (r as unknown as Record<string, unknown>)[rel.via]).filter((x): x is string => typeof x === 'string'))];
      const byId = new Map<string, Record<string, unknown>>();
      if (ids.length > 0) {
        const page = await scopedFind<StoredRecord>(ctx, rel.collection, { where: where.in('id', ids), limit: ids.length });
        for (const r of page.items) byId.set(r.id, r as unknown as Record<string, unknown>);
      }
      out.set(name, byId);
    }),
  );
  return out;
}

function toRow(view: PreparedView, record: Record<string, unknown>, related: Related): ViewRow {
  const values: Record<string, unknown> = {};
  for (const c of view.columns) {
    const { relation, path } = columnType(coreSchema, view.collection, c.field);
    if (relation === null) values[c.field] = readPath(record, path) ?? null;
    else {
      const via = Object.values(KINDS).find((k) => k.collection === view.collection)!.relations[relation]!.via;
      const target = related.get(relation)?.get(record[via] as string);
      values[c.field] = target ? (readPath(target, path) ?? null) : null;
    }
  }
  const rule = view.rules.findIndex((r) => matches(record, r.when, coreSchema.collection(view.collection).search));
  const row: ViewRow = { id: record.id as string, values, style: rule >= 0 ? view.rules[rule]!.style : null, rule: rule >= 0 ? rule : null };
  if (view.groupBy.length > 0) row.group = Object.fromEntries(view.groupBy.map((k) => [groupKeyName(k), groupValue(record, k)]));
  return row;
}

/** Counts (and the view's measures) per group over the whole view, computed by the store, in group order. */
export async function readGroups(ctx: Context, view: PreparedView): Promise<ViewGroup[] | null> {
  if (view.groupBy.length === 0) return null;
  const rows = await scopedAggregate(ctx, view.collection, {
    where: view.where,
    groupBy: view.groupBy,
    measures: { count: { fn: 'count' }, ...view.measures },
  });
  const names = view.groupBy.map(groupKeyName);
  return rows.sort((a, b) => {
    for (const n of names) {
      const c = compareKeys(a.group[n] ?? null, b.group[n] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** Orders group keys as the stores sort: nulls last. */
function compareKeys(a: Scalar | null, b: Scalar | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareScalars(a, b);
}

/** A pivot over a view: one store aggregate grouped by the row and column keys. */
export async function pivot(ctx: Context, view: PreparedView, query: PivotQuery): Promise<PivotTable> {
  if (!query || typeof query !== 'object' || query.rows === undefined) throw invalid('pivot.rows', 'is required (a field to group rows by)');
  const measure = query.measure ?? { fn: 'count' };
  const keys = query.columns === undefined ? [query.rows] : [query.rows, query.columns];
  const result = await scopedAggregate(ctx, view.collection, { where: view.where, groupBy: keys, measures: { value: measure } });
  const rowField = groupKeyName(query.rows);
  const columnField = query.columns === undefined ? null : groupKeyName(query.columns);
  const distinct = (field: string | null) => (field === null ? [null] : [...new Set(result.map((r) => r.group[field] ?? null))].sort(compareKeys));
  const rowKeys = distinct(rowField);
  const columnKeys = distinct(columnField);
  const cells = rowKeys.map(() => columnKeys.map((): number | null => null));
  for (const r of result) {
    const ri = rowKeys.indexOf(r.group[rowField] ?? null);
    const ci = columnField === null ? 0 : columnKeys.indexOf(r.group[columnField] ?? null);
    cells[ri]![ci] = r.values.value ?? null;
  }
  const [rowLabels, columnLabels] = await Promise.all([
    keyLabels(ctx, view.collection, query.rows, rowKeys),
    query.columns === undefined ? null : keyLabels(ctx, view.collection, query.columns, columnKeys),
  ]);
  return { rowField, columnField, measure, rowKeys: rowKeys.map(plain), columnKeys: columnKeys.map(plain), rowLabels, columnLabels, cells };
}

/** How a related record is named on a pivot's axis: a closed map by collection. */
const NAMES: Record<string, (r: Record<string, unknown>) => string> = {
  operators: (r) => String(r.name),
  partners: (r) => String(r.name),
  registers: (r) => String(r.name),
  campaigns: (r) => String(r.name),
  persons: (r) => `${String(r.firstName ?? '')} ${String(r.lastName ?? '')}`.trim(),
  tasks: (r) => `${String(r.number)} ${String(r.subject)}`,
};

/** The names of the related records a pivot's keys are ids of, in one read per 500 keys through the viewer's door; null when the key is not an id. */
async function keyLabels(ctx: Context, collection: string, key: GroupKey, keys: Array<Scalar | null>): Promise<Array<string | null> | null> {
  if (typeof key !== 'string') return null;
  const kind = Object.values(KINDS).find((k) => k.collection === collection)!;
  const relation = Object.values(kind.relations).find((r) => r.via === key);
  const name = relation && Object.hasOwn(NAMES, relation.collection) ? NAMES[relation.collection]! : undefined;
  if (!relation || !name) return null;
  const ids = keys.filter((k): k is string => typeof k === 'string');
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const page = await scopedFind<StoredRecord>(ctx, relation.collection, { where: where.in('id', chunk), limit: chunk.length });
    for (const r of page.items) names.set(r.id, name(r as unknown as Record<string, unknown>));
  }
  return keys.map((k) => (typeof k === 'string' ? (names.get(k) ?? k) : null));
}

const plain = (v: Scalar | null) => (v instanceof Date ? v.toISOString() : v);
