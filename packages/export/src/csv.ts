import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { ViewReader } from '@rapport/core';
import { cellText, eachRow, rowValues, type ExportOptions, type ExportReport } from './values.js';

export interface CsvOptions extends ExportOptions {
  /** Field delimiter (default `,`; `;` for spreadsheets in Polish or Romanian locales). */
  delimiter?: string;
  /** Start with a UTF-8 byte order mark so Excel reads diacritics right (default true). */
  bom?: boolean;
}

/** Streams every row of a view as CSV (RFC 4180, a header row of column labels) into `out`. */
export async function writeCsv(reader: ViewReader, out: Writable, options: CsvOptions = {}): Promise<ExportReport> {
  const count = { rows: 0 };
  const columns = reader.columns;
  async function* records() {
    for await (const row of eachRow(reader, options, count)) yield rowValues(columns, row).map(cellText);
  }
  const csv = stringify({ header: true, columns: columns.map((c) => c.label), delimiter: options.delimiter ?? ',', bom: options.bom ?? true });
  // pipeline: the store is read only as fast as `out` drains.
  await pipeline(Readable.from(records()), csv, out);
  return { format: 'csv', rows: count.rows, omitted: 0 };
}
