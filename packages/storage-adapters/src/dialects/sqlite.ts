import { quoteIdentifier, type Dialect } from '../dialect.js';
import { foldLettersSql, searchColumns, searchNames } from '../search-sql.js';

/** The SQL function sqliteStore registers on its connection: SQLite's own lower() is ASCII-only. */
export const SQLITE_LOWER = 'rapport_lower';

/** A JSON path with every key quoted (keys are checked names: letters, digits, _ and -). */
const jsonPath = (keys: string[]) => `$${keys.map((k) => `."${k}"`).join('')}`;

const JSON_TYPES = { string: `'text'`, number: `'integer', 'real'`, boolean: `'true', 'false'` } as const;
const BUCKETS = { year: '%Y', month: '%Y-%m', day: '%Y-%m-%d' } as const;

/** An FTS5 query: each token a quoted prefix term, all required. */
const ftsQuery = (tokens: string[]) => tokens.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' ');

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
  // Values are already encoded (text, integers, reals): JSON keeps each type, so json_each gives it back as SQL compares it.
  inList: (expr, _def, values, params) => `${expr} IN (SELECT value FROM json_each(${params.add(JSON.stringify(values))}))`,
  // A correlated EXISTS, one probe of `shares_uq` (kind, record id) per row tested: SQLite would
  // otherwise copy every id granted to the operator into a temporary index on every execution
  // (0.3 ms for 1,000). The unary + keeps the keys out of index selection, so they are checked on
  // the few rows found rather than sought one by one for the operator and each of their groups.
  granted: (id, g, kind, keys, level) => `EXISTS (SELECT 1 FROM ${g.from} WHERE ${kind()} AND ${g.recordId} = ${id} AND ${keys(`+${g.principal}`)}${level()})`,
  // Correlated: one primary-key probe of the parent per row tested (the rows of a campaign or an
  // opportunity are few), where an uncorrelated IN would first list every parent the rule admits.
  readable: (field, from, id, where) => `EXISTS (SELECT 1 FROM ${from} WHERE ${id} = ${field} AND ${where()})`,
  position: (haystack, needle) => `instr(${haystack}, ${needle})`,
  lower: (expr) => `${SQLITE_LOWER}(${expr})`,
  // SQLite's indexes hold nulls first; a null key before the value puts them last (decision 0175).
  orderTerm: (expr, desc, nullable) => {
    const dir = desc ? 'DESC' : 'ASC';
    return nullable ? `(${expr()} IS NULL) ${dir}, ${expr()} ${dir}` : `${expr()} ${dir}`;
  },
  indexTerm: (column, desc, nullsLast) => {
    const term = (expr: string) => (desc ? `${expr} DESC` : expr);
    return nullsLast ? `${term(`(${column} IS NULL)`)}, ${term(column)}` : term(column);
  },
  nullKey: (column) => `(${column} IS NULL) = 0`,

  // Positional `?` parameters: each use of the path binds it again, in SQL text order.
  jsonText: (column, keys, params) => `json_extract(${column}, ${params.add(jsonPath(keys))})`,
  jsonValue: (column, keys, params) => `json_extract(${column}, ${params.add(jsonPath(keys))})`,
  jsonTyped: (column, keys, type, params) =>
    `(CASE WHEN json_type(${column}, ${params.add(jsonPath(keys))}) IN (${JSON_TYPES[type]}) THEN json_extract(${column}, ${params.add(jsonPath(keys))}) END)`,
  jsonParam: (value, _type, params) => params.add(typeof value === 'boolean' ? (value ? 1 : 0) : value),
  dateBucket: (column, granularity) => `strftime('${BUCKETS[granularity]}', ${column} / 1000, 'unixepoch')`,

  // FTS5 folds case and diacritics (unicode61 remove_diacritics 2); replace() maps the letters
  // without a decomposition (ł → l) with built-in functions, so any connection may write. The
  // table is contentless-delete: it keeps no copy of the text, and a delete needs only the rowid.
  searchIndex(def) {
    const n = searchNames(def);
    const cols = searchColumns(def);
    const names = cols.map((c) => c.name).join(', ');
    const values = (row: string) =>
      searchColumns(def, `${row}.`)
        .map((c) => foldLettersSql(c.text))
        .join(', ');
    const insert = (row: string) => `INSERT INTO ${n.fts}(rowid, ${names}) VALUES (${row}.rowid, ${values(row)});`;
    return {
      up: [
        `CREATE VIRTUAL TABLE ${n.fts} USING fts5(${names}, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
        `CREATE TRIGGER ${n.trigger('insert')} AFTER INSERT ON ${n.table} BEGIN ${insert('new')} END`,
        `CREATE TRIGGER ${n.trigger('delete')} AFTER DELETE ON ${n.table} BEGIN DELETE FROM ${n.fts} WHERE rowid = old.rowid; END`,
        `CREATE TRIGGER ${n.trigger('update')} AFTER UPDATE OF ${names} ON ${n.table} BEGIN DELETE FROM ${n.fts} WHERE rowid = old.rowid; ${insert('new')} END`,
        `INSERT INTO ${n.fts}(rowid, ${names}) SELECT rowid, ${searchColumns(def)
          .map((c) => foldLettersSql(c.text))
          .join(', ')} FROM ${n.table}`,
      ],
      down: [
        `DROP TRIGGER IF EXISTS ${n.trigger('update')}`,
        `DROP TRIGGER IF EXISTS ${n.trigger('delete')}`,
        `DROP TRIGGER IF EXISTS ${n.trigger('insert')}`,
        `DROP TABLE IF EXISTS ${n.fts}`,
      ],
    };
  },
  // Each token a quoted prefix term (tokens are letters and digits: no FTS syntax reaches MATCH).
  // Walking, the unary + keeps SQLite from looking rows up by the matches' rowids: it reads the
  // sort index and tests each row against the matches, built once into a temporary index.
  searchMatch(def, tokens, params, walk) {
    const n = searchNames(def);
    return `${walk ? '+' : ''}${n.table}.rowid IN (SELECT rowid FROM ${n.fts} WHERE ${n.fts} MATCH ${params.add(ftsQuery(tokens))})`;
  },
  searchDriven(def, tokens, params) {
    const n = searchNames(def);
    // CROSS JOIN keeps the matches the outer loop, so rows come as FTS5 finds them; the sub-select
    // names only the rowid, so the FTS table's columns never clash with the table's in a filter.
    const matches = `(SELECT rowid AS "rapport_match" FROM ${n.fts} WHERE ${n.fts} MATCH ${params.add(ftsQuery(tokens))})`;
    return { from: `${matches} AS "rapport_m" CROSS JOIN ${n.table} ON ${n.table}.rowid = "rapport_m"."rapport_match"`, where: '1=1' };
  },
  searchProbe(def, tokens, params, atMost) {
    const n = searchNames(def);
    // The largest rowid stands for the row count: one step down the table's b-tree, not a scan.
    const matches = `SELECT rowid FROM ${n.fts} WHERE ${n.fts} MATCH ${params.add(ftsQuery(tokens))} LIMIT ${Math.floor(atMost)}`;
    return `SELECT (SELECT COUNT(*) FROM (${matches})) AS n, (SELECT MAX(rowid) FROM ${n.table}) AS total`;
  },
};
