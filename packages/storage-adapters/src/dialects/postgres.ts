import { quoteIdentifier, type Dialect } from '../dialect.js';
import { DIACRITICS_CLASS, FOLD_FROM, FOLD_TO, searchColumns, searchNames, tokenClass, TOKEN_LENGTH } from '../search-sql.js';

/** The immutable function behind every search column: core's folding and tokens, in SQL. */
const SEARCH_FUNCTION = 'rapport_search_vector';

/**
 * Folds like core's `foldText` (decompose, drop combining marks, recompose, ł → l, lower case
 * under the database's default collation, which is Unicode-aware with a UTF-8 LC_CTYPE), cuts
 * the text into core's tokens and makes them the lexemes, without the text-search parser (which
 * would keep `jan.kowalski@example.com` as one word).
 */
const searchFunctionSql = () =>
  `CREATE OR REPLACE FUNCTION ${quoteIdentifier(SEARCH_FUNCTION)}(doc text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT array_to_tsvector(coalesce(array_agg(left(t, ${TOKEN_LENGTH})), '{}'::text[]))
FROM regexp_split_to_table(
  lower(translate(normalize(regexp_replace(normalize(doc, NFD), '[${DIACRITICS_CLASS}]+', '', 'g'), NFC), '${FOLD_FROM}', '${FOLD_TO}') COLLATE "default"),
  '[^${tokenClass()}]+'
) AS t
WHERE t <> ''
$fn$`;

/** A tsquery literal: each token a quoted prefix lexeme, all required. */
const tsquery = (tokens: string[]) => tokens.map((t) => `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`).join(' & ');

/** The element type of a bound array for a column of each type. */
const ARRAY_TYPES = {
  string: 'text[]',
  text: 'text[]',
  integer: 'bigint[]',
  float: 'double precision[]',
  boolean: 'boolean[]',
  date: 'timestamptz[]',
  json: 'jsonb[]',
} as const;

const BUCKETS = { year: 'YYYY', month: 'YYYY-MM', day: 'YYYY-MM-DD' } as const;

