import { RapportError } from '../errors.js';
import { matchesSearch, queryTokens } from './search.js';

/**
 * The filter language every store compiles itself. Field paths are record field names, or
 * `jsonField.key.subkey` into a JSON field (custom fields).
 *
 * Semantics (two-valued, the same in every store):
 * - a comparison (`eq` with a non-null value, `lt`, `lte`, `gt`, `gte`, `in`, `contains`) is
 *   false when the field is null or missing;
 * - `eq` with `null` is `isNull`; `ne` is "is distinct from": `ne(f, 'x')` holds when f is null;
 * - `not` negates exactly, so `not(eq(f, 'x'))` holds when f is null.
 *
 * Types (checked by `checkFilter` before any store reads):
 * - a field path names an own field of the schema (`constructor`, `__proto__`, `toString` are
 *   unknown fields: VALIDATION), then keys inside a JSON field (letters, digits, `_`, `-`,
 *   starting with a letter or `_`: never an array index);
 * - a column is compared only with values of its type (a string field with strings, an integer
 *   with whole numbers, a date with Dates...; anything else is VALIDATION), so no store converts
 *   `'10'` to `10` or the reverse;
 * - inside JSON the type is the stored value's: a string matches only JSON strings, a number
 *   only numbers, a boolean only booleans, and a Date is compared as its ISO 8601 text with
 *   strings. A comparison between different types is false like one with null (so `ne`,
 *   `not in` and `not contains` hold); `contains` holds for strings only.
 * `search` is full-text search over the collection's declared search fields (search.ts).
 * `granted` holds when a row of `shares` (core's grants: kind, recordId, principal, level) grants
 * the record whose id is in `field` to one of `principals`, at `level` or above (`edit` > `read`):
 * access rules test "shared with me" in the same query, as an indexed lookup per row rather than
 * a list of every id shared with the operator (decision 0112). The grant table is a closed name.
 * `readable` holds when `field` names a row of `collection` (a closed list: partners,
 * opportunities) that `filter` (over that collection's fields) admits: rows of a partner or an
 * opportunity are visible when it is, tested in the same query as a sub-select rather than a list
 * of every readable parent id (decision 0105). A null field names no row, so `not` holds for it.
 * `normalizeFilter` pushes every `not` down to the leaves, which lets SQL stores compile each
 * leaf with plain, index-friendly operators and still give these answers.
 */
export type Scalar = string | number | boolean | Date;

/** The record kinds a grant row can name: a closed list, checked before any store reads. */
export const GRANT_KINDS = ['tasks', 'partners', 'opportunities'] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];
/** The collections a `readable` leaf may look rows up in: a closed list, checked before any store reads. */
export const READABLE_COLLECTIONS = ['partners', 'opportunities'] as const;
export type ReadableCollection = (typeof READABLE_COLLECTIONS)[number];
/**
 * Answers a `readable` leaf for one id, for stores that evaluate filters in memory: whether the
 * row of `collection` with this id exists and `filter` admits it.
 */
export type RowLookup = (collection: ReadableCollection, id: string, filter: NormalFilter) => boolean;
/** A grant's level; `edit` includes `read`. */
export type GrantLevel = 'read' | 'edit';
/** The collection grant rows live in (core's `shares`). */
export const GRANTS_COLLECTION = 'shares';

/**
 * Answers a `granted` leaf for one record id, for stores and callers that evaluate filters in
 * memory: the memory store reads its grant rows, core's access engine a principal's.
 */
export type GrantLookup = (kind: GrantKind, recordId: string, principals: readonly string[], level: GrantLevel) => boolean;

