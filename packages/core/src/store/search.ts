import { RapportError } from '../errors.js';

/**
 * Full-text search semantics, the same in every store (decision 0150):
 * - text is folded: canonical decomposition, the marks of the combining-diacritics blocks
 *   removed, recomposed, lower-cased, and the letters that have no decomposition but read as a
 *   base letter (ł đ ø ħ ı) mapped to it; so "zolc" finds "żółć" and "sedinta" both "ședință"
 *   (comma below) and "şedinţă" (cedilla);
 * - a token is a run of letters and digits (`\p{L}\p{N}`); anything else separates tokens, so
 *   nothing a user types is query syntax (quotes, `*`, `-`, `NEAR(` are separators);
 * - a query matches a record when every query token is a prefix of some token of the record's
 *   search fields (their union): "enov" finds "enova", "jan kow" finds "Jan Kowalski".
 * Stores with an index (SQLite FTS5, PostgreSQL tsvector) implement this; the memory store reads
 * every record (`matchesSearch`).
 */

/** Longest query text accepted (characters); longer is VALIDATION, never a database error. */
export const MAX_SEARCH_LENGTH = 1000;
/**
 * Fewest characters of the longest query word. Every word is a prefix, and a query of one-letter
 * prefixes only ("a") matches nearly every record: the index would read all of them (decision 0170).
 */
export const MIN_SEARCH_TOKEN = 2;
/** Most distinct tokens in one query. */
export const MAX_SEARCH_TOKENS = 16;
/** Tokens are compared on their first this many characters (indexes keep long tokens whole). */
export const SEARCH_TOKEN_LENGTH = 64;

/** The combining marks folding removes (the Unicode blocks of combining diacritics). */
export const DIACRITIC_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0300, 0x036f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff],
  [0xfe20, 0xfe2f],
];

/** Letters without a decomposition that read as a base letter (Polish ł, Croatian đ, ...). */
export const FOLD_LETTERS: Readonly<Record<string, string>> = { ł: 'l', Ł: 'l', đ: 'd', Đ: 'd', ø: 'o', Ø: 'o', ħ: 'h', Ħ: 'h', ı: 'i' };

const hex = (n: number) => n.toString(16).padStart(4, '0');
const DIACRITICS = new RegExp(`[${DIACRITIC_RANGES.map(([a, b]) => `\\u${hex(a)}-\\u${hex(b)}`).join('')}]+`, 'g');
const LETTERS = new RegExp(`[${Object.keys(FOLD_LETTERS).join('')}]`, 'g');
const TOKEN = /[\p{L}\p{N}]+/gu;

/** Folds text for search: no diacritics, lower case (see above). */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(DIACRITICS, '')
    .normalize('NFC')
    .replace(LETTERS, (c) => FOLD_LETTERS[c]!)
    .toLowerCase();
}

/** The tokens of a text, folded, each cut to `SEARCH_TOKEN_LENGTH` characters. */
export function searchTokens(text: string): string[] {
  return (foldText(text).match(TOKEN) ?? []).map((t) => (t.length > SEARCH_TOKEN_LENGTH ? [...t].slice(0, SEARCH_TOKEN_LENGTH).join('') : t));
}

/**
 * The distinct tokens of a query. Not a string, longer than `MAX_SEARCH_LENGTH`, with more
 * than `MAX_SEARCH_TOKENS` tokens or with no token of `MIN_SEARCH_TOKEN` characters is VALIDATION; a query of separators only has no tokens
 * (and matches nothing).
 */
export function queryTokens(query: unknown): string[] {
  if (typeof query !== 'string')
    throw new RapportError('VALIDATION', `search needs text (got ${JSON.stringify(query) ?? String(query)})`, { details: { field: 'q' } });
  if (query.length > MAX_SEARCH_LENGTH) {
    throw new RapportError('VALIDATION', `search text is at most ${MAX_SEARCH_LENGTH} characters (got ${query.length})`, { details: { field: 'q' } });
  }
  const tokens = [...new Set(searchTokens(query))];
  if (tokens.length > MAX_SEARCH_TOKENS) {
    throw new RapportError('VALIDATION', `search takes at most ${MAX_SEARCH_TOKENS} words (got ${tokens.length})`, { details: { field: 'q' } });
  }
  if (tokens.length > 0 && tokens.every((t) => [...t].length < MIN_SEARCH_TOKEN)) {
    throw new RapportError(
      'VALIDATION',
      `search needs a word of at least ${MIN_SEARCH_TOKEN} letters or digits (got ${JSON.stringify(query.trim())}): a one-letter prefix matches nearly every record`,
      { details: { field: 'q' } },
    );
  }
  return tokens;
}

/** The tokens of a record's search fields: text as it is, JSON (lists of e-mails) as its JSON text. */
export function recordTokens(record: Record<string, unknown>, fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const field of fields) {
    const v = Object.hasOwn(record, field) ? record[field] : undefined;
    if (typeof v === 'string') out.push(...searchTokens(v));
    else if (v !== null && v !== undefined) out.push(...searchTokens(JSON.stringify(v)));
  }
  return out;
}

/** Whether every query token is a prefix of some record token (the linear form of the index). */
export function matchesSearch(record: Record<string, unknown>, fields: readonly string[], tokens: readonly string[]): boolean {
  if (tokens.length === 0) return false;
  const own = recordTokens(record, fields);
  return tokens.every((q) => own.some((t) => t.startsWith(q)));
}
