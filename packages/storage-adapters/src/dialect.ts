import type { EntitySchemaColumnOptions } from 'typeorm';
import { valueCodec, type CollectionDef, type FieldDef, type StoreCapabilities, type ValueCodec } from '@rapport/core/store';

/** A dialect's name: its key in the dialect registry and in `MigrationSet.dialects`. */
export type DialectName = string;

/** Adds a bound parameter and returns its placeholder (in SQL text order: `?` counts by position). */
export interface ParamSink {
  add(value: unknown): string;
}

/** The type a JSON value must have to take part in a comparison (filter.ts). */
export type JsonType = 'string' | 'number' | 'boolean';

/** A date bucket of an aggregate group key. */
export type Granularity = 'day' | 'month' | 'year';

/**
 * Everything that differs between SQL databases: spelling, types, conversions. The compiler,
 * the DDL and the migration planner ask the dialect and never test which database it is, so a
 * third database is one new file in dialects/ (plus its migrations).
 */
export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier (identifiers only ever come from the schema). */
  q(identifier: string): string;
  /** The placeholder of the n-th (1-based) bound parameter. */
  placeholder(n: number): string;
  /** Most parameters one statement may bind. */
  readonly maxParams: number;
  /** Rows per multi-row INSERT: small enough that the statement text repeats and its prepared form is reused. */
  readonly batchRows: number;

  /** The column type in DDL. */
  columnType(def: FieldDef): string;
  /** The column as a TypeORM entity column (for hosts using TypeORM repositories). */
  entityColumn(def: FieldDef): Partial<EntitySchemaColumnOptions>;
  /** The literal a new NOT NULL column of this type gets in existing rows. */
  defaultLiteral(def: FieldDef): string;
  /** Whether a column added with a default keeps it (SQLite cannot drop a default; PostgreSQL should). */
  readonly dropsAddedDefaults: boolean;
  /** The DDL of the sequences table (name → value). */
  sequencesTable(table: string): string;

  /**
   * What the database keeps natively and what it lacks. Core converts the rest (`valueCodec`):
   * a dialect never converts dates, booleans or JSON itself.
   */
  readonly capabilities: StoreCapabilities;
  /** The clause after a SELECT that locks its rows and skips locked ones (`FOR UPDATE SKIP LOCKED`), when the database has one. */
  readonly skipLockedClause?: string;
  /** A value, once core has converted it, as this driver must be handed it (when the driver needs more). */
  bind?(def: FieldDef, value: unknown): unknown;

  /** The null-safe "differs from" operator (`IS NOT`, `IS DISTINCT FROM`). */
  readonly distinctFrom: string;
  /**
   * `expr IN` a long list bound as one parameter (a JSON array read by json_each on SQLite, an
   * array on PostgreSQL), values already encoded for the column. The statement's text and plan
   * stay the same whatever the list's length, and the database builds its lookup set from one
   * value instead of a thousand bound ones (decision 0112). `underOr`: the condition sits beneath
   * an OR or a NOT, where the database evaluates it row by row and never as a join.
   */
  inList(expr: string, def: FieldDef, values: unknown[], params: ParamSink, underOr: boolean): string;
  /**
   * A `granted` leaf: whether a grant row gives the record whose id is `id`. `grant` names the
   * grant table (with its alias) and its columns, `kind` and `level` are conditions on its rows,
   * and `keys(principal)` tests a principal column against the operator's keys. The parts'
   * parameters are added in the order kind, keys, level (the text order of SQLite's form).
   */
  granted(
    id: string,
    grant: { from: string; recordId: string; principal: string },
    kind: () => string,
    keys: (principal: string) => string,
    level: () => string,
  ): string;
  /**
   * A `readable` leaf: whether `field` names a row of the table `from` (its id column `id`) that
   * `where()` admits (the condition's parameters are added when it is called).
   */
  readable(field: string, from: string, id: string, where: () => string): string;
  /** The 1-based position of `needle` in `haystack`, 0 when absent (literal: no wildcards). */
  position(haystack: string, needle: string): string;
  /** Lower-cases text for case-insensitive search, beyond ASCII (Ł → ł, Ş → ş), as JavaScript does. */
  lower(expr: string): string;
  /**
   * An ORDER BY term in the store's order: a null after every value (last ascending, first
   * descending). `nullable` is false when no null can reach the term (a non-null column, or one
   * the filter compares); `keyed` when the schema indexes the field with `nullsLast`. `expr`
   * writes the expression (binding its parameters) each time it is called.
   */
  orderTerm(expr: () => string, desc: boolean, nullable: boolean, keyed: boolean): string;
  /**
   * An index column. With `nullsLast` it is keyed in `orderTerm`'s order of a nullable column, so
   * the index serves that ORDER BY; without it, in the dialect's older order (equality, ranges).
   */
  indexTerm(column: string, desc: boolean, nullsLast: boolean): string;
  /**
   * "Not null" spelled as the index's null key, added beside a comparison on a `nullsLast` field
   * so the database seeks the range within the non-null entries (SQLite, whose indexes keep
   * nulls first, keys them on `(col IS NULL)`); null when the index needs no such key.
   */
  nullKey: ((column: string) => string) | null;

  /** The value at a key path of a JSON column, as text; SQL NULL for a JSON null or a missing key. */
  jsonText(column: string, keys: string[], params: ParamSink): string;
  /** The value at a key path as its JSON type (for ORDER BY and GROUP BY); SQL NULL for null or missing. */
  jsonValue(column: string, keys: string[], params: ParamSink): string;
  /** The value at a key path when it is of `type` (comparable with `jsonParam`), else SQL NULL. */
  jsonTyped(column: string, keys: string[], type: JsonType, params: ParamSink): string;
  /** A bound comparison value for `jsonTyped` of the same type (a Date arrives as ISO text). */
  jsonParam(value: string | number | boolean, type: JsonType, params: ParamSink): string;
  /** A date column's UTC bucket as text: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  dateBucket(column: string, granularity: Granularity): string;

  /**
   * The DDL of a collection's full-text index over `def.search`: created, kept in step with every
   * write by the database itself, and filled from the rows already there; `down` removes it.
   */
  searchIndex(def: CollectionDef): { up: string[]; down: string[] };
  /**
   * A condition on `def`'s table: every token is a prefix of a token of the row's search fields
   * (core's store/search.ts). `walk`: the query reads rows in its sort index's order and tests
   * the condition on each, so the condition must not become the way rows are found.
   */
  searchMatch(def: CollectionDef, tokens: string[], params: ParamSink, walk: boolean): string;
  /**
   * A statement whose column `n` counts the index's matches of `tokens`, stopping at `atMost`,
   * and `total` estimates the table's rows: for a database whose planner cannot see how many
   * rows a word matches (search-plan.ts).
   */
  searchProbe?(def: CollectionDef, tokens: string[], params: ParamSink, atMost: number): string;
  /**
   * A FROM clause and its first condition that read `def`'s rows in the full-text index's own
   * order, as they are found: a capped count stops after `atMost` rows instead of collecting
   * every match first (SQLite materialises an `IN (SELECT …)`). Where absent, the count filters.
   */
  searchDriven?(def: CollectionDef, tokens: string[], params: ParamSink): { from: string; where: string };
}

export const quoteIdentifier = (id: string) => `"${id.replace(/"/g, '""')}"`;

const codecs = new WeakMap<Dialect, ValueCodec>();

/** The dialect's values in and out: core's conversion for its capabilities, then the driver's binding. */
export function codecOf(d: Dialect): ValueCodec {
  let codec = codecs.get(d);
  if (!codec) {
    const core = valueCodec(d.capabilities);
    const bind = d.bind?.bind(d);
    codec = bind ? { encode: (def, value) => bind(def, core.encode(def, value)), decode: core.decode } : core;
    codecs.set(d, codec);
  }
  return codec;
}
