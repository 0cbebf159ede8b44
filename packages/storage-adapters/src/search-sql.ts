import { DIACRITIC_RANGES, FOLD_LETTERS, SEARCH_TOKEN_LENGTH, type CollectionDef } from '@rapport/core/store';
import { quoteIdentifier } from './dialect.js';
import { columnName, tableName } from './naming.js';

/**
 * The pieces of full-text search DDL both dialects share, derived from core's folding rules
 * (store/search.ts) so an index folds text exactly as the query side and the memory store do.
 * Migrations freeze the SQL these produce (decision 0150).
 */

const hex = (n: number) => n.toString(16).padStart(4, '0');

/**
 * Each search field as SQL text: text columns as they are, JSON (lists of e-mails) through
 * `jsonText` (PostgreSQL's jsonb to its text; SQLite keeps JSON as text already).
 */
export function searchColumns(def: CollectionDef, prefix = '', jsonText = (col: string) => col): Array<{ name: string; text: string }> {
  return (def.search ?? []).map((field) => {
    const col = `${prefix}${quoteIdentifier(columnName(field))}`;
    return { name: quoteIdentifier(columnName(field)), text: def.fields[field]?.type === 'json' ? jsonText(col) : col };
  });
}

/** `replace(replace(x, 'ł', 'l'), ...)`: the letters folding maps that no decomposition removes. */
export function foldLettersSql(expr: string): string {
  return Object.entries(FOLD_LETTERS).reduce((acc, [from, to]) => `replace(${acc}, '${from}', '${to}')`, expr);
}

/** The `translate()` arguments for the same letters (PostgreSQL). */
export const FOLD_FROM = Object.keys(FOLD_LETTERS).join('');
export const FOLD_TO = Object.values(FOLD_LETTERS).join('');

/** A regular-expression bracket body of the combining marks folding removes. */
export const DIACRITICS_CLASS = DIACRITIC_RANGES.map(([a, b]) => `\\u${hex(a)}-\\u${hex(b)}`).join('');

/**
 * A bracket body of the characters tokens are made of: the letters and digits of the Basic
 * Multilingual Plane, as JavaScript's `[\p{L}\p{N}]` sees them, in ranges.
 */
export function tokenClass(): string {
  const ranges: string[] = [];
  let start = -1;
  for (let c = 0; c <= 0x10000; c++) {
    const ok = c < 0x10000 && (c < 0xd800 || c > 0xdfff) && /[\p{L}\p{N}]/u.test(String.fromCharCode(c));
    if (ok && start < 0) start = c;
    if (!ok && start >= 0) {
      ranges.push(start === c - 1 ? `\\u${hex(start)}` : `\\u${hex(start)}-\\u${hex(c - 1)}`);
      start = -1;
    }
  }
  return ranges.join('');
}

export const TOKEN_LENGTH = SEARCH_TOKEN_LENGTH;

/** Names of a collection's search structures. */
export const searchNames = (def: CollectionDef) => ({
  table: quoteIdentifier(tableName(def.name)),
  fts: quoteIdentifier(`${tableName(def.name)}_fts`),
  trigger: (suffix: string) => quoteIdentifier(`${tableName(def.name)}_fts_${suffix}`),
  index: quoteIdentifier(`${tableName(def.name)}_search`),
});
