/**
 * One variant of the XLSX bench in its own process (run as built JavaScript, see xlsx.bench.ts):
 * `xlsx`, `csv`, `pdf` (Rapport's writers over `crm.views.reader`), `read` (the reader alone),
 * `raw` (exceljs fed by better-sqlite3) or `baseline` (the same modules loaded and an empty view
 * written: what the process costs before any row).
 */
import { createWriteStream } from 'node:fs';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { writeCsv, writePdf, writeXlsx } from '@rapport/export';

export const VARIANTS = ['baseline', 'xlsx', 'raw', 'read', 'csv', 'pdf'] as const;
const [variant, db, out] = process.argv.slice(2) as [(typeof VARIANTS)[number], string, string];
const t = performance.now();
let rows = 0;
if (variant === 'raw') {
  const raw = new Database(db, { readonly: true });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(out), useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('Tasks');
  ws.columns = ['number', 'subject', 'partner.name', 'dueAt', 'status'].map((header) => ({ header, key: header }));
  const stmt = raw.prepare(
    'SELECT t.number, t.subject, p.name AS partner, t.due_at, t.status FROM tasks t LEFT JOIN partners p ON p.id = t.partner_id ORDER BY t.created_at, t.id',
  );
  for (const r of stmt.iterate() as Iterable<{ number: string; subject: string; partner: string; due_at: number; status: string }>) {
    ws.addRow([r.number, r.subject, r.partner, new Date(r.due_at), r.status]).commit();
    rows += 1;
  }
  ws.commit();
  await wb.commit();
  raw.close();
} else {
  const crm = createCrm({ store: sqliteStore({ filename: db }) });
  const reader = await crm.views.reader({
    kind: 'tasks',
    ...(variant === 'baseline' ? { filter: { op: 'eq', field: 'status', value: 'none' } } : {}),
    sort: [{ field: 'createdAt' }],
    columns: [{ field: 'number' }, { field: 'subject' }, { field: 'partner.name' }, { field: 'dueAt' }, { field: 'status' }],
    formats: [{ when: { op: 'eq', field: 'priority', value: 'high' }, style: { bold: true, color: '#c00000' } }],
  });
  if (variant === 'read') for await (const page of reader.pages()) rows += page.length;
  else rows = (await { baseline: writeXlsx, xlsx: writeXlsx, csv: writeCsv, pdf: writePdf }[variant](reader, createWriteStream(out))).rows;
  await crm.close();
}
console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, rows }));
