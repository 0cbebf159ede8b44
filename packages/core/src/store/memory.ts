import { RapportError } from '../errors.js';
import { checkAggregate, checkFilter, checkSelect, checkSort, selectedFields } from './check.js';
import { compareBySort, cursorFilter, encodeCursor, resolveLimit, resolveSort } from './cursor.js';
import { GRANTS_COLLECTION, matches, normalizeFilter, readPath, type Filter, type GrantLookup, type NormalFilter, type RowLookup } from './filter.js';
import { indexFields, Schema, type CollectionDef, type StoredRecord } from './schema.js';
import {
  checkSequenceCount,
  resolveAtMost,
  type AggregateQuery,
  type AggregateRow,
  type CountOptions,
  type FindQuery,
  type MigrationReport,
  type Page,
  type Store,
  type StoreCapabilities,
} from './store.js';
import { aggregateRecords } from './aggregate.js';
import { copyRecord } from './copy.js';
import { coreSchema } from '../domain/schema.js';

type Row = Record<string, unknown> & StoredRecord;
type Undo = Array<() => void>;

interface Table {
  def: CollectionDef;
  rows: Map<string, Row>;
  /** unique index name → key → id */
  unique: Map<string, Map<string, string>>;
  /** first field of each index → value key → ids (narrows equality lookups) */
  lookup: Map<string, Map<string, Set<string>>>;
}

const clone = copyRecord;

/** The record with only these fields (a find's `select`). */
const pick = (row: Record<string, unknown>, fields: Set<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in row) out[f] = row[f];
  return out;
};
const keyOf = (v: unknown) => (v instanceof Date ? `d${v.getTime()}` : `${typeof v}:${String(v)}`);

