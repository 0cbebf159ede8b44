import type { Context } from '../../context.js';
import { RapportError } from '../../errors.js';
import { where } from '../../store/filter.js';
import { queryTokens, recordTokens } from '../../store/search.js';
import type { StoredRecord } from '../../store/schema.js';
import * as v from '../../validate.js';
import { visibleReads } from '../visible.js';
import { KINDS, SEARCH_KINDS, type SearchKind } from './kinds.js';

export { SEARCH_KINDS, type SearchKind } from './kinds.js';

/** The newest matches of each kind that are ranked; `counts` counts further, up to `SEARCH_COUNT_CAP`. */
export const SEARCH_WINDOW = 200;
export const SEARCH_MAX_LIMIT = 50;
/** Counts stop here: beyond it a count says "at least" (`exact: false`), decision 0170. */
export const SEARCH_COUNT_CAP = 1000;

/** How many records of a kind match: exact, or a lower bound when there are more than `SEARCH_COUNT_CAP`. */
export interface SearchCount {
  count: number;
  /** False when counting stopped at `SEARCH_COUNT_CAP`: there are more (shown as "1000+"). */
  exact: boolean;
}

export interface SearchOptions {
  /** Kinds to look in (default all: tasks, notes, partners, persons, emails). */
  kinds?: SearchKind[];
  /** Hits per page, 1–50 (default 20). */
  limit?: number;
  /** The `nextCursor` of the previous page of the same query. */
  cursor?: string;
}

export interface SearchHit {
  kind: SearchKind;
  id: string;
  title: string;
  snippet: string | null;
  /** 1–4: how well the words match (4: every word is a whole word of the title). */
  score: number;
  /** When it happened: an e-mail's sent date, a note's time, else the record's last change; the newest rank first among equals. */
  at: Date;
  /** The task a task, note or e-mail belongs to. */
  taskId: string | null;
  partnerId: string | null;
}

export interface SearchResult {
  items: SearchHit[];
  nextCursor: string | null;
  /** Matches per kind the operator may read: exact up to `SEARCH_COUNT_CAP`, else that many and `exact: false`. */
  counts: Partial<Record<SearchKind, SearchCount>>;
  /** How many hits the ranking ordered: the newest `SEARCH_WINDOW` matches of each kind. */
  ranked: number;
}

type Rec = StoredRecord & Record<string, unknown>;

/** A word's weight: whole word of the title 4, start of a title word 3, whole other word 2, start of one 1. */
function score(tokens: string[], title: string[], other: string[]): number {
  let sum = 0;
  for (const q of tokens) {
    let best = 0;
    for (const t of title) best = Math.max(best, t === q ? 4 : t.startsWith(q) ? 3 : 0);
    if (best < 2) for (const t of other) best = Math.max(best, t === q ? 2 : t.startsWith(q) ? 1 : 0);
    sum += best;
  }
  return Math.round((sum / tokens.length) * 100) / 100;
}

interface Cursor {
  o: number;
  q: string;
  k: string;
}

function decode(cursor: string, q: string, k: string): number {
  let c: Partial<Cursor> | null = null;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    c = null;
  }
  if (!c || typeof c !== 'object' || c.q !== q || c.k !== k || !Number.isSafeInteger(c.o) || (c.o as number) < 0) {
    throw new RapportError('VALIDATION', 'search.cursor is not a cursor of this query (pass back nextCursor with the same text and kinds)', {
      details: { field: 'cursor' },
    });
  }
  return c.o as number;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/**
 * Full-text search across kinds as the acting operator: each kind's matches come from the store's
 * index through the operator's scoped store (decision 0151), ranked together by how well the words
 * match, newest first among equals.
 */
export function searchModule(ctx: Context) {
  return async function search(q: string, options: SearchOptions = {}): Promise<SearchResult> {
    const tokens = queryTokens(q);
    const kinds = options.kinds === undefined ? [...SEARCH_KINDS] : [...new Set(options.kinds.map((k, i) => v.oneOf(`search.kinds[${i}]`, k, SEARCH_KINDS)))];
    const limit = options.limit === undefined ? 20 : v.integer('search.limit', options.limit, { min: 1 });
    if (limit > SEARCH_MAX_LIMIT)
      throw new RapportError('VALIDATION', `search.limit is at most ${SEARCH_MAX_LIMIT} (got ${limit})`, { details: { field: 'limit' } });
    const key = { q: tokens.join(' '), k: kinds.join(',') };
    const offset = options.cursor === undefined ? 0 : decode(v.text('search.cursor', options.cursor, { max: 500 }), key.q, key.k);
    if (tokens.length === 0) return { items: [], nextCursor: null, counts: Object.fromEntries(kinds.map((k) => [k, { count: 0, exact: true }])), ranked: 0 };

    const filter = where.search(q);
    const reads = visibleReads(ctx);
    const hits: SearchHit[] = [];
    const counts: Partial<Record<SearchKind, SearchCount>> = {};
    for (const kind of kinds) {
      const def = KINDS[kind];
      const page = await reads.find<Rec>(def.collection, { where: filter, sort: [{ field: def.dateField, direction: 'desc' }], limit: SEARCH_WINDOW });
      // A window that holds every match is its own count; past it, count up to the cap and no further.
      const n = page.nextCursor ? await reads.count(def.collection, filter, { atMost: SEARCH_COUNT_CAP + 1 }) : page.items.length;
      counts[kind] = n > SEARCH_COUNT_CAP ? { count: SEARCH_COUNT_CAP, exact: false } : { count: n, exact: true };
      for (const r of page.items) {
        hits.push({
          kind,
          id: r.id,
          title: def.title(r),
          snippet: def.snippet(r),
          score: score(tokens, recordTokens(r, def.titleFields), recordTokens(r, def.otherFields)),
          at: def.shownAt ? def.shownAt(r) : (r[def.dateField] as Date),
          taskId: def.taskId(r),
          partnerId: def.partnerId(r),
        });
      }
    }
    const order = (k: SearchKind) => SEARCH_KINDS.indexOf(k);
    hits.sort((a, b) => b.score - a.score || b.at.getTime() - a.at.getTime() || order(a.kind) - order(b.kind) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const items = hits.slice(offset, offset + limit);
    const next = offset + limit < hits.length ? encode({ o: offset + limit, ...key }) : null;
    return { items, nextCursor: next, counts, ranked: hits.length };
  };
}