export type Filter =
  | { op: 'eq'; field: string; value: Scalar | null }
  | { op: 'ne'; field: string; value: Scalar | null }
  | { op: 'lt' | 'lte' | 'gt' | 'gte'; field: string; value: Scalar }
  | { op: 'in'; field: string; values: Scalar[] }
  | { op: 'contains'; field: string; value: string; ignoreCase?: boolean }
  | { op: 'isNull'; field: string }
  /** Full-text search over the collection's search fields (`CollectionDef.search`; semantics in search.ts). */
  | { op: 'search'; value: string }
  /** A grant row gives the record `field` names to one of `principals` (`o:<operator>`, `g:<group>`). */
  | { op: 'granted'; field: string; kind: GrantKind; principals: string[]; level: GrantLevel }
  /** `field` names a row of `collection` that `filter` admits (a parent's access rule). */
  | { op: 'readable'; field: string; collection: ReadableCollection; filter: Filter }
  | { op: 'and' | 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter };

/** Leaves after normalisation: no `not`, and the negated forms made explicit. */
export type NormalFilter =
  | { op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'; field: string; value: Scalar }
  | { op: 'in' | 'notIn'; field: string; values: Scalar[] }
  | { op: 'contains' | 'notContains'; field: string; value: string; ignoreCase: boolean }
  | { op: 'isNull' | 'isNotNull'; field: string }
  /** Folded query tokens, never empty (a query without tokens folds to `false`, its negation to `true`). */
  | { op: 'search' | 'notSearch'; tokens: string[] }
  | { op: 'granted' | 'notGranted'; field: string; kind: GrantKind; principals: string[]; level: GrantLevel }
  | { op: 'readable' | 'notReadable'; field: string; collection: ReadableCollection; filter: NormalFilter }
  | { op: 'and' | 'or'; filters: NormalFilter[] }
  | { op: 'true' | 'false' };

/** Builders that read like the query: `where.and(where.eq('status', 'open'), where.lt('dueAt', now))`. */
export const where = {
  eq: (field: string, value: Scalar | null): Filter => ({ op: 'eq', field, value }),
  ne: (field: string, value: Scalar | null): Filter => ({ op: 'ne', field, value }),
  lt: (field: string, value: Scalar): Filter => ({ op: 'lt', field, value }),
  lte: (field: string, value: Scalar): Filter => ({ op: 'lte', field, value }),
  gt: (field: string, value: Scalar): Filter => ({ op: 'gt', field, value }),
  gte: (field: string, value: Scalar): Filter => ({ op: 'gte', field, value }),
  in: (field: string, values: Scalar[]): Filter => ({ op: 'in', field, values }),
  contains: (field: string, value: string, ignoreCase = false): Filter => ({ op: 'contains', field, value, ignoreCase }),
  isNull: (field: string): Filter => ({ op: 'isNull', field }),
  search: (value: string): Filter => ({ op: 'search', value }),
  granted: (field: string, kind: GrantKind, principals: string[], level: GrantLevel): Filter => ({ op: 'granted', field, kind, principals, level }),
  readable: (field: string, collection: ReadableCollection, filter: Filter): Filter => ({ op: 'readable', field, collection, filter }),
  and: (...filters: Array<Filter | undefined>): Filter => ({ op: 'and', filters: filters.filter(isFilter) }),
  or: (...filters: Array<Filter | undefined>): Filter => ({ op: 'or', filters: filters.filter(isFilter) }),
  not: (filter: Filter): Filter => ({ op: 'not', filter }),
};

const isFilter = (f: Filter | undefined): f is Filter => f !== undefined;

/** Negation normal form with constant folding; the form adapters compile. */
export function normalizeFilter(filter: Filter | undefined): NormalFilter {
  if (!filter) return { op: 'true' };
  return simplify(nnf(filter, false));
}

function nnf(f: Filter, negate: boolean): NormalFilter {
  switch (f.op) {
    case 'and':
    case 'or': {
      const op = (f.op === 'and') !== negate ? 'and' : 'or';
      return { op, filters: f.filters.map((c) => nnf(c, negate)) };
    }
    case 'not':
      return nnf(f.filter, !negate);
    case 'isNull':
      return { op: negate ? 'isNotNull' : 'isNull', field: f.field };
    case 'eq':
    case 'ne': {
      const positive = (f.op === 'eq') !== negate;
      if (f.value === null) return { op: positive ? 'isNull' : 'isNotNull', field: f.field };
      return { op: positive ? 'eq' : 'ne', field: f.field, value: f.value };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (!negate) return { op: f.op, field: f.field, value: f.value };
      const flipped = ({ lt: 'gte', lte: 'gt', gt: 'lte', gte: 'lt' } as const)[f.op];
      return {
        op: 'or',
        filters: [
          { op: flipped, field: f.field, value: f.value },
          { op: 'isNull', field: f.field },
        ],
      };
    }
    case 'in':
      return { op: negate ? 'notIn' : 'in', field: f.field, values: [...f.values] };
    case 'contains':
      return { op: negate ? 'notContains' : 'contains', field: f.field, value: f.value, ignoreCase: f.ignoreCase ?? false };
    case 'granted':
      if (!Array.isArray(f.principals) || f.principals.length === 0) return { op: negate ? 'true' : 'false' };
      return { op: negate ? 'notGranted' : 'granted', field: f.field, kind: f.kind, principals: [...f.principals], level: f.level };
    case 'readable': {
      const inner = normalizeFilter(f.filter);
      if (inner.op === 'false') return { op: negate ? 'true' : 'false' };
      return { op: negate ? 'notReadable' : 'readable', field: f.field, collection: f.collection, filter: inner };
    }
    case 'search': {
      const tokens = queryTokens(f.value);
      if (tokens.length === 0) return { op: negate ? 'true' : 'false' };
      return { op: negate ? 'notSearch' : 'search', tokens };
    }
    default:
      throw new RapportError('VALIDATION', `unknown filter operator ${JSON.stringify((f as { op?: unknown }).op)}`);
  }
}

function simplify(f: NormalFilter): NormalFilter {
  if (f.op === 'in' && f.values.length === 0) return { op: 'false' };
  if (f.op === 'notIn' && f.values.length === 0) return { op: 'true' };
  if (f.op !== 'and' && f.op !== 'or') return f;
  const unit = f.op === 'and' ? 'true' : 'false';
  const absorbing = f.op === 'and' ? 'false' : 'true';
  const out: NormalFilter[] = [];
  for (const child of f.filters.map(simplify)) {
    if (child.op === absorbing) return { op: absorbing };
    if (child.op === unit) continue;
    if (child.op === f.op) out.push(...child.filters);
    else out.push(child);
  }
  const kept = f.op === 'and' ? withoutImplied(out) : out;
  if (kept.length === 0) return { op: unit };
  return kept.length === 1 ? kept[0]! : { op: f.op, filters: kept };
}

const sameScalar = (a: Scalar, b: Scalar) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * Drops from a conjunction every `or` that one of its `eq` siblings already makes true: with
 * `ownerId = X` beside it, `(private = false OR ownerId IN (X) OR …)` holds for every row. An
 * access rule AND-ed into an operator's own list is such an `or`; without it the database
 * checks it on every row of a count.
 */
function withoutImplied(filters: NormalFilter[]): NormalFilter[] {
  const known = filters.flatMap((c) => (c.op === 'eq' ? [c] : []));
  if (known.length === 0) return filters;
  const implied = (c: NormalFilter) =>
    known.some(
      (k) =>
        c.op !== 'and' &&
        c.op !== 'or' &&
        'field' in c &&
        c.field === k.field &&
        (c.op === 'eq' ? sameScalar(c.value, k.value) : c.op === 'in' && c.values.some((v) => sameScalar(v, k.value))),
    );
  return filters.filter((c) => !(c.op === 'or' && c.filters.some(implied)));
}

/** Every field path a filter mentions (for validation against the schema). */
export function filterFields(f: NormalFilter): string[] {
  if (f.op === 'and' || f.op === 'or') return f.filters.flatMap(filterFields);
  return 'field' in f ? [f.field] : [];
}

/**
 * Reads a (possibly dotted JSON) path from a record: own properties only, never into an array
 * or through a prototype, as SQL reads a JSON key.
 */
export function readPath(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Orders two scalar values: numbers, strings (by code unit), booleans, dates. */
export function compareScalars(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === 'boolean' || typeof y === 'boolean') return Number(x) - Number(y);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const s = String(x);
  const t = String(y);
  return s < t ? -1 : s > t ? 1 : 0;
}

const isNullish = (v: unknown) => v === null || v === undefined;

/**
 * Orders a stored value against a filter value of the same type; null when the types differ
 * (the comparison is then false, as with null). A Date compares with a string as ISO text.
 */
function compareTyped(stored: unknown, value: Scalar): number | null {
  if (value instanceof Date) {
    if (stored instanceof Date) return stored.getTime() - value.getTime();
    return typeof stored === 'string' ? compareScalars(stored, value.toISOString()) : null;
  }
  if (typeof stored !== typeof value || stored instanceof Date) return null;
  return compareScalars(stored, value);
}

const equal = (stored: unknown, value: Scalar) => compareTyped(stored, value) === 0;

/**
 * Evaluates a normalised filter against an in-memory record (the memory store's engine);
 * `searchFields` are the collection's full-text fields (none: `search` matches nothing);
 * `grants` answers `granted` leaves and `rows` `readable` ones (a filter with one and no lookup is
 * a programming error).
 */
export function matches(
  record: Record<string, unknown>,
  f: NormalFilter,
  searchFields: readonly string[] = [],
  grants?: GrantLookup,
  rows?: RowLookup,
): boolean {
  switch (f.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return f.filters.every((c) => matches(record, c, searchFields, grants, rows));
    case 'or':
      return f.filters.some((c) => matches(record, c, searchFields, grants, rows));
    case 'readable':
    case 'notReadable': {
      if (!rows) throw new RapportError('VALIDATION', `a readable filter on ${f.field} needs a row lookup to be evaluated in memory`);
      const id = readPath(record, f.field);
      const held = typeof id === 'string' && rows(f.collection, id, f.filter);
      return f.op === 'readable' ? held : !held;
    }
    case 'granted':
    case 'notGranted': {
      if (!grants) throw new RapportError('VALIDATION', `a granted filter on ${f.field} needs a grant lookup to be evaluated in memory`);
      const id = readPath(record, f.field);
      const held = typeof id === 'string' && grants(f.kind, id, f.principals, f.level);
      return f.op === 'granted' ? held : !held;
    }
    case 'search':
      return matchesSearch(record, searchFields, f.tokens);
    case 'notSearch':
      return !matchesSearch(record, searchFields, f.tokens);
    case 'isNull':
      return isNullish(readPath(record, f.field));
    case 'isNotNull':
      return !isNullish(readPath(record, f.field));
    default:
      break; // a comparison: below
  }
  const v = readPath(record, f.field);
  switch (f.op) {
    case 'ne':
      return !equal(v, f.value);
    case 'notIn':
      return !f.values.some((x) => equal(v, x));
    case 'notContains':
      return !containsText(v, f.value, f.ignoreCase);
    case 'in':
      return f.values.some((x) => equal(v, x));
    case 'contains':
      return containsText(v, f.value, f.ignoreCase);
    default:
      break; // an ordering: below
  }
  const c = isNullish(v) ? null : compareTyped(v, f.value);
  if (c === null) return false;
  switch (f.op) {
    case 'eq':
      return c === 0;
    case 'lt':
      return c < 0;
    case 'lte':
      return c <= 0;
    case 'gt':
      return c > 0;
    case 'gte':
      return c >= 0;
  }
}

function containsText(v: unknown, needle: string, ignoreCase: boolean): boolean {
  if (typeof v !== 'string') return false;
  return ignoreCase ? v.toLowerCase().includes(needle.toLowerCase()) : v.includes(needle);
}