/** The in-memory engine: synchronous operations over plain maps, with an undo log per transaction. */
class MemoryEngine {
  readonly tables = new Map<string, Table>();
  readonly sequences = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly schema: Schema,
    readonly transactions: boolean,
  ) {
    for (const def of schema.collections) {
      const unique = new Map<string, Map<string, string>>();
      const lookup = new Map<string, Map<string, Set<string>>>();
      for (const index of def.indexes) {
        if (index.unique) unique.set(index.name, new Map());
        const first = indexFields(index)[0]?.field;
        if (first && !lookup.has(first)) lookup.set(first, new Map());
      }
      this.tables.set(def.name, { def, rows: new Map(), unique, lookup });
    }
  }

  /** Serialises writers: each runs after the one before has finished. */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  table(name: string): Table {
    const t = this.tables.get(name);
    if (!t) throw new RapportError('VALIDATION', `memory store: unknown collection ${JSON.stringify(name)}`);
    return t;
  }

  private uniqueKey(t: Table, indexName: string, row: Row): string | null {
    const index = t.def.indexes.find((i) => i.name === indexName)!;
    const parts = indexFields(index).map((f) => readPath(row, f.field));
    // As in SQL, a unique index does not constrain rows with a null in the key.
    if (parts.some((p) => p === null || p === undefined)) return null;
    return parts.map(keyOf).join('\u0000');
  }

  private checkUnique(t: Table, row: Row, ignoreId?: string) {
    for (const name of t.unique.keys()) {
      const key = this.uniqueKey(t, name, row);
      const holder = key === null ? undefined : t.unique.get(name)!.get(key);
      if (holder !== undefined && holder !== ignoreId) {
        throw new RapportError('CONFLICT', `memory store: ${t.def.name} violates unique index ${name}`, {
          details: { index: name },
        });
      }
    }
  }

  private indexRow(t: Table, row: Row, add: boolean) {
    for (const name of t.unique.keys()) {
      const key = this.uniqueKey(t, name, row);
      if (key === null) continue;
      if (add) t.unique.get(name)!.set(key, row.id);
      else t.unique.get(name)!.delete(key);
    }
    for (const [field, map] of t.lookup) {
      const key = keyOf(readPath(row, field) ?? null);
      let ids = map.get(key);
      if (add) {
        if (!ids) map.set(key, (ids = new Set()));
        ids.add(row.id);
      } else ids?.delete(row.id);
    }
  }

  insert(name: string, record: Row, undo: Undo | null) {
    const t = this.table(name);
    if (t.rows.has(record.id)) throw new RapportError('CONFLICT', `memory store: ${name} ${record.id} already exists`);
    const row = this.complete(t, clone(record));
    this.checkUnique(t, row);
    t.rows.set(row.id, row);
    this.indexRow(t, row, true);
    undo?.push(() => this.remove(t, row));
  }

  private complete(t: Table, row: Row): Row {
    for (const field of Object.keys(t.def.fields)) if (row[field] === undefined) (row as Record<string, unknown>)[field] = null;
    return row;
  }

  private remove(t: Table, row: Row) {
    t.rows.delete(row.id);
    this.indexRow(t, row, false);
  }

  private put(t: Table, before: Row, after: Row) {
    this.indexRow(t, before, false);
    t.rows.set(after.id, after);
    this.indexRow(t, after, true);
  }

  update(name: string, id: string, patch: Record<string, unknown>, expected: number, undo: Undo | null): Row {
    const t = this.table(name);
    const before = t.rows.get(id);
    if (!before) throw new RapportError('NOT_FOUND', `${name} ${JSON.stringify(id)} does not exist`);
    if (before.version !== expected) {
      throw new RapportError('CONFLICT', `${name} ${id} is at version ${before.version}, not ${expected}: it was changed by someone else`, {
        details: { expectedVersion: expected, actualVersion: before.version },
      });
    }
    const after = { ...before, ...clone(patch), id, version: expected + 1 } as Row;
    for (const k of Object.keys(patch)) if (after[k] === undefined) (after as Record<string, unknown>)[k] = null;
    this.checkUnique(t, after, id);
    this.put(t, before, after);
    undo?.push(() => this.put(t, after, before));
    return clone(after);
  }

  delete(name: string, id: string, expected: number | undefined, undo: Undo | null) {
    const t = this.table(name);
    const row = t.rows.get(id);
    if (!row) throw new RapportError('NOT_FOUND', `${name} ${JSON.stringify(id)} does not exist`);
    if (expected !== undefined && row.version !== expected) {
      throw new RapportError('CONFLICT', `${name} ${id} is at version ${row.version}, not ${expected}`);
    }
    this.remove(t, row);
    undo?.push(() => {
      t.rows.set(row.id, row);
      this.indexRow(t, row, true);
    });
  }

  /** Candidate rows: narrowed by an equality on an indexed field when the filter has one. */
  candidates(t: Table, f: NormalFilter): Iterable<Row> {
    const conjuncts = f.op === 'and' ? f.filters : [f];
    // The most selective indexed equality wins (e.g. partnerId over status).
    let best: Set<string> | undefined;
    for (const c of conjuncts) {
      if (c.op === 'eq' || c.op === 'isNull') {
        const map = t.lookup.get(c.field);
        if (!map) continue;
        const ids = map.get(keyOf(c.op === 'eq' ? c.value : null));
        if (!ids) return [];
        if (!best || ids.size < best.size) best = ids;
      }
    }
    return best ? [...best].map((id) => t.rows.get(id)!) : t.rows.values();
  }

  select(name: string, where: Filter | undefined): Row[] {
    const t = this.table(name);
    const f = normalizeFilter(where);
    checkFilter(this.schema, name, f);
    const out: Row[] = [];
    const grants = this.grantLookup();
    const rows = this.rowLookup(grants);
    for (const row of this.candidates(t, f)) if (matches(row, f, t.def.search, grants, rows)) out.push(row);
    return out;
  }

  /** Answers `readable` leaves from the parent collection's rows, as they are now. */
  private rowLookup(grants: GrantLookup): RowLookup {
    const lookup: RowLookup = (collection, id, filter) => {
      const t = this.tables.get(collection);
      const row = t?.rows.get(id);
      return row !== undefined && matches(row, filter, t!.def.search, grants, lookup);
    };
    return lookup;
  }

  /** Answers `granted` leaves from the grant rows, each set of record ids gathered once per query. */
  private grantLookup(): GrantLookup {
    const sets = new Map<string, Set<string>>();
    return (kind, recordId, principals, level) => {
      const key = JSON.stringify([kind, level, principals]);
      let ids = sets.get(key);
      if (!ids) {
        ids = new Set();
        for (const row of this.tables.get(GRANTS_COLLECTION)?.rows.values() ?? []) {
          if (row.kind === kind && principals.includes(row.principal as string) && (level === 'read' || row.level === 'edit')) ids.add(row.recordId as string);
        }
        sets.set(key, ids);
      }
      return ids.has(recordId);
    };
  }

  nextSequence(name: string, count: number, undo: Undo | null): number {
    const before = this.sequences.get(name);
    const value = (before ?? 0) + count;
    this.sequences.set(name, value);
    undo?.push(() => (before === undefined ? this.sequences.delete(name) : this.sequences.set(name, before)));
    return value;
  }
}

class MemoryStore implements Store {
  readonly name = 'memory';
  readonly capabilities: StoreCapabilities;

  constructor(
    private readonly engine: MemoryEngine,
    /** Set inside a transaction: writes are recorded here and undone on failure. */
    private readonly undo: Undo | null = null,
  ) {
    this.capabilities = {
      nativeJson: true,
      nativeDates: true,
      nativeBooleans: true,
      transactions: engine.transactions,
      concurrentWriters: false,
      fullTextSearch: false,
    };
  }

