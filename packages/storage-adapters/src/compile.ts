import {
  RapportError,
  allFields,
  groupKeyName,
  type AggregateQuery,
  type CollectionDef,
  type Measure,
  type FieldDef,
  type NormalFilter,
  type ResolvedSort,
  type Scalar,
  type Schema,
  GRANTS_COLLECTION,
  indexFields,
} from '@rapport/core/store';
import { codecOf, type Dialect, type ParamSink } from './dialect.js';
import { columnName, tableName } from './naming.js';

/** Bound parameters of one statement; `add` returns the placeholder to put in the SQL. */
export class Params implements ParamSink {
  readonly values: unknown[] = [];
  /** Search leaves are tested per row while the query walks its sort index (search-plan.ts). */
  walk = false;
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
  /** Fields some index keys with `nullsLast`: their comparisons carry the dialect's null key. */
  readonly nullsLast: ReadonlySet<string>;

  constructor(
    readonly dialect: Dialect,
    readonly def: CollectionDef,
  ) {
    this.name = def.name;
    this.sqlName = dialect.q(tableName(def.name));
    this.columns = Object.entries(allFields(def)).map(([field, fd]) => ({ field, column: columnName(field), def: fd }));
    this.byField = new Map(this.columns.map((c) => [c.field, c]));
    this.selectList = this.columns.map((c) => dialect.q(c.column)).join(', ');
    this.nullsLast = new Set(
      def.indexes.flatMap((ix) =>
        indexFields(ix)
          .filter((f) => f.nullsLast)
          .map((f) => f.field),
      ),
    );
  }

  /** The other tables of the schema (set by `tablesOf`): a grant lookup reads `shares`. */
  siblings: ReadonlyMap<string, Table> = new Map();

  /** Another collection's table, by name. */
  sibling(name: string): Table {
    const t = this.siblings.get(name);
    if (!t) throw new RapportError('VALIDATION', `the schema has no collection ${JSON.stringify(name)} (needed by ${this.name})`);
    return t;
  }

  column(field: string): Column {
    const c = this.byField.get(field);
    if (!c) throw new RapportError('VALIDATION', `${this.name} has no field ${JSON.stringify(field)}`, { details: { field } });
    return c;
  }

  /** A driver row → a record with every field present (null when empty), or only `columns`. */
  decode(row: Record<string, unknown>, columns: readonly Column[] = this.columns): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const codec = codecOf(this.dialect);
    for (const c of columns) out[c.field] = codec.decode(c.def, row[c.column]);
    return out;
  }

  /** A driver row as an array of values (in the order of `columns`) → a record, as `decode`. */
  decodeValues(values: readonly unknown[], columns: readonly Column[] = this.columns): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const codec = codecOf(this.dialect);
    for (let i = 0; i < columns.length; i++) out[columns[i]!.field] = codec.decode(columns[i]!.def, values[i]);
    return out;
  }

  private readonly projections = new Map<string, { columns: Column[]; selectList: string }>();

  /** The columns of these fields (in schema order) and their select list, built once per set. */
  projection(fields: ReadonlySet<string>): { columns: Column[]; selectList: string } {
    const key = [...fields].join(',');
    let p = this.projections.get(key);
    if (!p) {
      for (const f of fields) this.column(f);
      const columns = this.columns.filter((c) => fields.has(c.field));
      p = { columns, selectList: columns.map((c) => this.dialect.q(c.column)).join(', ') };
      if (this.projections.size < 1_000) this.projections.set(key, p);
    }
    return p;
  }
}

