import { indexFields, type NormalFilter, type ResolvedSort } from '@rapport/core/store';
import type { Params, Table } from './compile.js';
import type { Session } from './engine.js';

/**
 * How a page with a search word is read (decision 0170). "Match then sort" reads every match
 * from the full-text index and sorts them: right for rare words, but a word in 10 % of 1M tasks
 * means 100,000 rows read for a page of 50. "Walk" reads rows in the order of an index that
 * serves the page's sort and tests the match per row, stopping after a page: right for broad
 * words. PostgreSQL chooses by itself (its statistics of lexemes); SQLite's planner knows nothing
 * of FTS5's counts, so the dialect's `searchProbe` counts the index's matches (up to `PROBE_CAP`)
 * and the table's rows, and the store chooses. Both plans return the same rows in the same order.
 */

/** The probe counts no further: past it, every page of up to 1,000 rows of 5M walks. */
export const PROBE_CAP = 10_000;

/**
 * What a row walked costs against a match sorted (measured on SQLite at 1M tasks: a sorted match
 * reads its row, ~5 µs; a walked row is an index entry tested against the matches, ~0.1 µs).
 */
const WALKED_PER_SORTED = 50;

/** Probe answers kept per store (the word's breadth changes slowly; paging re-reads it). */
const CACHE_SIZE = 256;
const CACHE_MS = 60_000;

/** The first search leaf that every matching row must satisfy (the filter itself, or one of its top-level AND). */
export function topSearch(f: NormalFilter): string[] | undefined {
  return splitSearch(f)?.tokens;
}

/** That leaf's tokens and the rest of the filter (what a row must also satisfy). */
export function splitSearch(f: NormalFilter): { tokens: string[]; rest: NormalFilter } | undefined {
  if (f.op === 'search') return { tokens: f.tokens, rest: { op: 'true' } };
  if (f.op !== 'and') return undefined;
  const i = f.filters.findIndex((c) => c.op === 'search');
  const leaf = f.filters[i];
  if (!leaf || leaf.op !== 'search') return undefined;
  return { tokens: leaf.tokens, rest: { op: 'and', filters: f.filters.filter((_, j) => j !== i) } };
}

/** Whether an index of the table returns rows in `sort` order (its leading fields, all in order or all reversed). */
export function indexServes(table: Table, sort: ResolvedSort[]): boolean {
  return table.def.indexes.some((ix) => {
    const fields = indexFields(ix);
    if (fields.length < sort.length) return false;
    const flip = (fields[0]!.desc ?? false) !== sort[0]!.desc;
    return sort.every((s, i) => fields[i]!.field === s.field && ((fields[i]!.desc ?? false) !== s.desc) === flip);
  });
}

/**
 * Walk when the rows a page walks (`limit × rows / matches`, matches spread evenly) cost less than
 * sorting every match: `matches² × WALKED_PER_SORTED ≥ limit × rows`. At 1M rows a page of 50 walks
 * from ~1,000 matches, a window of 200 from ~2,000.
 */
export function walkPays(matches: number, rows: number, limit: number): boolean {
  return matches * matches * WALKED_PER_SORTED >= limit * rows;
}

export class SearchPlanner {
  private readonly cache = new Map<string, { matches: number; rows: number; at: number }>();

  /** `walkFrom`: walk from this many matches whatever the page and the table (tests reach both plans with it). */
  constructor(readonly walkFrom?: number) {}

  /** Whether a find of `filter` sorted by `sort`, `limit` rows, should walk the sort index and test the search per row. */
  async walk(s: Session, table: Table, filter: NormalFilter, sort: ResolvedSort[], limit: number, params: () => Params): Promise<boolean> {
    const d = table.dialect;
    const tokens = topSearch(filter);
    if (!tokens || !d.searchProbe || tokens.length === 0 || !indexServes(table, sort)) return false;
    const key = `${table.name}\u0000${tokens.join(' ')}`;
    const now = Date.now();
    let hit = this.cache.get(key);
    if (!hit || now - hit.at >= CACHE_MS) {
      const p = params();
      const { rows } = await s.query(d.searchProbe(table.def, tokens, p, this.walkFrom ?? PROBE_CAP), p.values);
      hit = { matches: Number(rows[0]?.n ?? 0), rows: Number(rows[0]?.total ?? 0), at: now };
      this.cache.delete(key);
      this.cache.set(key, hit);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return this.walkFrom !== undefined ? hit.matches >= this.walkFrom : walkPays(hit.matches, hit.rows, limit);
  }
}
