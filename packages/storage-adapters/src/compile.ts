import {
  RapportError,
  allFields,
  groupKeyName,
  type AggregateQuery,
  type CollectionDef,
  type FieldDef,
  type NormalFilter,
  type ResolvedSort,
  type Scalar,
  type Schema,
} from '@rapport/core';
import type { Dialect } from './dialect.js';
import { columnName, tableName } from './naming.js';

/** Bound parameters of one statement; `add` returns the placeholder to put in the SQL. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

export interface Column {
  field: string;
  column: string;
  def: FieldDef;
}

/** One collection as SQL sees it: quoted names and the column list, computed once. */
export class Table {
  readonly name: string;
  readonly sqlName: string;
  readonly columns: Column[];
  readonly byField: Map<string, Column>;
  readonly selectList: string;

  constructor(
    readonly dialect: Dialect,
    readonly def: CollectionDef,
  ) {
    this.name = def.name;
    this.sqlName = dialect.q(tableName(def.name));
    this.columns = Object.entries(allFields(def)).map(([field, fd]) => ({ field, column: columnName(field), def: fd }));
    this.byField = new Map(this.columns.map((c) => [c.field, c]));
    this.selectList = this.columns.map((c) => dialect.q(c.column)).join(', ');
  }

  column(field: string): Column {
    const c = this.byField.get(field);
    if (!c) throw new RapportError('VALIDATION', `${this.name} has no field ${JSON.stringify(field)}`, { details: { field } });
    return c;
  }

  /** A driver row → a record with every field present (null when empty). */
  decode(row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.columns) out[c.field] = this.dialect.decode(c.def, row[c.column]);
    return out;
  }
}

export function tablesOf(dialect: Dialect, schema: Schema): Map<string, Table> {
  return new Map(schema.collections.map((def) => [def.name, new Table(dialect, def)]));
}

/** A field path resolved to SQL: a column, or a value inside a JSON column. */
interface Target {
  column: Column;
  jsonPath: string[];
}

function target(table: Table, path: string): Target {
  const [name, ...jsonPath] = path.split('.') as [string, ...string[]];
  const column = table.column(name);
  if (jsonPath.length > 0 && column.def.type !== 'json') {
    throw new RapportError('VALIDATION', `${table.name}.${name} is not JSON, so ${JSON.stringify(path)} is not a valid path`);
  }
  return { column, jsonPath };
}

