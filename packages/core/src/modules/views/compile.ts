import { invalid } from '../../errors.js';
import { checkAggregate, checkFilter, checkPath, checkSort } from '../../store/check.js';
import { normalizeFilter, type Filter, type Scalar } from '../../store/filter.js';
import type { FieldDef, Schema } from '../../store/schema.js';
import type { GroupKey, Measure, SortField } from '../../store/store.js';
import * as v from '../../validate.js';
import { KINDS } from './catalog.js';
import { checkTimeZone, dateRange, relativeDate } from './relative.js';
import {
  DATE_RANGES,
  RELATIVE_DATES,
  VIEW_ICONS,
  VIEW_KINDS,
  type FormatRule,
  type ViewColumn,
  type ViewColumnInfo,
  type ViewFilter,
  type ViewSpec,
  type ViewStyle,
  type ViewValue,
} from './types.js';

/** What a view's relative values are resolved against when it runs. */
export interface RunEnv {
  now: Date;
  timeZone: string;
  actorId: string | null;
}

const MAX_LEAVES = 200;
const MAX_COLUMNS = 60;
const MAX_RULES = 20;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const MEASURE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Turns a view filter into a Store filter for one run: relative dates and `me` resolved, ISO
 * strings on date fields read as Dates, `within` expanded to a half-open range. Structure and
 * operator/type fit are checked here; value types by the store's own `checkFilter` after.
 */
export function compileFilter(schema: Schema, collection: string, filter: ViewFilter, env: RunEnv, path = 'view.filter'): Filter {
  let leaves = 0;
  const walk = (f: ViewFilter, at: string): Filter => {
    if (!isObject(f)) throw invalid(at, 'must be a filter object such as { op: "eq", field: "status", value: "open" }', f);
    switch (f.op) {
      case 'and':
      case 'or':
        if (!Array.isArray(f.filters)) throw invalid(`${at}.filters`, 'must be a list of filters', f.filters);
        return { op: f.op, filters: f.filters.map((c, i) => walk(c, `${at}.filters[${i}]`)) };
      case 'not':
        return { op: 'not', filter: walk(f.filter, `${at}.filter`) };
      default:
        break; // a leaf: below
    }
    if (++leaves > MAX_LEAVES) throw invalid(path, `has more than ${MAX_LEAVES} conditions`);
    // Full-text search over the kind's search fields (decision 0150): words, no field.
    if (f.op === 'search') {
      if (typeof f.value !== 'string') throw invalid(`${at}.value`, 'must be the words to search for', f.value);
      return { op: 'search', value: f.value };
    }
    const { def, jsonPath } = checkPath(schema, collection, (f as { field?: unknown }).field);
    const field = f.field;
    const isDate = def.type === 'date' && jsonPath.length === 0;
    const value = (x: ViewValue, where: string) => resolveValue(x, def, jsonPath.length > 0, env, where);
    switch (f.op) {
      case 'eq':
      case 'ne':
        return { op: f.op, field, value: value(f.value, `${at}.value`) };
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        if (jsonPath.length === 0 && (def.type === 'boolean' || def.type === 'json'))
          throw invalid(`${at}.op`, `${f.op} orders values; ${collection}.${field} is ${def.type}`, f.op);
        const x = value(f.value, `${at}.value`);
        if (x === null) throw invalid(`${at}.value`, `${f.op} needs a value, not null`);
        return { op: f.op, field, value: x };
      }
      case 'in':
        if (!Array.isArray(f.values)) throw invalid(`${at}.values`, 'must be a list', f.values);
        return { op: 'in', field, values: f.values.map((x, i) => value(x, `${at}.values[${i}]`)).filter((x): x is Scalar => x !== null) };
      case 'contains':
        return { op: 'contains', field, value: f.value, ignoreCase: f.ignoreCase === true };
      case 'isNull':
        return { op: 'isNull', field };
      case 'within': {
        if (!isDate) throw invalid(`${at}.op`, `within needs a date field; ${collection}.${field} is ${jsonPath.length ? 'inside JSON' : def.type}`, f.op);
        const range = v.oneOf(`${at}.range`, f.range, DATE_RANGES);
        const [from, to] = dateRange(range, env.now, env.timeZone);
        const parts: Filter[] = [];
        if (from) parts.push({ op: 'gte', field, value: from });
        if (to) parts.push({ op: 'lt', field, value: to });
        return { op: 'and', filters: parts };
      }
      default:
        throw invalid(`${at}.op`, 'must be one of eq, ne, lt, lte, gt, gte, in, contains, isNull, within, search, and, or, not', (f as { op?: unknown }).op);
    }
  };
  const out = walk(filter, path);
  checkFilter(schema, collection, normalizeFilter(out));
  return out;
}

function resolveValue(x: ViewValue, def: FieldDef, inJson: boolean, env: RunEnv, at: string): Scalar | null {
  if (isObject(x)) {
    if (x.$ === 'me') return env.actorId;
    if (!RELATIVE_DATES.includes(x.$ as never)) throw invalid(`${at}.$`, `must be me or one of ${RELATIVE_DATES.join(', ')}`, x.$);
    if (def.type !== 'date' || inJson) throw invalid(at, `a relative date compares with a date field, not ${def.type}`, x.$);
    const days = (x as { days?: unknown }).days ?? 0;
    if (typeof days !== 'number' || !Number.isInteger(days) || Math.abs(days) > 36_600) throw invalid(`${at}.days`, 'must be a whole number of days', days);
    return relativeDate(x.$ as never, env.now, env.timeZone, days);
  }
  if (typeof x === 'string' && def.type === 'date' && !inJson) return v.date(at, x);
  return x;
}