/** PostgreSQL (pg): timestamptz, boolean, jsonb; text columns in byte order (COLLATE "C"). */
export const postgres: Dialect = {
  name: 'postgres',
  q: quoteIdentifier,
  placeholder: (n) => `$${n}`,
  capabilities: { nativeJson: true, nativeDates: true, nativeBooleans: true, transactions: true, concurrentWriters: true, skipLocked: true },
  skipLockedClause: 'FOR UPDATE SKIP LOCKED',
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
  entityColumn(def) {
    switch (def.type) {
      case 'string':
        return { type: 'varchar', length: def.length ?? 255, collation: 'C' };
      case 'text':
        return { type: 'text' };
      case 'integer':
        return { type: 'bigint' };
      case 'float':
        return { type: 'double precision' };
      case 'boolean':
        return { type: 'boolean' };
      case 'date':
        return { type: 'timestamptz', precision: 3 };
      case 'json':
        return { type: 'jsonb' };
    }
  },
  defaultLiteral(def) {
    switch (def.type) {
      case 'string':
      case 'text':
        return "''";
      case 'integer':
      case 'float':
        return '0';
      case 'date':
        return "'1970-01-01T00:00:00Z'";
      case 'boolean':
        return 'false';
      case 'json':
        return "'{}'::jsonb";
    }
  },
  dropsAddedDefaults: true,
  sequencesTable: (table) => `CREATE TABLE ${quoteIdentifier(table)} (\n  "name" varchar(255) COLLATE "C" NOT NULL PRIMARY KEY,\n  "value" bigint NOT NULL\n)`,

  // node-postgres sends a JavaScript array as a PostgreSQL array: JSON goes as its text, which jsonb parses.
  bind: (def, value) => (def.type === 'json' && value !== null ? JSON.stringify(value) : value),

  distinctFrom: 'IS DISTINCT FROM',
  // Beneath an OR a sub-select, which a prepared statement's generic plan hashes too (hashed
  // SubPlan; `= ANY($1)` with an array parameter is a linear search per row). At the top level
  // `= ANY`: a sub-select there would be planned as a semi-join, which misjudges the list's
  // length (an ordered page read by a nested loop over every row) and gains nothing for ids.
  inList: (expr, def, values, params, underOr) =>
    underOr ? `${expr} IN (SELECT unnest(${params.add(values)}::${ARRAY_TYPES[def.type]}))` : `${expr} = ANY(${params.add(values)}::${ARRAY_TYPES[def.type]})`,
  // An IN sub-select, not correlated: PostgreSQL reads the operator's grant rows once through
  // `shares_principal` and hashes them (a hashed SubPlan under an OR; a semi-join planned with the
  // table's statistics at the top level), where a correlated EXISTS would probe per row.
  granted: (id, g, kind, keys, level) => `${id} IN (SELECT ${g.recordId} FROM ${g.from} WHERE ${kind()} AND ${keys(g.principal)}${level()})`,
  // Uncorrelated, as `granted`: a semi-join at the top level, a hashed SubPlan beneath an OR.
  readable: (field, from, id, where) => `${field} IN (SELECT ${id} FROM ${from} WHERE ${where()})`,
  position: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  // Columns are COLLATE "C", under which lower() is ASCII-only: case-fold under the database's
  // default collation instead (Unicode-aware with a UTF-8 LC_CTYPE such as C.UTF-8 or en_US.UTF-8).
  lower: (expr) => `lower((${expr}) COLLATE "default")`,
  // The store's null order is PostgreSQL's default; indexes made before it (decision 0175) keep
  // nulls first, and a term that no null reaches keeps their order so they still serve it.
  orderTerm: (expr, desc, nullable, keyed) => `${expr()} ${nullsLastTerm(desc, nullable || keyed)}`,
  indexTerm: (column, desc, nullsLast) => `${column} ${nullsLastTerm(desc, nullsLast)}`,
  nullKey: null,

  jsonText: (column, keys, params) => `(${column} #>> ${params.add(keys)}::text[])`,
  // jsonb orders numbers as numbers; a JSON null is SQL NULL so it groups with missing keys.
  jsonValue: (column, keys, params) => `NULLIF(${column} #> ${params.add(keys)}::text[], 'null'::jsonb)`,
  jsonTyped(column, keys, type, params) {
    const path = params.add(keys);
    const text = `(${column} #>> ${path}::text[])`;
    const when = `jsonb_typeof(${column} #> ${path}::text[]) = '${type}'`;
    if (type === 'number') return `(CASE WHEN ${when} THEN ${text}::double precision END)`;
    if (type === 'boolean') return `(CASE WHEN ${when} THEN ${text}::boolean END)`;
    return `(CASE WHEN ${when} THEN ${text} END COLLATE "C")`;
  },
  jsonParam: (value, type, params) => `${params.add(value)}::${type === 'number' ? 'double precision' : type === 'boolean' ? 'boolean' : 'text'}`,
  dateBucket: (column, granularity) => `to_char(${column} AT TIME ZONE 'UTC', '${BUCKETS[granularity]}')`,

  // A stored generated column keeps the lexemes in step with every write (and computes them for
  // the rows already there when it is added); a GIN index serves the @@ match.
  searchIndex(def) {
    const n = searchNames(def);
    const doc = searchColumns(def, '', (col) => `${col}::text`)
      .map((c) => `coalesce(${c.text}, '')`)
      .join(` || ' ' || `);
    return {
      up: [
        searchFunctionSql(),
        `ALTER TABLE ${n.table} ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (${quoteIdentifier(SEARCH_FUNCTION)}(${doc})) STORED`,
        `CREATE INDEX ${n.index} ON ${n.table} USING gin ("search_vector")`,
      ],
      // The function stays: other tables' columns may use it, and CREATE OR REPLACE brings it back.
      down: [`DROP INDEX IF EXISTS ${n.index}`, `ALTER TABLE ${n.table} DROP COLUMN IF EXISTS "search_vector"`],
    };
  },
  searchMatch: (def, tokens, params) => `${searchNames(def).table}."search_vector" @@ ${params.add(tsquery(tokens))}::tsquery`,
};

function nullsLastTerm(desc: boolean, nullsLast: boolean): string {
  if (nullsLast) return desc ? 'DESC NULLS FIRST' : 'ASC NULLS LAST';
  return desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST';
}