  private write<R>(fn: () => R): Promise<R> {
    if (this.undo) return Promise.resolve().then(fn);
    return this.engine.exclusive(async () => fn());
  }

  async migrate(): Promise<MigrationReport> {
    return { applied: [], skipped: [] };
  }

  create<T extends StoredRecord>(collection: string, record: T): Promise<T> {
    return this.write(() => {
      this.engine.insert(collection, record as unknown as Row, this.undo);
      return clone(record);
    });
  }

  createMany<T extends StoredRecord>(collection: string, records: T[]): Promise<void> {
    if (this.undo) return Promise.resolve().then(() => records.forEach((r) => this.engine.insert(collection, r as unknown as Row, this.undo)));
    // Without transactions a batch is still one statement: all of it or none.
    if (!this.engine.transactions) {
      return this.write(() => {
        const undo: Undo = [];
        try {
          records.forEach((r) => this.engine.insert(collection, r as unknown as Row, undo));
        } catch (err) {
          for (const step of undo.reverse()) step();
          throw err;
        }
      });
    }
    return this.transaction((tx) => tx.createMany(collection, records));
  }

  async get<T extends StoredRecord>(collection: string, id: string): Promise<T | null> {
    const row = this.engine.table(collection).rows.get(id);
    return row ? (clone(row) as unknown as T) : null;
  }

  async find<T extends StoredRecord>(collection: string, query: FindQuery = {}): Promise<Page<T>> {
    this.engine.table(collection);
    checkSort(this.engine.schema, collection, query.sort);
    checkSelect(this.engine.schema, collection, query.select);
    const sort = resolveSort(query.sort);
    const limit = resolveLimit(query);
    const fields = selectedFields(query.select, sort);
    const where = query.cursor
      ? { op: 'and' as const, filters: [query.where ?? { op: 'and' as const, filters: [] }, cursorFilter(this.engine.schema, collection, sort, query.cursor)] }
      : query.where;
    const rows = this.engine.select(collection, where).sort((a, b) => compareBySort(sort, a, b));
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => clone(fields ? pick(r, fields) : r) as unknown as T),
      nextCursor: rows.length > limit && last ? encodeCursor(sort, last) : null,
    };
  }

  async count(collection: string, where?: Filter, options?: CountOptions): Promise<number> {
    const atMost = resolveAtMost(options);
    const n = this.engine.select(collection, where).length;
    return atMost === undefined ? n : Math.min(n, atMost);
  }

  update<T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, expectedVersion: number): Promise<T> {
    return this.write(() => this.engine.update(collection, id, patch as Record<string, unknown>, expectedVersion, this.undo) as unknown as T);
  }

  delete(collection: string, id: string, expectedVersion?: number): Promise<void> {
    return this.write(() => this.engine.delete(collection, id, expectedVersion, this.undo));
  }

  updateWhere<T extends StoredRecord>(collection: string, where: Filter, patch: Partial<Omit<T, 'id' | 'version'>>): Promise<number> {
    return this.write(() => {
      const rows = this.engine.select(collection, where);
      for (const row of rows) this.engine.update(collection, row.id, patch as Record<string, unknown>, row.version as number, this.undo);
      return rows.length;
    });
  }

  deleteWhere(collection: string, where: Filter): Promise<number> {
    return this.write(() => {
      const rows = this.engine.select(collection, where);
      for (const row of rows) this.engine.delete(collection, row.id, undefined, this.undo);
      return rows.length;
    });
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<AggregateRow[]> {
    this.engine.table(collection);
    checkAggregate(this.engine.schema, collection, query);
    return aggregateRecords(this.engine.select(collection, query.where), query);
  }

  async nextSequence(name: string, count = 1): Promise<number> {
    checkSequenceCount(count);
    return this.write(() => this.engine.nextSequence(name, count, this.undo));
  }

  transaction<R>(fn: (tx: Store) => Promise<R>): Promise<R> {
    // Declared without transactions, the store really has none: each write stands on its own.
    if (this.undo || !this.engine.transactions) return fn(this);
    return this.engine.exclusive(async () => {
      const undo: Undo = [];
      try {
        return await fn(new MemoryStore(this.engine, undo));
      } catch (err) {
        for (const step of undo.reverse()) step();
        throw err;
      }
    });
  }

  async close(): Promise<void> {}
}

/**
 * A complete in-process Store (transactions included), for tests, demos and small embeds.
 * `capabilities: { transactions: false }` makes a store without transactions (no rollback), to
 * test what core does for such a store.
 */
export function memoryStore(options: { schema?: Schema; capabilities?: Pick<Partial<StoreCapabilities>, 'transactions'> } = {}): Store {
  return new MemoryStore(new MemoryEngine(options.schema ?? coreSchema, options.capabilities?.transactions ?? true));
}
