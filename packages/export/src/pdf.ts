import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Content, TDocumentDefinitions, TableCell } from 'pdfmake/interfaces.js';
import type { ViewReader } from '@rapport/core';
import { cellText, eachRow, groupId, groupLabel, rowValues, type ExportOptions, type ExportReport } from './values.js';

const require = createRequire(import.meta.url);

type Printer = { createPdfKitDocument(doc: TDocumentDefinitions): NodeJS.ReadableStream & { end(): void } };
let printer: Printer | undefined;

/**
 * pdfmake with Roboto from its own virtual file system: the PDF standard fonts cannot show
 * Polish or Romanian letters (ł, ę, ș, ț), Roboto can, and no font file is read from disk.
 */
function pdfPrinter(): Printer {
  if (printer) return printer;
  const PdfPrinter = require('pdfmake') as new (fonts: unknown) => Printer;
  const vfs = require('pdfmake/build/vfs_fonts.js') as Record<string, string>;
  const font = (name: string) => Buffer.from(vfs[name]!, 'base64');
  printer = new PdfPrinter({
    Roboto: {
      normal: font('Roboto-Regular.ttf'),
      bold: font('Roboto-Medium.ttf'),
      italics: font('Roboto-Italic.ttf'),
      bolditalics: font('Roboto-MediumItalic.ttf'),
    },
  });
  return printer;
}

/** Renders a pdfmake document into `out`. */
export async function writePdfDocument(doc: TDocumentDefinitions, out: Writable): Promise<void> {
  const pdf = pdfPrinter().createPdfKitDocument({ defaultStyle: { font: 'Roboto', fontSize: 9 }, ...doc });
  pdf.pipe(out);
  pdf.end();
  await finished(out);
}

export interface PdfOptions extends ExportOptions {
  /** pdfmake lays a document out in memory, so a PDF stops after this many rows (default 2,000) and says so. */
  maxRows?: number;
  /** Landscape A4 unless false. */
  landscape?: boolean;
}

/** A view as a PDF table: header repeated on every page, formatting rules as text styles and row shading, group header rows. */
export async function writePdf(reader: ViewReader, out: Writable, options: PdfOptions = {}): Promise<ExportReport> {
  const maxRows = options.maxRows ?? 2_000;
  const columns = reader.columns;
  const body: TableCell[][] = [columns.map((c) => ({ text: c.label, bold: true, fillColor: '#eeeeee' }))];
  const groups = new Map((reader.groupBy.length ? ((await reader.groups()) ?? []) : []).map((g) => [groupId(reader.groupBy, g.group), g]));
  const count = { rows: 0 };
  let omitted = 0;
  let current: string | null = null;
  for await (const row of eachRow(reader, options, count)) {
    if (count.rows > maxRows) {
      omitted += 1;
      continue;
    }
    if (reader.groupBy.length) {
      const id = groupId(reader.groupBy, row.group);
      if (id !== current) {
        current = id;
        const n = groups.get(id)?.values.count;
        body.push([
          { text: `${groupLabel(reader.groupBy, row.group)}${n === undefined ? '' : ` (${n})`}`, bold: true, colSpan: columns.length, fillColor: '#f4f4f4' },
          ...columns.slice(1).map(() => ''),
        ]);
      }
    }
    const s = row.style;
    body.push(
      rowValues(columns, row).map((v) => ({
        text: cellText(v),
        ...(s?.color ? { color: s.color } : {}),
        ...(s?.bold ? { bold: true } : {}),
        ...(s?.italic ? { italics: true } : {}),
        ...(s?.background ? { fillColor: s.background } : {}),
      })),
    );
  }
  const shown = count.rows - omitted;
  const content: Content[] = [
    { text: reader.name, fontSize: 14, bold: true, margin: [0, 0, 0, 8] },
    { table: { headerRows: 1, widths: columns.map(() => '*'), body }, layout: 'lightHorizontalLines' },
  ];
  if (omitted > 0)
    content.push({ text: `${omitted} more rows are not shown: export to CSV or XLSX for all ${count.rows}.`, italics: true, margin: [0, 8, 0, 0] });
  await writePdfDocument(
    {
      pageOrientation: options.landscape === false ? 'portrait' : 'landscape',
      pageSize: 'A4',
      content,
      footer: (page, pages) => ({ text: `${reader.name} · ${shown} rows · ${page}/${pages}`, alignment: 'center', fontSize: 8, margin: [0, 10, 0, 0] }),
    },
    out,
  );
  return { format: 'pdf', rows: shown, omitted };
}
