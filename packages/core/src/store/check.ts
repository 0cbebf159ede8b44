import { RapportError } from '../errors.js';
import { GRANT_KINDS, GRANTS_COLLECTION, READABLE_COLLECTIONS, type NormalFilter, type Scalar } from './filter.js';
import type { FieldDef, Schema } from './schema.js';
import type { AggregateQuery, SortField } from './store.js';

/**
 * The checks every store runs on a query before it reads: field paths that exist (own fields of
 * the schema, never `constructor` or `__proto__` through a prototype), values of the field's
 * type, and aggregate functions and granularities from a closed list. A store that compiles to
 * SQL relies on them, so nothing a caller passes reaches SQL except as a bound parameter.
 */

/** The aggregate functions a measure may use; nothing else reaches a store. */
export const MEASURE_FNS = ['count', 'sum', 'min', 'max', 'avg'] as const;
/** The date granularities a group key may use. */
export const GRANULARITIES = ['day', 'month', 'year'] as const;

/** A key inside a JSON field: a name (as custom field names are), never an array index. */
const JSON_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

const fail = (message: string, field?: string) => new RapportError('VALIDATION', message, field ? { details: { field } } : {});

/** The field a path names: a schema field, or a key path inside a JSON field. */
export function checkPath(schema: Schema, collection: string, path: unknown): { def: FieldDef; jsonPath: string[] } {
  if (typeof path !== 'string' || path === '') throw fail(`${collection}: a field path must be a non-empty string (got ${JSON.stringify(path)})`);
  let resolved;
  try {
    resolved = schema.field(collection, path);
  } catch (cause) {
    throw new RapportError('VALIDATION', `${collection}: ${(cause as Error).message}`, { cause, details: { field: path } });
  }
  for (const key of resolved.jsonPath) {
    if (!JSON_KEY.test(key))
      throw fail(
        `${collection}.${path}: ${JSON.stringify(key)} is not a valid key inside a JSON field (letters, digits, _ and -, starting with a letter or _)`,
        path,
      );
  }
  return resolved;
}

const show = (v: unknown) => (v instanceof Date ? (Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()) : (JSON.stringify(v) ?? String(v)));

