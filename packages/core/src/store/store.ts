import { RapportError } from '../errors.js';
import type { Filter, Scalar } from './filter.js';
import type { Schema, StoredRecord } from './schema.js';

/**
 * The persistence port. Core hands a store complete records (ids, timestamps, versions made by
 * core) and the store keeps them: no business rules live here.
 *
 * A store is generic over collections described by a `Schema`; records are plain objects whose
 * `date` fields are `Date`, `json` fields arrays/objects, and missing nullable fields `null`.
 */
export interface Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;

  /** Creates the tables/structures the schema needs, or upgrades them; re-running is a no-op. */
  migrate(): Promise<MigrationReport>;

  /** Inserts a record with `version` 1 (the caller passes version 1). Unique clash → CONFLICT. */
  create<T extends StoredRecord>(collection: string, record: T): Promise<T>;

  /** Inserts many records at once (one statement or batch where the store can). */
  createMany<T extends StoredRecord>(collection: string, records: T[]): Promise<void>;

  get<T extends StoredRecord>(collection: string, id: string): Promise<T | null>;

  find<T extends StoredRecord>(collection: string, query?: FindQuery): Promise<Page<T>>;

  /** How many records match; with `atMost`, counting stops there (the answer is `min(n, atMost)`). */
  count(collection: string, where?: Filter, options?: CountOptions): Promise<number>;

  /**
   * Applies `patch` when the stored version equals `expectedVersion`, and bumps the version by
   * one. Unknown id → NOT_FOUND; another version → CONFLICT (never a lost update).
   */
  update<T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, expectedVersion: number): Promise<T>;

  /** Deletes a record; with `expectedVersion`, only that version (else CONFLICT). Unknown id → NOT_FOUND. */
  delete(collection: string, id: string, expectedVersion?: number): Promise<void>;

  /**
   * Applies `patch` to every record a filter matches, in one statement where the store can, and
   * bumps each one's version; returns how many. No version check: for bulk marks (an e-mail
   * expunged on the server) that no edit of a user races with.
   */
  updateWhere<T extends StoredRecord>(collection: string, where: Filter, patch: Partial<Omit<T, 'id' | 'version'>>): Promise<number>;

  /** Deletes every record a filter matches; returns how many. */
  deleteWhere(collection: string, where: Filter): Promise<number>;

  /** Grouped counts and sums computed by the store (in SQL for SQL stores). */
  aggregate(collection: string, query: AggregateQuery): Promise<AggregateRow[]>;

  /**
   * Atomically adds `count` (default 1) to the named counter and returns the new value (a new
   * counter starts from 0): the caller owns the `count` values ending with it. Inside a
   * transaction the increment commits or rolls back with it; concurrent callers never get the
   * same value.
   */
  nextSequence(name: string, count?: number): Promise<number>;

  /**
   * Runs `fn` in one transaction: everything it wrote commits together or not at all. Inside,
   * use the `tx` store it is given. A nested call joins the outer transaction.
   */
  transaction<R>(fn: (tx: Store) => Promise<R>): Promise<R>;

  close(): Promise<void>;
}

export interface StoreCapabilities {
  /** JSON values stored and queried natively (jsonb, json1); otherwise as text. */
  nativeJson: boolean;
  /** A native timestamp type; otherwise epoch milliseconds. */
  nativeDates: boolean;
  /** Booleans bindable as such; otherwise 0/1. */
  nativeBooleans: boolean;
  /** Real atomic transactions (rollback leaves no trace). */
  transactions: boolean;
  /** Several processes may write at once (PostgreSQL) rather than one writer (SQLite file). */
  concurrentWriters: boolean;
  /** `find({ skipLocked: true })` inside a transaction locks what it returns and passes over rows other transactions hold (`FOR UPDATE SKIP LOCKED`). */
  skipLocked?: boolean;
  /**
   * The `search` filter is served by an index (SQLite FTS5, PostgreSQL tsvector + GIN); without
   * it the store reads every record of the collection (the memory store's linear fallback).
   */
  fullTextSearch?: boolean;
}

export interface SortField {
  field: string;
  direction?: 'asc' | 'desc';
}

export interface CountOptions {
  /**
   * Stop counting at this many (1–1,000,000): "1,000 or more" costs a page, not every match
   * (crm.search's counts of broad words, decision 0170).
   */
  atMost?: number;
}

/** Checks `CountOptions.atMost`: a whole number from 1 to 1,000,000, or absent. */
export function resolveAtMost(options: CountOptions | undefined): number | undefined {
  const n = options?.atMost;
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
    throw new RapportError('VALIDATION', `count atMost must be a whole number from 1 to 1000000 (got ${String(n)})`, { details: { field: 'atMost' } });
  }
  return n;
}

export interface FindQuery {
  where?: Filter;
  /** Sort order; `id` is always appended as the final tie-breaker (same direction as the last field). */
  sort?: SortField[];
  /** At most this many records (default 100, maximum 10,000). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /**
   * Read only these top-level fields (plus `id` and the sort fields, which the cursor needs);
   * the others are absent from the items. For hot reads that show a few fields of wide records:
   * the filter (access rules included) still sees every field, since it runs in the store.
   */
  select?: readonly string[];
  /**
   * Inside a transaction, on a store with `capabilities.skipLocked`: lock the records returned
   * until the transaction ends, and leave out records another transaction has locked (work
   * queues: N workers take N different batches). Ignored by other stores.
   */
  skipLocked?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Set when more records may follow; pass it back as `cursor`. */
  nextCursor: string | null;
}

export type Measure = { fn: 'count' } | { fn: 'sum' | 'min' | 'max' | 'avg'; field: string };

export type GroupKey = string | { field: string; granularity: 'day' | 'month' | 'year' };

export interface AggregateQuery {
  where?: Filter;
  groupBy?: GroupKey[];
  /** Named measures, e.g. `{ n: { fn: 'count' }, total: { fn: 'sum', field: 'amount' } }`. */
  measures: Record<string, Measure>;
}

export interface AggregateRow {
  /** Group values by field name; date granularities give `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (UTC). */
  group: Record<string, Scalar | null>;
  /** Measure values; `sum` of no rows is 0, `min`/`max`/`avg` of no rows is null. */
  values: Record<string, number | null>;
}

export interface MigrationReport {
  applied: string[];
  /** Migrations that were already in place. */
  skipped: string[];
}

/** What every store factory receives: the schema of the records it keeps. */
export interface StoreOptions {
  schema?: Schema;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** Checks the `count` given to `nextSequence`: a whole number from 1 to 1,000,000. */
export function checkSequenceCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > 1_000_000) {
    throw new RapportError('VALIDATION', `nextSequence count must be a whole number from 1 to 1000000 (got ${count})`, { details: { field: 'count' } });
  }
}