/** The type of a column: a field of the kind, or `relation.field` of a related record. */
export function columnType(schema: Schema, collection: string, field: string): { relation: string | null; def: FieldDef; path: string } {
  const [head, ...rest] = field.split('.');
  const relation = head !== undefined && Object.hasOwn(relations(collection), head) ? relations(collection)[head] : undefined;
  if (relation && rest.length > 0) {
    const { def, jsonPath } = checkPath(schema, relation.collection, rest.join('.'));
    return { relation: head!, def: jsonPath.length ? { type: 'json' } : def, path: rest.join('.') };
  }
  const { def, jsonPath } = checkPath(schema, collection, field);
  return { relation: null, def: jsonPath.length ? { type: 'json' } : def, path: field };
}

const relations = (collection: string) => Object.values(KINDS).find((k) => k.collection === collection)?.relations ?? {};

export function columnInfo(schema: Schema, collection: string, columns: ViewColumn[]): ViewColumnInfo[] {
  return columns.map((c) => ({ key: c.field, label: c.label ?? c.field, type: columnType(schema, collection, c.field).def.type }));
}

/**
 * Checks a whole view and returns it with only the keys a view has, so what is saved is what
 * was checked. Unknown fields, an operator that does not fit a field's type, a bad colour or
 * icon: VALIDATION naming the place in the view.
 */
export function checkSpec(schema: Schema, input: unknown, env: RunEnv): ViewSpec {
  if (!isObject(input)) throw invalid('view', 'must be an object with a kind', input);
  const kind = v.oneOf('view.kind', input.kind, VIEW_KINDS);
  const { collection } = KINDS[kind];
  const spec: ViewSpec = { kind };
  if (input.timeZone !== undefined) spec.timeZone = checkTimeZone('view.timeZone', input.timeZone);
  const runEnv = { ...env, timeZone: spec.timeZone ?? env.timeZone };
  if (input.filter !== undefined) {
    compileFilter(schema, collection, input.filter as ViewFilter, runEnv);
    spec.filter = structuredClone(input.filter as ViewFilter);
  }
  if (input.sort !== undefined) {
    if (!Array.isArray(input.sort)) throw invalid('view.sort', 'must be a list of { field, direction }', input.sort);
    checkSort(schema, collection, input.sort as SortField[]);
    spec.sort = (input.sort as SortField[]).map((s) => ({ field: s.field, ...(s.direction ? { direction: s.direction } : {}) }));
  }
  if (input.groupBy !== undefined || input.measures !== undefined) {
    const measures = (input.measures ?? {}) as Record<string, Measure>;
    if (!isObject(measures)) throw invalid('view.measures', 'must be an object of named measures', measures);
    for (const name of Object.keys(measures)) {
      if (!MEASURE_NAME.test(name) || name === 'count')
        throw invalid('view.measures', 'names are letters, digits and _ (and not count, which is always there)', name);
    }
    checkAggregate(schema, collection, { groupBy: input.groupBy as GroupKey[], measures });
    if (input.groupBy !== undefined) spec.groupBy = structuredClone(input.groupBy as GroupKey[]);
    if (Object.keys(measures).length > 0) spec.measures = structuredClone(measures);
  }
  if (input.columns !== undefined) spec.columns = checkColumns(schema, collection, input.columns);
  if (input.formats !== undefined) spec.formats = checkFormats(schema, collection, input.formats, runEnv);
  return spec;
}

function checkColumns(schema: Schema, collection: string, columns: unknown): ViewColumn[] {
  if (!Array.isArray(columns) || columns.length === 0 || columns.length > MAX_COLUMNS)
    throw invalid('view.columns', `must be a list of 1 to ${MAX_COLUMNS} columns`, columns);
  return columns.map((c: unknown, i) => {
    const field = isObject(c) ? c.field : c;
    if (typeof field !== 'string') throw invalid(`view.columns[${i}].field`, 'must be a field path such as dueAt or partner.name', field);
    columnType(schema, collection, field);
    const label = isObject(c) && c.label !== undefined ? v.text(`view.columns[${i}].label`, c.label, { max: 200 }) : undefined;
    return label === undefined ? { field } : { field, label };
  });
}

function checkFormats(schema: Schema, collection: string, formats: unknown, env: RunEnv): FormatRule[] {
  if (!Array.isArray(formats) || formats.length > MAX_RULES) throw invalid('view.formats', `must be a list of at most ${MAX_RULES} rules`, formats);
  return formats.map((r: unknown, i) => {
    const at = `view.formats[${i}]`;
    if (!isObject(r) || !isObject(r.style)) throw invalid(at, 'must be { when: filter, style: { color, background, bold, italic, icon } }', r);
    compileFilter(schema, collection, r.when as ViewFilter, env, `${at}.when`);
    const style: ViewStyle = {};
    for (const [key, value] of Object.entries(r.style)) {
      if (key === 'color' || key === 'background') {
        if (typeof value !== 'string' || !COLOR.test(value)) throw invalid(`${at}.style.${key}`, 'must be a colour such as #c00000', value);
        style[key] = value.toLowerCase();
      } else if (key === 'bold' || key === 'italic') style[key] = v.boolean(`${at}.style.${key}`, value);
      else if (key === 'icon') style.icon = v.oneOf(`${at}.style.icon`, value, VIEW_ICONS);
      else throw invalid(`${at}.style`, 'takes color, background, bold, italic and icon only', key);
    }
    const name = r.name === undefined ? undefined : v.text(`${at}.name`, r.name, { max: 100 });
    return { ...(name ? { name } : {}), when: structuredClone(r.when as ViewFilter), style };
  });
}
