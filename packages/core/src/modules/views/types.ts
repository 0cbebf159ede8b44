import type { StoredRecord } from '../../store/schema.js';
import type { AggregateRow, GroupKey, Measure, SortField } from '../../store/store.js';

/** The record kinds a view lists; `stages` are the stages (etapy) of every task. */
export const VIEW_KINDS = ['tasks', 'stages', 'partners', 'persons', 'opportunities', 'offers', 'emails', 'campaign_members'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];

/** A moment relative to when the view runs, in the view's time zone; weeks start on Monday. */
export const RELATIVE_DATES = ['now', 'today', 'tomorrow', 'yesterday', 'weekStart', 'nextWeekStart', 'monthStart', 'nextMonthStart'] as const;
export type RelativeDate = (typeof RELATIVE_DATES)[number];

/** Ranges for `within`: each is [start, end) in the view's time zone (`past` and `future` are open on one side). */
export const DATE_RANGES = ['today', 'tomorrow', 'yesterday', 'thisWeek', 'nextWeek', 'lastWeek', 'thisMonth', 'past', 'future'] as const;
export type DateRange = (typeof DATE_RANGES)[number];

/**
 * A value inside a saved view: JSON only, so it is stored as given. A string compared with a
 * date field is read as an ISO 8601 date; `{ $: 'me' }` is the operator running the view;
 * `{ $: 'today', days: -7 }` is a date relative to the run.
 */
export type ViewValue = string | number | boolean | null | { $: 'me' } | { $: RelativeDate; days?: number };

/** The filter of a view: the Store's filter AST over JSON values, plus `within` a date range. */
export type ViewFilter =
  | { op: 'eq' | 'ne'; field: string; value: ViewValue }
  | { op: 'lt' | 'lte' | 'gt' | 'gte'; field: string; value: ViewValue }
  | { op: 'in'; field: string; values: ViewValue[] }
  | { op: 'contains'; field: string; value: string; ignoreCase?: boolean }
  | { op: 'isNull'; field: string }
  | { op: 'within'; field: string; range: DateRange }
  /** Full-text search over the kind's search fields (tasks: subject and description; partners: code and name...). */
  | { op: 'search'; value: string }
  | { op: 'and' | 'or'; filters: ViewFilter[] }
  | { op: 'not'; filter: ViewFilter };

/** A column: a field of the record (`dueAt`, `customFields.region`) or of a related one (`partner.name`, `register.color`). */
export interface ViewColumn {
  field: string;
  /** The heading; the field path when absent. */
  label?: string;
}

/** Icons a formatting rule may show (a closed list a host maps to its own pictures). */
export const VIEW_ICONS = ['alert', 'clock', 'check', 'star', 'flag', 'lock', 'mail', 'phone'] as const;
export type ViewIcon = (typeof VIEW_ICONS)[number];

export interface ViewStyle {
  /** Text colour, `#rrggbb`. */
  color?: string;
  /** Row background, `#rrggbb`. */
  background?: string;
  bold?: boolean;
  italic?: boolean;
  icon?: ViewIcon;
}

/** A formatting rule: rows the filter matches get the style. The first matching rule wins. */
export interface FormatRule {
  name?: string;
  when: ViewFilter;
  style: ViewStyle;
}

/** What a view shows: the data of a saved view, or a view run without saving it. */
export interface ViewSpec {
  kind: ViewKind;
  filter?: ViewFilter;
  sort?: SortField[];
  /** Group rows by these keys; groups come with `count` and the `measures`, computed in the store. */
  groupBy?: GroupKey[];
  /** Sums, averages, minima or maxima per group, e.g. `{ total: { fn: 'sum', field: 'amount' } }`. */
  measures?: Record<string, Measure>;
  /** The columns; the kind's default columns when absent. */
  columns?: ViewColumn[];
  formats?: FormatRule[];
  /** IANA time zone for relative dates (`today`, `thisWeek`); default UTC. */
  timeZone?: string;
}

/** Who else may use a saved view, or change it. */
export interface ViewShare {
  operatorId?: string;
  group?: string;
  canEdit: boolean;
}

/** A saved view: a spec under a unique name, owned by an operator (null: the host's own). */
export interface SavedView extends StoredRecord {
  name: string;
  kind: ViewKind;
  ownerId: string | null;
  spec: ViewSpec;
  shares: ViewShare[];
  createdAt: Date;
  updatedAt: Date;
}

/** A built-in view: always there, never saved, runs as whoever runs it. */
export interface BuiltinView {
  id: `builtin:${string}`;
  name: string;
  kind: ViewKind;
  spec: ViewSpec;
  builtin: true;
}

export interface ViewRunOptions {
  cursor?: string;
  /** Rows per page (default 50, at most 1,000). */
  limit?: number;
  /** Overrides the view's time zone for relative dates. */
  timeZone?: string;
}

export interface ViewColumnInfo {
  key: string;
  label: string;
  type: 'string' | 'text' | 'integer' | 'float' | 'boolean' | 'date' | 'json';
}

/** One row of a view: the column values by column key, and the style of the first matching rule. */
export interface ViewRow {
  id: string;
  values: Record<string, unknown>;
  style: ViewStyle | null;
  /** Index of the formatting rule that matched, or null. */
  rule: number | null;
  /** The row's group key values, when the view groups. */
  group?: Record<string, string | number | boolean | Date | null>;
}

export interface ViewGroup extends AggregateRow {
  /** `count` is always there, with the view's measures. */
  values: Record<string, number | null>;
}

export interface ViewResult {
  name: string;
  kind: ViewKind;
  columns: ViewColumnInfo[];
  rows: ViewRow[];
  /** Every group of the whole view (not only this page), ordered by the group keys; null without groupBy. */
  groups: ViewGroup[] | null;
  nextCursor: string | null;
}

/** A pivot table: `rows` × `columns` × one measure, over the records of a view. */
export interface PivotQuery {
  rows: GroupKey;
  columns?: GroupKey;
  /** Default `count`. */
  measure?: Measure;
}

export interface PivotTable {
  rowField: string;
  columnField: string | null;
  measure: Measure;
  rowKeys: Array<string | number | boolean | null>;
  columnKeys: Array<string | number | boolean | null>;
  /**
   * What to show for each key where the key is a related record's id (partnerId, ownerId,
   * registerId, …): its name, read with the viewer's rights; the id itself where the record is
   * not visible. Null for a field that is not an id (the keys are already what to show).
   */
  rowLabels: Array<string | null> | null;
  columnLabels: Array<string | null> | null;
  /** `cells[r][c]`: the measure for rowKeys[r] × columnKeys[c]; null where no record falls. */
  cells: Array<Array<number | null>>;
}
