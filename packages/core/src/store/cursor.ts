import { RapportError } from '../errors.js';
import { checkFilter } from './check.js';
import { compareScalars, normalizeFilter, readPath, type Filter, type Scalar } from './filter.js';
import type { Schema } from './schema.js';
import { DEFAULT_LIMIT, MAX_LIMIT, type FindQuery, type SortField } from './store.js';

/**
 * Keyset pagination shared by every store: a cursor holds the sort values of the last record
 * seen, and the next page is "records after those values" expressed as an ordinary filter, so
 * each adapter only has to compile filters. A null sorts after every value: last ascending,
 * first descending (PostgreSQL's default, so one index serves both directions; decision 0175).
 */
export interface ResolvedSort {
  field: string;
  desc: boolean;
}

export function resolveSort(sort: SortField[] | undefined): ResolvedSort[] {
  const fields = (sort ?? []).filter((s) => s.field !== 'id').map((s) => ({ field: s.field, desc: s.direction === 'desc' }));
  const last = fields.at(-1);
  return [...fields, { field: 'id', desc: last?.desc ?? false }];
}

export function resolveLimit(query: FindQuery | undefined): number {
  const limit = query?.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RapportError('VALIDATION', `limit must be a whole number from 1 to ${MAX_LIMIT} (got ${limit})`);
  }
  return limit;
}

type CursorValue = string | number | boolean | null | { d: number };

/**
 * The cursor's format: `{ n: 'last', k: values }`. The marker says nulls sort last ascending;
 * a cursor of the earlier format (a bare array, nulls first) would place its page in the other
 * order, so it is refused rather than silently skipping or repeating the undated rows.
 */
const NULLS_LAST = 'last';

export function encodeCursor(sort: ResolvedSort[], record: Record<string, unknown>): string {
  const values: CursorValue[] = sort.map((s) => {
    const v = readPath(record, s.field);
    if (v === undefined || v === null) return null;
    if (v instanceof Date) return { d: v.getTime() };
    return v as CursorValue;
  });
  return Buffer.from(JSON.stringify({ n: NULLS_LAST, k: values }), 'utf8').toString('base64url');
}

export function decodeCursor(sort: ResolvedSort[], cursor: string): Array<Scalar | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new RapportError('VALIDATION', `cursor ${JSON.stringify(cursor.slice(0, 40))} is not a valid cursor`, { cause });
  }
  if (Array.isArray(parsed)) {
    throw new RapportError('VALIDATION', 'cursor was made before empty values sorted last (an older Rapport version): read the list again from its first page');
  }
  const foreign = () => new RapportError('VALIDATION', `cursor does not belong to this sort order (${sort.map((s) => s.field).join(', ')})`);
  const values = typeof parsed === 'object' && parsed !== null && (parsed as { n?: unknown }).n === NULLS_LAST ? (parsed as { k?: unknown }).k : undefined;
  if (!Array.isArray(values) || values.length !== sort.length) throw foreign();
  // A forged cursor holds anything JSON can: only what encodeCursor writes is accepted.
  return values.map((v: unknown) => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && Number.isSafeInteger((v as { d?: unknown }).d)) {
      const date = new Date((v as { d: number }).d);
      if (!Number.isNaN(date.getTime())) return date;
    }
    throw foreign();
  });
}

/** The filter "strictly after the cursor position" for the given sort. */
export function afterCursor(sort: ResolvedSort[], values: Array<Scalar | null>): Filter {
  const branches: Filter[] = [];
  for (let i = 0; i < sort.length; i++) {
    const equalBefore: Filter[] = sort.slice(0, i).map((s, j) => equalTo(s.field, values[j] ?? null));
    const s = sort[i]!;
    const after = strictlyAfter(s, values[i] ?? null);
    if (after) branches.push({ op: 'and', filters: [...equalBefore, after] });
  }
  return { op: 'or', filters: branches };
}

function equalTo(field: string, value: Scalar | null): Filter {
  return value === null ? { op: 'isNull', field } : { op: 'eq', field, value };
}

function strictlyAfter(s: ResolvedSort, value: Scalar | null): Filter | null {
  // A null is above every value: after it ascending comes nothing; descending, every value.
  if (s.desc) {
    if (value === null) return { op: 'not', filter: { op: 'isNull', field: s.field } };
    return { op: 'lt', field: s.field, value };
  }
  if (value === null) return null;
  return {
    op: 'or',
    filters: [
      { op: 'gt', field: s.field, value },
      { op: 'isNull', field: s.field },
    ],
  };
}

/** Compares two records by a resolved sort (nulls last ascending, first descending). */
export function compareBySort(sort: ResolvedSort[], a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const s of sort) {
    const x = readPath(a, s.field);
    const y = readPath(b, s.field);
    const xn = x === null || x === undefined;
    const yn = y === null || y === undefined;
    let c = 0;
    if (xn || yn) c = xn === yn ? 0 : xn ? 1 : -1;
    else c = compareScalars(x, y);
    if (c !== 0) return s.desc ? -c : c;
  }
  return 0;
}

/**
 * The "after this cursor" filter of a query, checked against the schema: a cursor that was
 * forged or made for another collection or sort is VALIDATION, never a database error.
 */
export function cursorFilter(schema: Schema, collection: string, sort: ResolvedSort[], cursor: string): Filter {
  const filter = afterCursor(sort, decodeCursor(sort, cursor));
  try {
    checkFilter(schema, collection, normalizeFilter(filter));
  } catch (cause) {
    throw new RapportError('VALIDATION', `cursor does not belong to this query on ${collection} (sort ${sort.map((s) => s.field).join(', ')})`, { cause });
  }
  return filter;
}
