import type { ViewColumnInfo, ViewReader, ViewRow } from '@rapport/core';

/** What every export reports when it is done. */
export interface ExportReport {
  format: 'csv' | 'xlsx' | 'pdf';
  rows: number;
  /** Rows left out (a PDF stops at its `maxRows`). */
  omitted: number;
}

export interface ExportOptions {
  /** Called after each page of rows is written, with the rows written so far. */
  onProgress?: (rows: number) => void;
  /** Rows read from the store per page (default 1,000): memory stays bounded by it. */
  pageSize?: number;
}

/** A cell as text: dates as ISO 8601 (UTC), JSON as JSON, null as empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The key a row's group is known by (its group values in order). */
export function groupId(groupBy: string[], group: Record<string, unknown> | undefined): string {
  return JSON.stringify(groupBy.map((k) => cellText(group?.[k])));
}

/** "registerId: 01H… · priority: high" */
export function groupLabel(groupBy: string[], group: Record<string, unknown> | undefined): string {
  return groupBy.map((k) => `${k}: ${cellText(group?.[k]) || '(none)'}`).join(' · ');
}

/** The values of a row in column order. */
export const rowValues = (columns: ViewColumnInfo[], row: ViewRow) => columns.map((c) => row.values[c.key] ?? null);

/** Every row of a reader, page by page, counting as it goes. */
export async function* eachRow(reader: ViewReader, options: ExportOptions, count: { rows: number }): AsyncGenerator<ViewRow> {
  for await (const page of reader.pages(options.pageSize ?? 1_000)) {
    for (const row of page) {
      count.rows += 1;
      yield row;
    }
    options.onProgress?.(count.rows);
  }
}

/** A pivot axis as text: the related record's name where core labelled the key, else the key; "(none)" for no value. */
export const axisText = (keys: unknown[], labels: Array<string | null> | null | undefined, i: number) => labels?.[i] ?? (cellText(keys[i]) || '(none)');

/**
 * Every text of a pivot axis, one per key: two keys that read the same (two partners of one name)
 * stay apart, the second as "Name (2)", the third "Name (3)", so a chart never adds them up.
 */
export function axisTexts(keys: unknown[], labels: Array<string | null> | null | undefined): string[] {
  const seen = new Map<string, number>();
  return keys.map((_, i) => {
    const text = axisText(keys, labels, i);
    const n = (seen.get(text) ?? 0) + 1;
    seen.set(text, n);
    return n === 1 ? text : `${text} (${n})`;
  });
}