/** True when `v` is a value the filter language can compare: text, a finite number, a boolean, a valid Date. */
function isScalar(v: unknown): v is Scalar {
  if (v instanceof Date) return !Number.isNaN(v.getTime());
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Whether a comparison value fits a column of this type (JSON keys take any scalar). */
function fits(def: FieldDef, jsonPath: string[], v: unknown): boolean {
  if (!isScalar(v)) return false;
  if (jsonPath.length > 0) return true;
  switch (def.type) {
    case 'string':
    case 'text':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return v instanceof Date;
    case 'json':
      return false;
  }
}

function typeName(def: FieldDef, jsonPath: string[]): string {
  if (jsonPath.length > 0) return 'a string, finite number, boolean or valid Date';
  return {
    string: 'a string',
    text: 'a string',
    integer: 'a whole number',
    float: 'a finite number',
    boolean: 'true or false',
    date: 'a valid Date',
    json: 'not comparable as a whole (compare a key inside it)',
  }[def.type];
}

/** Checks a normalised filter against the schema: known fields, values of the field's type. */
export function checkFilter(schema: Schema, collection: string, f: NormalFilter): void {
  switch (f.op) {
    case 'true':
    case 'false':
      return;
    case 'and':
    case 'or':
      for (const c of f.filters) checkFilter(schema, collection, c);
      return;
    case 'search':
    case 'notSearch':
      if (!schema.collection(collection).search?.length) throw fail(`${collection} has no full-text search fields: search is for ${searchable(schema)}`);
      return;
    case 'granted':
    case 'notGranted':
      return checkGranted(schema, collection, f);
    case 'readable':
    case 'notReadable':
      return checkReadable(schema, collection, f);
    default:
      break; // a leaf: below
  }
  const { def, jsonPath } = checkPath(schema, collection, f.field);
  const where = `${collection}.${f.field}`;
  switch (f.op) {
    case 'isNull':
    case 'isNotNull':
      return;
    case 'contains':
    case 'notContains':
      if (typeof f.value !== 'string') throw fail(`contains on ${where} needs a string (got ${show(f.value)})`, f.field);
      if (jsonPath.length === 0 && def.type !== 'string' && def.type !== 'text') throw fail(`contains needs a text field; ${where} is ${def.type}`, f.field);
      return;
    case 'in':
    case 'notIn':
      if (!Array.isArray(f.values)) throw fail(`in on ${where} needs a list of values`, f.field);
      for (const v of f.values) if (!fits(def, jsonPath, v)) throw fail(`${where} is compared with ${typeName(def, jsonPath)} (got ${show(v)})`, f.field);
      return;
    default:
      if (!fits(def, jsonPath, f.value)) throw fail(`${where} is compared with ${typeName(def, jsonPath)} (got ${show(f.value)})`, f.field);
  }
}

/** A grant lookup: a text id field, a kind and level from closed lists, principal keys as strings, and a schema with grant rows. */
function checkGranted(schema: Schema, collection: string, f: Extract<NormalFilter, { op: 'granted' | 'notGranted' }>): void {
  const { def, jsonPath } = checkPath(schema, collection, f.field);
  const where = `${collection}.${f.field}`;
  if (jsonPath.length > 0 || (def.type !== 'string' && def.type !== 'text')) throw fail(`granted needs a text id field; ${where} is not one`, f.field);
  if (!(GRANT_KINDS as readonly unknown[]).includes(f.kind))
    throw fail(`granted on ${where}: kind must be one of ${GRANT_KINDS.join(', ')} (got ${show(f.kind)})`, f.field);
  if (f.level !== 'read' && f.level !== 'edit') throw fail(`granted on ${where}: level must be read or edit (got ${show(f.level)})`, f.field);
  if (!Array.isArray(f.principals) || !f.principals.every((k) => typeof k === 'string'))
    throw fail(`granted on ${where}: principals must be a list of strings`, f.field);
  if (!schema.collections.some((c) => c.name === GRANTS_COLLECTION))
    throw fail(`granted on ${where}: this schema has no ${GRANTS_COLLECTION} collection`, f.field);
}

/** A parent lookup: a text id field, another collection from the closed list, a filter valid on that collection. */
function checkReadable(schema: Schema, collection: string, f: Extract<NormalFilter, { op: 'readable' | 'notReadable' }>): void {
  const { def, jsonPath } = checkPath(schema, collection, f.field);
  const where = `${collection}.${f.field}`;
  if (jsonPath.length > 0 || (def.type !== 'string' && def.type !== 'text')) throw fail(`readable needs a text id field; ${where} is not one`, f.field);
  if (!(READABLE_COLLECTIONS as readonly unknown[]).includes(f.collection) || f.collection === collection)
    throw fail(
      `readable on ${where}: collection must be one of ${READABLE_COLLECTIONS.join(', ')} other than ${collection} (got ${show(f.collection)})`,
      f.field,
    );
  if (!schema.collections.some((c) => c.name === f.collection)) throw fail(`readable on ${where}: this schema has no ${f.collection} collection`, f.field);
  checkFilter(schema, f.collection, f.filter);
}

const searchable = (schema: Schema) =>
  schema.collections
    .filter((c) => c.search?.length)
    .map((c) => c.name)
    .join(', ');

/** Checks sort fields: known fields of the schema, directions `asc` or `desc`. */
export function checkSort(schema: Schema, collection: string, sort: SortField[] | undefined): void {
  for (const s of sort ?? []) {
    const { def, jsonPath } = checkPath(schema, collection, s?.field);
    if (def.type === 'json' && jsonPath.length === 0) throw fail(`${collection}.${s.field} is JSON: sort by a key inside it`, s.field);
    if (s.direction !== undefined && s.direction !== 'asc' && s.direction !== 'desc')
      throw fail(`sort direction must be asc or desc (got ${show(s.direction)})`, s.field);
  }
}

/** Checks a `select`: top-level fields of the collection (no JSON paths), at least one. */
export function checkSelect(schema: Schema, collection: string, select: readonly string[] | undefined): void {
  if (select === undefined) return;
  if (!Array.isArray(select) || select.length === 0) throw fail(`select must list at least one field of ${collection}`);
  for (const field of select) {
    if (typeof field !== 'string' || field.includes('.')) throw fail(`select takes top-level fields of ${collection} (got ${show(field)})`, String(field));
    checkPath(schema, collection, field);
  }
}

/** The fields a `select` reads: the selected ones, `id` and the sort's top-level fields; null for all. */
export function selectedFields(select: readonly string[] | undefined, sort: ReadonlyArray<{ field: string }>): Set<string> | null {
  if (select === undefined) return null;
  const out = new Set(select);
  out.add('id');
  for (const s of sort) out.add(s.field.split('.')[0]!);
  return out;
}

/**
 * Checks an aggregate query: measure functions and date granularities from the closed lists,
 * measure fields numeric columns, group fields known (a date granularity only on a date field).
 */
export function checkAggregate(schema: Schema, collection: string, query: AggregateQuery): void {
  if (!query || typeof query.measures !== 'object' || query.measures === null) throw fail('aggregate needs measures, e.g. { n: { fn: "count" } }');
  for (const [name, m] of Object.entries(query.measures)) {
    const fn: unknown = m?.fn;
    if (!MEASURE_FNS.includes(fn as (typeof MEASURE_FNS)[number])) throw fail(`measure ${name}: fn must be one of ${MEASURE_FNS.join(', ')} (got ${show(fn)})`);
    if (fn === 'count') continue;
    const field = (m as { field?: unknown }).field;
    const { def, jsonPath } = checkPath(schema, collection, field);
    if (jsonPath.length > 0 || (def.type !== 'integer' && def.type !== 'float')) {
      throw fail(
        `measure ${name}: ${fn} needs a number field; ${collection}.${String(field)} is ${jsonPath.length > 0 ? 'inside JSON' : def.type}`,
        String(field),
      );
    }
  }
  if (query.groupBy !== undefined && !Array.isArray(query.groupBy)) throw fail('aggregate groupBy must be a list');
  for (const key of query.groupBy ?? []) {
    if (typeof key === 'string') {
      const { def, jsonPath } = checkPath(schema, collection, key);
      if (def.type === 'json' && jsonPath.length === 0) throw fail(`${collection}.${key} is JSON: group by a key inside it`, key);
      continue;
    }
    const { def, jsonPath } = checkPath(schema, collection, key?.field);
    if (!GRANULARITIES.includes(key.granularity))
      throw fail(`group ${key.field}: granularity must be one of ${GRANULARITIES.join(', ')} (got ${show(key.granularity)})`, key.field);
    if (def.type !== 'date' || jsonPath.length > 0)
      throw fail(`group ${key.field}: a granularity needs a date field; ${collection}.${key.field} is ${def.type}`, key.field);
  }
  if (query.where !== undefined && (typeof query.where !== 'object' || query.where === null)) throw fail('aggregate where must be a filter');
}
