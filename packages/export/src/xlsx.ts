import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { PivotTable, ViewColumnInfo, ViewGroup, ViewReader, ViewStyle } from '@rapport/core';
import { axisText, cellText, eachRow, groupId, groupLabel, rowValues, type ExportOptions, type ExportReport } from './values.js';

// exceljs takes ~400 ms to load: only an .xlsx export pays for it (as pdfmake in pdf.ts, vega in chart.ts).
const exceljs = async () => (await import('exceljs')).default;

const argb = (hex: string) => `FF${hex.slice(1).toUpperCase()}`;

/** A view's formatting as an Excel style: text colour, bold, italic, background. */
function cellStyle(style: ViewStyle | null): { font?: Partial<ExcelJS.Font>; fill?: ExcelJS.Fill } {
  if (!style) return {};
  const font: Partial<ExcelJS.Font> = {};
  if (style.color) font.color = { argb: argb(style.color) };
  if (style.bold) font.bold = true;
  if (style.italic) font.italic = true;
  return {
    ...(Object.keys(font).length ? { font } : {}),
    ...(style.background ? { fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: argb(style.background) } } } : {}),
  };
}

/** Excel cells keep numbers, dates and booleans as such; JSON becomes its text. */
function cellValue(value: unknown, type: ViewColumnInfo['type']): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'number' || typeof value === 'boolean') return value;
  return type === 'json' && typeof value === 'object' ? JSON.stringify(value) : cellText(value);
}

/** An Excel sheet name: at most 31 characters, none of []:*?/\ */
const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'View';

type SheetStream = { pipes?: Array<{ _writableState?: { needDrain?: boolean } } & NodeJS.EventEmitter> };

/**
 * Waits while the zip entry behind a streamed sheet is full. exceljs' sheet stream (its
 * StreamBuf) ignores back-pressure: every 64 KB of row XML is written into the PassThrough that
 * archiver reads the entry from, whatever that returns, so a loop that does not yield long
 * enough for zlib queues the whole sheet uncompressed (30 MB per 100k rows). Waiting here for
 * that PassThrough to drain reads the view only as fast as the zip compresses and `out` takes
 * it. This reads exceljs 4.4 internals: if they change, it waits for nothing (the export still
 * completes, unbounded) and the back-pressure test in test/xlsx.test.ts fails.
 */
function drained(ws: ExcelJS.Worksheet, failed: Promise<never>): Promise<void> | null {
  const entry = (ws as unknown as { stream?: SheetStream }).stream?.pipes?.[0];
  if (!entry?._writableState?.needDrain) return null;
  return Promise.race([once(entry, 'drain').then(() => undefined), failed]);
}

/**
 * Streams every row of a view into an .xlsx (exceljs' streaming WorkbookWriter: each row is
 * written out when committed). Formatting rules become cell styles; a grouped view gets a
 * bold header row per group with its count and measures, and its rows one outline level below.
 */
export async function writeXlsx(reader: ViewReader, out: Writable, options: ExportOptions = {}): Promise<ExportReport> {
  const wb = new (await exceljs()).stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  // An output that fails stops the wait for a drain that would never come.
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const ws = wb.addWorksheet(sheetName(reader.name), { views: [{ state: 'frozen', ySplit: 1 }], properties: { outlineLevelRow: 1 } as never });
  const columns = reader.columns;
  ws.columns = columns.map((c) => ({
    header: c.label,
    key: c.key,
    width: c.type === 'date' ? 22 : c.type === 'text' ? 50 : 18,
    ...(c.type === 'date' ? { style: { numFmt: 'yyyy-mm-dd hh:mm' } } : {}),
  }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  const grouped = reader.groupBy.length > 0;
  const groups = new Map<string, ViewGroup>();
  if (grouped) for (const g of (await reader.groups()) ?? []) groups.set(groupId(reader.groupBy, g.group), g);
  const count = { rows: 0 };
  let current: string | null = null;
  for await (const row of eachRow(reader, options, count)) {
    if (grouped) {
      const id = groupId(reader.groupBy, row.group);
      if (id !== current) {
        current = id;
        const g = groups.get(id);
        const measures = g
          ? Object.entries(g.values)
              .map(([k, v]) => `${k} ${v ?? '–'}`)
              .join(', ')
          : '';
        const header = ws.addRow([`${groupLabel(reader.groupBy, row.group)}${measures ? ` (${measures})` : ''}`]);
        header.font = { bold: true };
        header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEDEDED' } };
        header.commit();
      }
    }
    const values = rowValues(columns, row);
    const r = ws.addRow(values.map((v, i) => cellValue(v, columns[i]!.type)));
    const { font, fill } = cellStyle(row.style);
    if (font || fill)
      r.eachCell({ includeEmpty: true }, (cell) => {
        if (font) cell.font = font;
        if (fill) cell.fill = fill;
      });
    if (grouped) r.outlineLevel = 1;
    r.commit();
    const full = drained(ws, failed);
    if (full) await full;
  }
  ws.commit();
  // exceljs listens for the output's errors only from here on: one that came before fails us too.
  const committed = wb.commit();
  committed.catch(() => undefined);
  await Promise.race([committed, failed]);
  return { format: 'xlsx', rows: count.rows, omitted: 0 };
}

/** A pivot table as an .xlsx sheet: row keys down, column keys across, totals on the right and at the bottom. */
export async function writePivotXlsx(pivot: PivotTable, out: Writable, title = 'Pivot'): Promise<void> {
  const wb = new (await exceljs()).stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(sheetName(title), { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] });
  const additive = pivot.measure.fn === 'count' || pivot.measure.fn === 'sum';
  const header = ws.addRow([
    pivot.rowField,
    ...pivot.columnKeys.map((_, c) => (pivot.columnField ? axisText(pivot.columnKeys, pivot.columnLabels, c) : pivot.measure.fn)),
    ...(additive ? ['Total'] : []),
  ]);
  header.font = { bold: true };
  header.commit();
  pivot.rowKeys.forEach((_, r) => {
    const cells = pivot.cells[r]!;
    const total = cells.reduce<number>((a, b) => a + (b ?? 0), 0);
    ws.addRow([axisText(pivot.rowKeys, pivot.rowLabels, r), ...cells, ...(additive ? [total] : [])]).commit();
  });
  if (additive) {
    const sums = pivot.columnKeys.map((_, c) => pivot.cells.reduce((a, row) => a + (row[c] ?? 0), 0));
    const totals = ws.addRow(['Total', ...sums, sums.reduce((a, b) => a + b, 0)]);
    totals.font = { bold: true };
    totals.commit();
  }
  ws.commit();
  await wb.commit();
}
