import { quoteIdentifier, type Dialect } from '../dialect.js';

/** The SQL function sqliteStore registers on its connection: SQLite's own lower() is ASCII-only. */
export const SQLITE_LOWER = 'rapport_lower';

/** A JSON path with every key quoted (keys are checked names: letters, digits, _ and -). */
const jsonPath = (keys: string[]) => `$${keys.map((k) => `."${k}"`).join('')}`;

const JSON_TYPES = { string: `'text'`, number: `'integer', 'real'`, boolean: `'true', 'false'` } as const;
const BUCKETS = { year: '%Y', month: '%Y-%m', day: '%Y-%m-%d' } as const;

/** SQLite (better-sqlite3): dates as epoch milliseconds, booleans as 0/1, JSON as text read by json1. */
export const sqlite: Dialect = {
  name: 'sqlite',
  q: quoteIdentifier,
  placeholder: () => '?',
  // No native dates (epoch milliseconds), booleans (0/1) or JSON (text read by json1): core converts.
  capabilities: { nativeJson: false, nativeDates: false, nativeBooleans: false, transactions: true, concurrentWriters: false },
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
  entityColumn(def) {
    switch (def.type) {
      case 'float':
        return { type: 'real' };
      case 'integer':
      case 'boolean':
      case 'date':
        return { type: 'integer' };
      default:
        return { type: 'text' };
    }
  },
  defaultLiteral(def) {
    return def.type === 'string' || def.type === 'text' ? "''" : def.type === 'json' ? "'{}'" : '0';
  },
  dropsAddedDefaults: false,
  sequencesTable: (table) => `CREATE TABLE ${quoteIdentifier(table)} (\n  "name" TEXT NOT NULL PRIMARY KEY,\n  "value" INTEGER NOT NULL\n)`,

  distinctFrom: 'IS NOT',
  position: (haystack, needle) => `instr(${haystack}, ${needle})`,
  lower: (expr) => `${SQLITE_LOWER}(${expr})`,
  orderTerm: (expr, desc) => `${expr} ${desc ? 'DESC' : 'ASC'}`,
  indexTerm: (column, desc) => (desc ? `${column} DESC` : column),

  // Positional `?` parameters: each use of the path binds it again, in SQL text order.
  jsonText: (column, keys, params) => `json_extract(${column}, ${params.add(jsonPath(keys))})`,
  jsonValue: (column, keys, params) => `json_extract(${column}, ${params.add(jsonPath(keys))})`,
  jsonTyped: (column, keys, type, params) =>
    `(CASE WHEN json_type(${column}, ${params.add(jsonPath(keys))}) IN (${JSON_TYPES[type]}) THEN json_extract(${column}, ${params.add(jsonPath(keys))}) END)`,
  jsonParam: (value, _type, params) => params.add(typeof value === 'boolean' ? (value ? 1 : 0) : value),
  dateBucket: (column, granularity) => `strftime('${BUCKETS[granularity]}', ${column} / 1000, 'unixepoch')`,
};
