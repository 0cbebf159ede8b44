import {
  RapportError,
  checkAggregate,
  checkFilter,
  checkSequenceCount,
  checkSelect,
  checkSort,
  selectedFields,
  cursorFilter,
  encodeCursor,
  normalizeFilter,
  resolveAtMost,
  resolveLimit,
  resolveSort,
  type AggregateQuery,
  type AggregateRow,
  type CountOptions,
  type Filter,
  type FindQuery,
  type MigrationReport,
  type Page,
  type Store,
  type StoredRecord,
} from '@rapport/core/store';
import { compileAggregate, compileFilter, compileOrderBy, decodeAggregate, Params, type Column, type Table } from './compile.js';
import { codecOf } from './dialect.js';
import { splitSearch } from './search-plan.js';
import { wrapError } from './errors.js';
import { SEQUENCES_TABLE } from './naming.js';
import { Engine, type Session } from './engine.js';

type Row = StoredRecord & Record<string, unknown>;

/** The Store every SQL engine shares; `session` is set inside a transaction. */
export class SqlStore implements Store {
  constructor(
    private readonly engine: Engine,
    private readonly session: Session | null = null,
  ) {}

  get name() {
    return this.engine.adapter;
  }

  get capabilities() {
    return this.engine.dialect.capabilities;
  }

  private async run<R>(kind: 'read' | 'write', op: string, collection: string | undefined, fn: (s: Session) => Promise<R>): Promise<R> {
    const guarded = async (s: Session) => {
      try {
        return await fn(s);
      } catch (err) {
        throw wrapError(this.engine.adapter, op, collection, err);
      }
    };
    if (this.session) return guarded(this.session);
    await this.engine.ready();
    return kind === 'read' ? this.engine.read(guarded) : this.engine.write(guarded);
  }

  /** The filter checked against the schema (fields, value types) and normalised for the compiler. */
  private normal(table: Table, filter: Filter | undefined) {
    const f = normalizeFilter(filter);
    checkFilter(this.engine.schema, table.name, f);
    return f;
  }

  private whereSql(table: Table, filter: Filter | undefined, params: Params): string {
    return compileFilter(table, this.normal(table, filter), params);
  }

  migrate(): Promise<MigrationReport> {
    return this.engine.migrate();
  }

  async create<T extends StoredRecord>(collection: string, record: T): Promise<T> {
    const table = this.engine.table(collection);
    const { sql, values } = insertSql(table, [record as unknown as Row]);
    await this.run('write', 'create', collection, (s) => s.query(sql, values));
    return structuredClone(record);
  }

  async createMany<T extends StoredRecord>(collection: string, records: T[]): Promise<void> {
    if (records.length === 0) return;
    const table = this.engine.table(collection);
    if (!this.session) return this.transaction((tx) => tx.createMany(collection, records));
    const perStatement = Math.max(1, Math.min(this.engine.dialect.batchRows, Math.floor(this.engine.dialect.maxParams / table.columns.length)));
    for (let i = 0; i < records.length; i += perStatement) {
      const { sql, values } = insertSql(table, records.slice(i, i + perStatement) as unknown as Row[]);
      await this.run('write', 'createMany', collection, (s) => s.query(sql, values));
    }
  }

  async get<T extends StoredRecord>(collection: string, id: string): Promise<T | null> {
    const table = this.engine.table(collection);
    const d = this.engine.dialect;
    const sql = `SELECT ${table.selectList} FROM ${table.sqlName} WHERE ${d.q('id')} = ${d.placeholder(1)}`;
    const records = await this.run('read', 'get', collection, (s) => selectRecords(s, table, table.columns, sql, [id]));
    return (records[0] as T | undefined) ?? null;
  }