export function tablesOf(dialect: Dialect, schema: Schema): Map<string, Table> {
  const tables = new Map(schema.collections.map((def) => [def.name, new Table(dialect, def)]));
  for (const t of tables.values()) t.siblings = tables;
  return tables;
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

/**
 * Lists longer than this are bound as one array parameter (`Dialect.inList`): access rules carry
 * hundreds of ids, and short lists (`status IN ('open', 'in_progress')`) keep their inline form.
 */
export const LONG_LIST = 8;

/**
 * Compiles a normalised filter to a SQL condition; every value becomes a bound parameter.
 * `underOr` is true beneath an OR, where a list's condition can never become a join.
 */
export function compileFilter(table: Table, f: NormalFilter, params: Params, underOr = false): string {
  const d = table.dialect;
  switch (f.op) {
    case 'true':
      return '1=1';
    case 'false':
      return '1=0';
    case 'and':
    case 'or':
      return `(${f.filters.map((c) => compileFilter(table, c, params, underOr || f.op === 'or')).join(f.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'granted':
      return grantExists(table, f, params);
    case 'notGranted':
      // A null id is granted nothing, so its negation holds (an IN sub-select would be NULL).
      return `(${table.dialect.q(target(table, f.field).column.column)} IS NULL OR NOT (${grantExists(table, f, params)}))`;
    case 'readable':
      return parentLookup(table, f, params);
    case 'notReadable':
      // A null field names no row, so its negation holds (an IN sub-select would be NULL).
      return `(${d.q(target(table, f.field).column.column)} IS NULL OR NOT (${parentLookup(table, f, params)}))`;
    case 'search':
      return d.searchMatch(table.def, f.tokens, params, params.walk);
    case 'notSearch':
      return `NOT (${d.searchMatch(table.def, f.tokens, params, params.walk)})`;
    default:
      break; // a leaf: below
  }
  const t = target(table, f.field);
  if (t.jsonPath.length > 0) return compileJsonLeaf(table, t, f, params);
  const col = d.q(t.column.column);
  const leaf = compileLeaf(table, t, f, params, underOr);
  // A comparison is false on null anyway: saying so in the index's terms lets it seek the range.
  return d.nullKey && NON_NULL_OPS.has(f.op) && table.nullsLast.has(f.field) ? `(${d.nullKey(col)} AND ${leaf})` : leaf;
}

/** Leaves that hold only for a non-null value. */
const NON_NULL_OPS: ReadonlySet<NormalFilter['op']> = new Set(['eq', 'lt', 'lte', 'gt', 'gte', 'in', 'isNotNull']);

type Leaf = Exclude<NormalFilter, { op: 'and' | 'or' | 'true' | 'false' | 'search' | 'notSearch' | 'granted' | 'notGranted' | 'readable' | 'notReadable' }>;

function compileLeaf(table: Table, t: Target, f: Leaf, params: Params, underOr: boolean): string {
  const d = table.dialect;
  const col = d.q(t.column.column);
  const enc = (v: Scalar) => params.add(codecOf(d).encode(t.column.def, v));
  switch (f.op) {
    case 'isNull':
      return `${col} IS NULL`;
    case 'isNotNull':
      return `${col} IS NOT NULL`;
    case 'eq':
      return `${col} = ${enc(f.value)}`;
    case 'ne':
      return `${col} ${d.distinctFrom} ${enc(f.value)}`;
    case 'lt':
      return `${col} < ${enc(f.value)}`;
    case 'lte':
      return `${col} <= ${enc(f.value)}`;
    case 'gt':
      return `${col} > ${enc(f.value)}`;
    case 'gte':
      return `${col} >= ${enc(f.value)}`;
    case 'in':
      return f.values.length > LONG_LIST ? longList(d, t.column, col, f.values, params, underOr) : `${col} IN (${f.values.map(enc).join(', ')})`;
    case 'notIn':
      return f.values.length > LONG_LIST
        ? `(${col} IS NULL OR NOT (${longList(d, t.column, col, f.values, params, true)}))`
        : `(${col} IS NULL OR ${col} NOT IN (${f.values.map(enc).join(', ')}))`;
    case 'contains':
      return `${containsExpr(d, col, params.add(f.value), f.ignoreCase)} > 0`;
    case 'notContains':
      return `(${col} IS NULL OR ${containsExpr(d, col, params.add(f.value), f.ignoreCase)} = 0)`;
  }
}

function longList(d: Dialect, column: Column, col: string, values: Scalar[], params: Params, underOr: boolean): string {
  const codec = codecOf(d);
  return d.inList(
    col,
    column.def,
    values.map((v) => codec.encode(column.def, v)),
    params,
    underOr,
  );
}

/**
 * A `readable` leaf: the parent's rows its filter admits, looked up in the same statement
 * (`Dialect.readable`). The parent is a closed name (checked), never the table being filtered, so
 * the sub-select's unqualified columns are the parent's and the field is qualified by its table.
 */
function parentLookup(table: Table, f: Extract<NormalFilter, { op: 'readable' | 'notReadable' }>, params: Params): string {
  const d = table.dialect;
  const parent = table.sibling(f.collection);
  const field = `${table.sqlName}.${d.q(target(table, f.field).column.column)}`;
  return d.readable(field, parent.sqlName, `${parent.sqlName}.${d.q(parent.column('id').column)}`, () => compileFilter(parent, f.filter, params));
}

/** The alias of the grant table inside the lookup, apart from the table being filtered. */
const GRANT_ALIAS = 'rapport_grant';

/**
 * A `granted` leaf: EXISTS over the grant rows (a closed table, columns from the schema),
 * correlated on the record's id column, so the database answers it with one probe of the
 * `shares_uq` index (kind, recordId) per row it tests, not a list of every shared id; the
 * principal keys are checked on the grant rows found there (`Dialect.unindexed`).
 */
function grantExists(table: Table, f: Extract<NormalFilter, { op: 'granted' | 'notGranted' }>, params: Params): string {
  const d = table.dialect;
  const grants = table.sibling(GRANTS_COLLECTION);
  const g = (field: string) => `${d.q(GRANT_ALIAS)}.${d.q(grants.column(field).column)}`;
  const id = `${table.sqlName}.${d.q(target(table, f.field).column.column)}`;
  const principal = grants.column('principal');
  return d.granted(
    id,
    { from: `${grants.sqlName} AS ${d.q(GRANT_ALIAS)}`, recordId: g('recordId'), principal: g('principal') },
    () => `${g('kind')} = ${params.add(f.kind)}`,
    (key) =>
      f.principals.length > LONG_LIST
        ? longList(d, principal, key, f.principals, params, false)
        : `${key} IN (${f.principals.map((k) => params.add(k)).join(', ')})`,
    () => (f.level === 'edit' ? ` AND ${g('level')} = ${params.add('edit')}` : ''),
  );
}

/** Literal substring search: instr()/strpos() have no wildcards, so `%` and `_` need no escaping. */
function containsExpr(d: Dialect, expr: string, needle: string, ignoreCase: boolean): string {
  return ignoreCase ? d.position(d.lower(expr), d.lower(needle)) : d.position(expr, needle);
}

/**
 * A leaf on a JSON path. SQLite's json_extract returns SQL values of the JSON type; on
 * PostgreSQL the value is read as text (`#>>`) and cast only when the JSON type matches, so a
 * number is compared as a number and a string in byte order.
 */
function compileJsonLeaf(
  table: Table,
  t: Target,
  f: Exclude<NormalFilter, { op: 'and' | 'or' | 'true' | 'false' | 'search' | 'notSearch' | 'granted' | 'notGranted' | 'readable' | 'notReadable' }>,
  params: Params,
): string {
  const d = table.dialect;
  if (f.op === 'in' || f.op === 'notIn') {
    const leaves: NormalFilter[] = f.values.map((value) => ({ op: f.op === 'in' ? 'eq' : 'ne', field: f.field, value }));
    return compileFilter(table, { op: f.op === 'in' ? 'or' : 'and', filters: leaves }, params);
  }
  const col = d.q(t.column.column);
  // Each value type matches only JSON values of that type (filter.ts): the typed expression is
  // NULL for any other, so a comparison is false and its negation true, as in every store.
  const cmp = (op: string, v: Scalar) => {
    const type = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
    const expr = d.jsonTyped(col, t.jsonPath, type, params);
    return `${expr} ${op} ${d.jsonParam(v instanceof Date ? v.toISOString() : v, type, params)}`;
  };
  switch (f.op) {
    case 'isNull':
      return `${d.jsonValue(col, t.jsonPath, params)} IS NULL`;
    case 'isNotNull':
      return `${d.jsonValue(col, t.jsonPath, params)} IS NOT NULL`;
    case 'eq':
      return cmp('=', f.value);
    case 'ne':
      return cmp(d.distinctFrom, f.value);
    case 'lt':
      return cmp('<', f.value);
    case 'lte':
      return cmp('<=', f.value);
    case 'gt':
      return cmp('>', f.value);
    case 'gte':
      return cmp('>=', f.value);
    case 'contains':
    case 'notContains': {
      // Strings only: a number's digits are not text to search.
      const found = `COALESCE(${containsExpr(d, d.jsonTyped(col, t.jsonPath, 'string', params), params.add(f.value), f.ignoreCase)}, 0) > 0`;
      return f.op === 'contains' ? found : `NOT (${found})`;
    }
  }
}

/**
 * ORDER BY for a resolved sort: nulls last ascending, first descending, in every dialect. A field
 * the filter compares (at its top level) holds no null in the result, so its null order is moot
 * and the term can follow an index that seeks past the null key.
 */
export function compileOrderBy(table: Table, sort: ResolvedSort[], params: Params, where: NormalFilter): string {
  const d = table.dialect;
  return sort
    .map((s) => {
      const t = target(table, s.field);
      const col = d.q(t.column.column);
      if (t.jsonPath.length > 0) return d.orderTerm(() => d.jsonValue(col, t.jsonPath, params), s.desc, true, false);
      const nullable = (t.column.def.nullable ?? false) && !comparedAtTop(where, s.field);
      return d.orderTerm(() => col, s.desc, nullable, table.nullsLast.has(s.field));
    })
    .join(', ');
}

function comparedAtTop(where: NormalFilter, field: string): boolean {
  const leaves = where.op === 'and' ? where.filters : [where];
  return leaves.some((f) => 'field' in f && f.field === field && NON_NULL_OPS.has(f.op));
}

/** SQL of each measure function: a closed map, so nothing a caller passes becomes SQL text. */
const MEASURE_SQL: Record<Exclude<Measure['fn'], 'count'>, (col: string) => string> = {
  sum: (col) => `COALESCE(SUM(${col}), 0)`,
  min: (col) => `MIN(${col})`,
  max: (col) => `MAX(${col})`,
  avg: (col) => `AVG(${col})`,
};

/**
 * A whole aggregate statement. The SELECT list is compiled before the WHERE clause because its
 * parameters (JSON paths) come first in the text, and `?` placeholders bind by position.
 */
export function compileAggregate(table: Table, query: AggregateQuery, where: NormalFilter, params: Params): string {
  const d = table.dialect;
  const groups = (query.groupBy ?? []).map((key, i) => {
    const t = target(table, groupKeyName(key));
    const col = d.q(t.column.column);
    if (typeof key !== 'string') return `${d.dateBucket(col, key.granularity)} AS g${i}`;
    return `${t.jsonPath.length > 0 ? d.jsonValue(col, t.jsonPath, params) : col} AS g${i}`;
  });
  const measures = Object.values(query.measures).map((m, i) => {
    if (m.fn === 'count') return `COUNT(*) AS m${i}`;
    const sql = Object.hasOwn(MEASURE_SQL, m.fn) ? MEASURE_SQL[m.fn] : undefined;
    if (!sql) throw new RapportError('VALIDATION', `${table.name}: unknown measure function ${JSON.stringify(m.fn)}`);
    return `${sql(d.q(target(table, m.field).column.column))} AS m${i}`;
  });
  const whereSql = compileFilter(table, where, params);
  const groupBy = groups.length ? ` GROUP BY ${groups.map((_, i) => i + 1).join(', ')} ORDER BY ${groups.map((_, i) => i + 1).join(', ')}` : '';
  return `SELECT ${[...groups, ...measures].join(', ')} FROM ${table.sqlName} WHERE ${whereSql}${groupBy}`;
}

export function decodeAggregate(table: Table, query: AggregateQuery, row: Record<string, unknown>) {
  const group: Record<string, Scalar | null> = {};
  (query.groupBy ?? []).forEach((key, i) => {
    const v = row[`g${i}`];
    const name = groupKeyName(key);
    const t = target(table, name);
    group[name] =
      typeof key === 'string' && t.jsonPath.length === 0 ? (codecOf(table.dialect).decode(t.column.def, v) as Scalar | null) : ((v ?? null) as Scalar | null);
  });
  const values: Record<string, number | null> = {};
  Object.keys(query.measures).forEach((name, i) => {
    const v = row[`m${i}`];
    values[name] = v === null || v === undefined ? null : Number(v);
  });
  return { group, values };
}