/** Compiles a normalised filter to a SQL condition; every value becomes a bound parameter. */
export function compileFilter(table: Table, f: NormalFilter, params: Params): string {
  const d = table.dialect;
  switch (f.op) {
    case 'true':
      return '1=1';
    case 'false':
      return '1=0';
    case 'and':
    case 'or':
      return `(${f.filters.map((c) => compileFilter(table, c, params)).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
  }
  const t = target(table, f.field);
  if (t.jsonPath.length > 0) return compileJsonLeaf(table, t, f, params);
  const col = d.q(t.column.column);
  const enc = (v: Scalar) => params.add(d.encode(t.column.def, v));
  const ne = d.name === 'postgres' ? 'IS DISTINCT FROM' : 'IS NOT';
  switch (f.op) {
    case 'isNull':
      return `${col} IS NULL`;
    case 'isNotNull':
      return `${col} IS NOT NULL`;
    case 'eq':
      return `${col} = ${enc(f.value)}`;
    case 'ne':
      return `${col} ${ne} ${enc(f.value)}`;
    case 'lt':
      return `${col} < ${enc(f.value)}`;
    case 'lte':
      return `${col} <= ${enc(f.value)}`;
    case 'gt':
      return `${col} > ${enc(f.value)}`;
    case 'gte':
      return `${col} >= ${enc(f.value)}`;
    case 'in':
      return `${col} IN (${f.values.map(enc).join(', ')})`;
    case 'notIn':
      return `(${col} IS NULL OR ${col} NOT IN (${f.values.map(enc).join(', ')}))`;
    case 'contains':
      return `${containsExpr(d, col, params.add(f.value), f.ignoreCase)} > 0`;
    case 'notContains':
      return `(${col} IS NULL OR ${containsExpr(d, col, params.add(f.value), f.ignoreCase)} = 0)`;
  }
}

/** Literal substring search: instr()/strpos() have no wildcards, so `%` and `_` need no escaping. */
function containsExpr(d: Dialect, expr: string, needle: string, ignoreCase: boolean): string {
  const fn = d.name === 'postgres' ? 'strpos' : 'instr';
  return ignoreCase ? `${fn}(${d.lower(expr)}, ${d.lower(needle)})` : `${fn}(${expr}, ${needle})`;
}

/**
 * A leaf on a JSON path. SQLite's json_extract returns SQL values of the JSON type; on
 * PostgreSQL the value is read as text (`#>>`) and cast only when the JSON type matches, so a
 * number is compared as a number and a string in byte order.
 */
function compileJsonLeaf(table: Table, t: Target, f: Exclude<NormalFilter, { op: 'and' | 'or' | 'true' | 'false' }>, params: Params): string {
  const d = table.dialect;
  if (f.op === 'in' || f.op === 'notIn') {
    const leaves: NormalFilter[] = f.values.map((value) => ({ op: f.op === 'in' ? 'eq' : 'ne', field: f.field, value }));
    return compileFilter(table, { op: f.op === 'in' ? 'or' : 'and', filters: leaves }, params);
  }
  const col = d.q(t.column.column);
  let text: string;
  let typed: (v: Scalar) => { expr: string; param: string };
  if (d.name === 'sqlite') {
    const path = params.add(`$${t.jsonPath.map((k) => `."${k.replace(/"/g, '')}"`).join('')}`);
    text = `json_extract(${col}, ${path})`;
    typed = (v) => ({ expr: text, param: params.add(v instanceof Date ? v.toISOString() : typeof v === 'boolean' ? (v ? 1 : 0) : v) });
  } else {
    const path = params.add(t.jsonPath);
    text = `(${col} #>> ${path}::text[])`;
    const node = `(${col} #> ${path}::text[])`;
    typed = (v) => {
      if (typeof v === 'number') {
        return { expr: `(CASE WHEN jsonb_typeof(${node}) = 'number' THEN ${text}::double precision END)`, param: `${params.add(v)}::double precision` };
      }
      if (typeof v === 'boolean') {
        return { expr: `(CASE WHEN jsonb_typeof(${node}) = 'boolean' THEN ${text}::boolean END)`, param: `${params.add(v)}::boolean` };
      }
      return { expr: `(${text} COLLATE "C")`, param: `${params.add(v instanceof Date ? v.toISOString() : v)}::text` };
    };
  }
  const ne = d.name === 'postgres' ? 'IS DISTINCT FROM' : 'IS NOT';
  const cmp = (op: string, v: Scalar) => {
    const { expr, param } = typed(v);
    return `${expr} ${op} ${param}`;
  };
  switch (f.op) {
    case 'isNull':
      return `${text} IS NULL`;
    case 'isNotNull':
      return `${text} IS NOT NULL`;
    case 'eq':
      return cmp('=', f.value);
    case 'ne':
      return cmp(ne, f.value);
    case 'lt':
      return cmp('<', f.value);
    case 'lte':
      return cmp('<=', f.value);
    case 'gt':
      return cmp('>', f.value);
    case 'gte':
      return cmp('>=', f.value);
    case 'contains':
      return `${containsExpr(d, text, params.add(f.value), f.ignoreCase)} > 0`;
    case 'notContains':
      return `(${text} IS NULL OR ${containsExpr(d, text, params.add(f.value), f.ignoreCase)} = 0)`;
  }
}

/** ORDER BY for a resolved sort: nulls first ascending, last descending (SQLite's default, explicit on PostgreSQL). */
export function compileOrderBy(table: Table, sort: ResolvedSort[], params: Params): string {
  const d = table.dialect;
  return sort
    .map((s) => {
      const t = target(table, s.field);
      let expr = d.q(t.column.column);
      if (t.jsonPath.length > 0) {
        expr = d.name === 'sqlite' ? `json_extract(${expr}, ${params.add(`$.${t.jsonPath.join('.')}`)})` : `(${expr} #> ${params.add(t.jsonPath)}::text[])`;
      }
      if (d.name === 'sqlite') return `${expr} ${s.desc ? 'DESC' : 'ASC'}`;
      return `${expr} ${s.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`;
    })
    .join(', ');
}

/** SELECT list and GROUP BY for an aggregate query; decoding the rows is `decodeAggregate`. */
export function compileAggregate(table: Table, query: AggregateQuery, whereSql: string, params: Params): string {
  const d = table.dialect;
  const groups = (query.groupBy ?? []).map((key, i) => {
    const t = target(table, groupKeyName(key));
    const col = d.q(t.column.column);
    if (typeof key === 'string') {
      if (t.jsonPath.length === 0) return `${col} AS g${i}`;
      return d.name === 'sqlite'
        ? `json_extract(${col}, ${params.add(`$.${t.jsonPath.join('.')}`)}) AS g${i}`
        : `(${col} #>> ${params.add(t.jsonPath)}::text[]) AS g${i}`;
    }
    const fmt = { year: ['%Y', 'YYYY'], month: ['%Y-%m', 'YYYY-MM'], day: ['%Y-%m-%d', 'YYYY-MM-DD'] }[key.granularity];
    return d.name === 'sqlite'
      ? `strftime('${fmt[0]}', ${col} / 1000, 'unixepoch') AS g${i}`
      : `to_char(${col} AT TIME ZONE 'UTC', '${fmt[1]}') AS g${i}`;
  });
  const measures = Object.values(query.measures).map((m, i) => {
    if (m.fn === 'count') return `COUNT(*) AS m${i}`;
    const col = d.q(target(table, m.field).column.column);
    const expr = m.fn === 'sum' ? `COALESCE(SUM(${col}), 0)` : `${m.fn.toUpperCase()}(${col})`;
    return `${expr} AS m${i}`;
  });
  const groupBy = groups.length ? ` GROUP BY ${groups.map((_, i) => i + 1).join(', ')} ORDER BY ${groups.map((_, i) => i + 1).join(', ')}` : '';
  return `SELECT ${[...groups, ...measures].join(', ')} FROM ${table.sqlName} WHERE ${whereSql}${groupBy}`;
}

export function decodeAggregate(table: Table, query: AggregateQuery, row: Record<string, unknown>) {
  const group: Record<string, Scalar | null> = {};
  (query.groupBy ?? []).forEach((key, i) => {
    const v = row[`g${i}`];
    const name = groupKeyName(key);
    const t = target(table, name);
    group[name] = typeof key === 'string' && t.jsonPath.length === 0 ? (table.dialect.decode(t.column.def, v) as Scalar | null) : ((v ?? null) as Scalar | null);
  });
  const values: Record<string, number | null> = {};
  Object.keys(query.measures).forEach((name, i) => {
    const v = row[`m${i}`];
    values[name] = v === null || v === undefined ? null : Number(v);
  });
  return { group, values };
}
