import type { FieldDef } from '@rapport/core';

export type DialectName = 'sqlite' | 'postgres';

/** The SQL spelling and value conversions of one database. */
export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier (identifiers only ever come from the schema). */
  q(identifier: string): string;
  /** The placeholder of the n-th (1-based) bound parameter. */
  placeholder(n: number): string;
  /** The column type in DDL. */
  columnType(def: FieldDef): string;
  /** A domain value as the driver binds it. */
  encode(def: FieldDef, value: unknown): unknown;
  /** A driver value as the domain reads it. */
  decode(def: FieldDef, value: unknown): unknown;
  /** Most parameters one statement may bind. */
  readonly maxParams: number;
  /** Rows per multi-row INSERT: small enough that the statement text repeats and its prepared form is reused. */
  readonly batchRows: number;
  /** Lower-cases text for case-insensitive search, beyond ASCII (Ł → ł, Ş → ş), as JavaScript does. */
  lower(expr: string): string;
}

/** The SQL function sqliteStore registers on its connection: SQLite's own lower() is ASCII-only. */
export const SQLITE_LOWER = 'rapport_lower';

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

export const sqlite: Dialect = {
  name: 'sqlite',
  q: quote,
  lower: (expr) => `${SQLITE_LOWER}(${expr})`,
  placeholder: () => '?',
  maxParams: 32_000,
  batchRows: 100,
  columnType(def) {
    switch (def.type) {
      case 'string':
      case 'text':
      case 'json':
        return 'TEXT';
      case 'integer':
      case 'boolean':
      case 'date':
        return 'INTEGER';
      case 'float':
        return 'REAL';
    }
  },
  encode(def, value) {
    if (value === null || value === undefined) return null;
    switch (def.type) {
      case 'date':
        return toDate(value).getTime();
      case 'boolean':
        return value ? 1 : 0;
      case 'json':
        return JSON.stringify(value);
      default:
        return value;
    }
  },
  decode(def, value) {
    if (value === null || value === undefined) return null;
    switch (def.type) {
      case 'date':
        return new Date(Number(value));
      case 'boolean':
        return value === 1 || value === true || value === 1n;
      case 'json':
        return typeof value === 'string' ? JSON.parse(value) : value;
      case 'integer':
      case 'float':
        return Number(value);
      default:
        return value;
    }
  },
};

export const postgres: Dialect = {
  name: 'postgres',
  q: quote,
  // Columns are COLLATE "C", under which lower() is ASCII-only: case-fold under the database's
  // default collation instead (Unicode-aware with a UTF-8 LC_CTYPE such as C.UTF-8 or en_US.UTF-8).
  lower: (expr) => `lower((${expr}) COLLATE "default")`,
  placeholder: (n) => `$${n}`,
  maxParams: 65_000,
  batchRows: 500,
  columnType(def) {
    switch (def.type) {
      case 'string':
        return `varchar(${def.length ?? 255}) COLLATE "C"`;
      case 'text':
        return 'text COLLATE "C"';
      case 'integer':
        return 'bigint';
      case 'float':
        return 'double precision';
      case 'boolean':
        return 'boolean';
      case 'date':
        return 'timestamptz(3)';
      case 'json':
        return 'jsonb';
    }
  },
  encode(def, value) {
    if (value === null || value === undefined) return null;
    switch (def.type) {
      case 'date':
        return toDate(value);
      case 'json':
        return JSON.stringify(value);
      default:
        return value;
    }
  },
  decode(def, value) {
    if (value === null || value === undefined) return null;
    switch (def.type) {
      case 'date':
        return value instanceof Date ? value : new Date(value as string);
      case 'integer':
      case 'float':
        return Number(value);
      default:
        return value; // pg parses jsonb itself
    }
  },
};

function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string | number);
}