  async find<T extends StoredRecord>(collection: string, query: FindQuery = {}): Promise<Page<T>> {
    const table = this.engine.table(collection);
    checkSort(this.engine.schema, collection, query.sort);
    checkSelect(this.engine.schema, collection, query.select);
    const sort = resolveSort(query.sort);
    const limit = resolveLimit(query);
    const fields = selectedFields(query.select, sort);
    const { columns, selectList } = fields ? table.projection(fields) : table;
    const filter: Filter | undefined = query.cursor
      ? { op: 'and', filters: [query.where ?? { op: 'and', filters: [] }, cursorFilter(this.engine.schema, collection, sort, query.cursor)] }
      : query.where;
    const normal = this.normal(table, filter);
    const lock = query.skipLocked && this.session && this.engine.dialect.skipLockedClause ? ` ${this.engine.dialect.skipLockedClause}` : '';
    const rows = await this.run('read', 'find', collection, async (s) => {
      const params = new Params(this.engine.dialect);
      params.walk = await this.engine.searchPlanner.walk(s, table, normal, sort, limit + 1, () => new Params(this.engine.dialect));
      const whereSql = compileFilter(table, normal, params);
      const orderBy = compileOrderBy(table, sort, params, normal);
      const sql = `SELECT ${selectList} FROM ${table.sqlName} WHERE ${whereSql} ORDER BY ${orderBy} LIMIT ${limit + 1}${lock}`;
      return selectRecords(s, table, columns, sql, params.values);
    });
    const items = rows.slice(0, limit) as T[];
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(sort, last as Record<string, unknown>) : null };
  }

  async count(collection: string, where?: Filter, options?: CountOptions): Promise<number> {
    const table = this.engine.table(collection);
    const atMost = resolveAtMost(options);
    const params = new Params(this.engine.dialect);
    const normal = this.normal(table, where);
    const driven = atMost === undefined ? undefined : splitSearch(normal);
    const d = this.engine.dialect;
    const from =
      driven && d.searchDriven && driven.tokens.length > 0
        ? ((s) => `${s.from} WHERE ${s.where} AND ${compileFilter(table, driven.rest, params)}`)(d.searchDriven(table.def, driven.tokens, params))
        : `${table.sqlName} WHERE ${compileFilter(table, normal, params)}`;
    const select = `SELECT ${atMost === undefined ? 'COUNT(*) AS n' : '1'} FROM ${from}`;
    // A LIMIT inside lets the database stop reading after `atMost` matches.
    const sql = atMost === undefined ? select : `SELECT COUNT(*) AS n FROM (${select} LIMIT ${atMost}) AS c`;
    const { rows } = await this.run('read', 'count', collection, (s) => s.query(sql, params.values));
    return Number(rows[0]?.n ?? 0);
  }

  async update<T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, expectedVersion: number): Promise<T> {
    const table = this.engine.table(collection);
    const d = this.engine.dialect;
    const params = new Params(d);
    const sets = this.setList(table, patch as Record<string, unknown>, params);
    const sql =
      `UPDATE ${table.sqlName} SET ${sets} WHERE ${d.q('id')} = ${params.add(id)} AND ${d.q('version')} = ${params.add(expectedVersion)} ` +
      `RETURNING ${table.selectList}`;
    const row = await this.run('write', 'update', collection, async (s) => {
      const { rows } = await s.query(sql, params.values);
      if (rows[0]) return rows[0];
      return this.missingOrStale(s, table, id, expectedVersion);
    });
    return table.decode(row) as T;
  }

  private async missingOrStale(s: Session, table: Table, id: string, expected: number): Promise<never> {
    const d = this.engine.dialect;
    const { rows } = await s.query(`SELECT ${d.q('version')} FROM ${table.sqlName} WHERE ${d.q('id')} = ${d.placeholder(1)}`, [id]);
    if (!rows[0]) throw new RapportError('NOT_FOUND', `${table.name} ${JSON.stringify(id)} does not exist`);
    const actual = Number(rows[0].version);
    throw new RapportError('CONFLICT', `${table.name} ${id} is at version ${actual}, not ${expected}: it was changed by someone else`, {
      details: { expectedVersion: expected, actualVersion: actual },
    });
  }

  async delete(collection: string, id: string, expectedVersion?: number): Promise<void> {
    const table = this.engine.table(collection);
    const d = this.engine.dialect;
    const params = new Params(d);
    let sql = `DELETE FROM ${table.sqlName} WHERE ${d.q('id')} = ${params.add(id)}`;
    if (expectedVersion !== undefined) sql += ` AND ${d.q('version')} = ${params.add(expectedVersion)}`;
    await this.run('write', 'delete', collection, async (s) => {
      const { affected } = await s.query(sql, params.values);
      if (affected === 0) await this.missingOrStale(s, table, id, expectedVersion ?? -1);
    });
  }

  async updateWhere<T extends StoredRecord>(collection: string, where: Filter, patch: Partial<Omit<T, 'id' | 'version'>>): Promise<number> {
    const table = this.engine.table(collection);
    const d = this.engine.dialect;
    const params = new Params(d);
    const sets = this.setList(table, patch as Record<string, unknown>, params);
    const sql = `UPDATE ${table.sqlName} SET ${sets} WHERE ${this.whereSql(table, where, params)}`;
    return this.run('write', 'updateWhere', collection, async (s) => (await s.query(sql, params.values)).affected);
  }

  /** `col = $n, ...` for a patch (id and version never), then the version bump. */
  private setList(table: Table, patch: Record<string, unknown>, params: Params): string {
    const d = this.engine.dialect;
    const sets: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'id' || field === 'version') continue;
      const c = table.column(field);
      sets.push(`${d.q(c.column)} = ${params.add(codecOf(d).encode(c.def, value))}`);
    }
    sets.push(`${d.q('version')} = ${d.q('version')} + 1`);
    return sets.join(', ');
  }

  async deleteWhere(collection: string, where: Filter): Promise<number> {
    const table = this.engine.table(collection);
    const params = new Params(this.engine.dialect);
    const sql = `DELETE FROM ${table.sqlName} WHERE ${this.whereSql(table, where, params)}`;
    return this.run('write', 'deleteWhere', collection, async (s) => (await s.query(sql, params.values)).affected);
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<AggregateRow[]> {
    const table = this.engine.table(collection);
    const params = new Params(this.engine.dialect);
    checkAggregate(this.engine.schema, collection, query);
    const sql = compileAggregate(table, query, this.normal(table, query.where), params);
    const { rows } = await this.run('read', 'aggregate', collection, (s) => s.query(sql, params.values));
    return rows.map((r) => decodeAggregate(table, query, r));
  }

  async nextSequence(name: string, count = 1): Promise<number> {
    checkSequenceCount(count);
    const d = this.engine.dialect;
    const t = d.q(SEQUENCES_TABLE);
    const value = d.q('value');
    const sql =
      `INSERT INTO ${t} AS s (${d.q('name')}, ${value}) VALUES (${d.placeholder(1)}, ${d.placeholder(2)}) ` +
      `ON CONFLICT (${d.q('name')}) DO UPDATE SET ${value} = s.${value} + excluded.${value} RETURNING ${value}`;
    const { rows } = await this.run('write', 'nextSequence', SEQUENCES_TABLE, (s) => s.query(sql, [name, count]));
    return Number(rows[0]?.value);
  }

  transaction<R>(fn: (tx: Store) => Promise<R>): Promise<R> {
    if (this.session) return fn(this);
    return this.engine.ready().then(() => this.engine.transaction((session) => fn(new SqlStore(this.engine, session))));
  }

  async close(): Promise<void> {
    if (this.session) return;
    await this.engine.close();
  }
}

/** A SELECT of `columns` (its select list, in order) as records: from arrays where the session gives them. */
async function selectRecords(s: Session, table: Table, columns: readonly Column[], sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  if (s.queryValues) return (await s.queryValues(sql, params)).map((values) => table.decodeValues(values, columns));
  return (await s.query(sql, params)).rows.map((row) => table.decode(row, columns));
}

function insertSql(table: Table, records: Row[]): { sql: string; values: unknown[] } {
  const d = table.dialect;
  const params = new Params(d);
  for (const r of records) {
    for (const key of Object.keys(r)) if (!table.byField.has(key)) table.column(key);
  }
  const tuples = records.map((r) => `(${table.columns.map((c) => params.add(codecOf(d).encode(c.def, r[c.field]))).join(', ')})`);
  const cols = table.columns.map((c) => d.q(c.column)).join(', ');
  return { sql: `INSERT INTO ${table.sqlName} (${cols}) VALUES ${tuples.join(', ')}`, values: params.values };
}
