import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { PivotTable, ViewSpec } from '@rapport/core';
import { chartPng, chartSvg, checkTemplate, pivotChart, printRecord, writeCsv, writePdf, writePivotXlsx, writeXlsx } from '@rapport/export';
import { failure, office, stores } from './setup.js';

/** Collects what a writer wrote. */
function sink(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** Tests write the pictures docs/views.md shows when RAPPORT_DOCS_OUT names a folder. */
function keep(name: string, bytes: Buffer | string) {
  const dir = process.env.RAPPORT_DOCS_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${name}`, bytes);
}

// CI installs poppler-utils (.ci/run); without it only the PDF structure is checked.
const pdfText = (pdf: Buffer) => (existsSync('/usr/bin/pdftotext') ? execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString() : null);

const grouped: ViewSpec = {
  kind: 'tasks',
  groupBy: ['priority'],
  columns: [
    { field: 'number', label: 'Number' },
    { field: 'subject', label: 'Subject' },
    { field: 'partner.name', label: 'Partner' },
    { field: 'owner.name', label: 'Owner' },
    { field: 'dueAt', label: 'Due' },
  ],
  formats: [
    {
      when: {
        op: 'and',
        filters: [
          { op: 'in', field: 'status', values: ['open', 'in_progress'] },
          { op: 'lt', field: 'dueAt', value: { $: 'now' } },
        ],
      },
      style: { color: '#c00000', bold: true },
    },
    { when: { op: 'within', field: 'dueAt', range: 'thisWeek' }, style: { background: '#fff3cd' } },
  ],
};

describe.each(stores)('exports on $name', (kind) => {
  it('streams a view to CSV with a header of labels, quoted fields and a BOM, reporting progress per page', async () => {
    const { crm, tasks } = await office(kind);
    await crm.tasks.update(tasks.today.id, { subject: 'Send the price list, "v2"' });
    const { out, bytes } = sink();
    const progress: number[] = [];
    const report = await writeCsv(await crm.views.reader({ ...grouped, groupBy: [] }), out, { pageSize: 2, onProgress: (n) => progress.push(n) });
    expect(report).toEqual({ format: 'csv', rows: 5, omitted: 0 });
    expect(progress).toEqual([2, 4, 5]);
    const text = bytes().toString('utf8');
    expect(text.startsWith('\ufeffNumber,Subject,Partner,Owner,Due\n')).toBe(true);
    expect(text).toContain(`${tasks.today.number},"Send the price list, ""v2""",Zefir Sp. z o.o.,Ewa Nowak,2026-03-04T15:00:00.000Z`);
    expect(text.trim().split('\n')).toHaveLength(6);
  });

  it('writes XLSX with formatting rules as cell styles and groups as an outline', async () => {
    const { crm, tasks } = await office(kind);
    const { out, bytes } = sink();
    const report = await writeXlsx(await crm.views.reader(grouped), out);
    expect(report.rows).toBe(5);
    keep('tasks.xlsx', bytes());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes() as never);
    const ws = wb.worksheets[0]!;
    const rows = ws.getSheetValues().slice(1) as unknown[][];
    const texts = rows.map((r) => (r ?? []).slice(1, 3).map(String));
    expect(texts[0]).toEqual(['Number', 'Subject']);
    // Group header rows (bold, level 0) before each group's rows (level 1): high, normal, urgent.
    expect(texts.filter((t) => t[0]!.startsWith('priority:')).map((t) => t[0])).toEqual([
      'priority: high (count 1)',
      'priority: normal (count 3)',
      'priority: urgent (count 1)',
    ]);
    const overdueRow = ws.getRow(rows.findIndex((r) => r?.[1] === tasks.overdue.number) + 1);
    expect(overdueRow.outlineLevel).toBe(1);
    expect(overdueRow.getCell(2).font).toMatchObject({ color: { argb: 'FFC00000' }, bold: true });
    const fridayRow = ws.getRow(rows.findIndex((r) => r?.[1] === tasks.friday.number) + 1);
    expect(fridayRow.getCell(1).fill).toMatchObject({ fgColor: { argb: 'FFFFF3CD' } });
    expect(fridayRow.getCell(5).value).toEqual(new Date('2026-03-06T12:00:00Z'));
    expect(ws.getRow(2).outlineLevel ?? 0).toBe(0);
  });

  it('prints a view to a PDF in Roboto, so Polish names survive', async () => {
    const { crm, tasks } = await office(kind);
    await crm.tasks.update(tasks.today.id, { subject: 'Zażółć gęślą jaźń; Știință și țară' });
    const { out, bytes } = sink();
    const report = await writePdf(await crm.views.reader({ name: 'Tasks this week', spec: grouped }), out, { maxRows: 4 });
    expect(report).toEqual({ format: 'pdf', rows: 4, omitted: 1 });
    const pdf = bytes();
    keep('tasks.pdf', pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+Roboto-Regular/);
    const text = pdfText(pdf);
    if (text !== null) {
      expect(text).toContain('Zażółć gęślą jaźń; Știință și țară');
      expect(text).toContain('1 more rows are not shown');
    }
  });

  it('pivots a view to XLSX with totals and renders it as bar, line and pie charts (SVG and PNG)', async () => {
    const { crm, sales } = await office(kind);
    const pivot = await crm.views.pivot({ kind: 'tasks' }, { rows: 'priority', columns: 'registerId' });
    const { out, bytes } = sink();
    await writePivotXlsx(pivot, out, 'Tasks by priority');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes() as never);
    const values = wb.worksheets[0]!.getSheetValues().slice(1) as unknown[][];
    expect(values.at(-1)!.slice(1)).toEqual(['Total', ...pivot.columnKeys.map((k) => (k === sales.id ? 3 : 2)), 5]);
    // Registers by name, not id, across the top of the sheet and in the charts' legend.
    expect(values[0]!.slice(1)).toEqual(['priority', ...pivot.columnKeys.map((k) => (k === sales.id ? 'Sales tasks' : 'Complaints')), 'Total']);
    for (const type of ['bar', 'line', 'pie'] as const) {
      const svg = await chartSvg(pivotChart(pivot, type, 'Tasks by priority'));
      expect(svg).toMatch(/^<svg[\s\S]*Tasks by priority[\s\S]*<\/svg>$/);
      if (type !== 'pie') expect(svg).toContain('>urgent<');
      if (type !== 'pie') expect(svg).toContain('>Sales tasks<');
      expect(svg).not.toContain(sales.id);
    }
    const png = await chartPng(pivotChart(pivot, 'bar', 'Tasks by priority'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    keep('chart.png', png);
    expect(await failure(async () => pivotChart(pivot, 'radar' as never))).toMatchObject({ code: 'VALIDATION' });
  });

  it('prints a task card and an offer with or without discounts from sandboxed templates', async () => {
    const { crm, tasks, zefir } = await office(kind);
    await crm.tasks.addNote(tasks.overdue.id, 'Klient prosi o rabat na pałety');
    const card = sink();
    expect((await printRecord(crm, { kind: 'task', id: tasks.overdue.id }, card.out)).id).toBe('task-card');
    keep('task-card.pdf', card.bytes());
    const offer = await crm.offers.create({
      partnerId: zefir.id,
      currency: 'PLN',
      lines: [{ item: 'Paleta EUR', quantity: 10, unitPrice: 4500, discount: 10, vatRate: 23 }],
    });
    const withDiscount = sink();
    const withoutDiscount = sink();
    await printRecord(crm, { kind: 'offer', id: offer.id }, withDiscount.out);
    await printRecord(crm, { kind: 'offer', id: offer.id, template: 'offer-net' }, withoutDiscount.out);
    for (const pdf of [card.bytes(), withDiscount.bytes(), withoutDiscount.bytes()]) expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const [cardText, a, b] = [card.bytes(), withDiscount.bytes(), withoutDiscount.bytes()].map(pdfText);
    if (cardText && a && b) {
      expect(cardText).toContain('Klient prosi o rabat na pałety');
      expect(a).toContain('Discount');
      expect(a).toContain('405.00');
      expect(b).not.toContain('Discount');
    }
    const statement = sink();
    await printRecord(crm, { kind: 'partner', id: zefir.id }, statement.out);
    if (pdfText(statement.bytes()) !== null) expect(pdfText(statement.bytes())).toContain('Open tasks (3)');
  });

  it('refuses templates that reach for files or unknown filters, and shows nothing through prototypes', async () => {
    const { crm, tasks } = await office(kind);
    expect(() => checkTemplate(`{% include 'secrets.txt' %}`)).toThrow(/tag "include" not found|include/);
    expect(() => checkTemplate('{{ task.subject | shell }}')).toThrow(/undefined filter: shell/);
    expect(() => checkTemplate('{% if %}')).toThrow(/VALIDATION|template\.source/);
    const { renderMarkup } = await import('@rapport/export');
    const task = await crm.tasks.get(tasks.today.id);
    expect(await renderMarkup('[{{ task.constructor }}][{{ task.__proto__ }}][{{ task.toString }}]', { task })).toBe('[][][]');
  });
});

describe('pivot charts', () => {
  it('keep two related records of one name apart: keyed by id, the second labelled "Name (2)"', async () => {
    const pivot: PivotTable = {
      rowField: 'partnerId',
      columnField: null,
      measure: { fn: 'count' },
      rowKeys: ['p-1', 'p-2', 'p-3'],
      columnKeys: [null],
      rowLabels: ['Zefir', 'Zefir', 'Alfa'],
      columnLabels: null,
      cells: [[2], [5], [1]],
    };
    const spec = pivotChart(pivot, 'bar');
    const values = (spec.data as { values: Array<Record<string, unknown>> }).values;
    expect(values.map((v) => [v.rowKey, v.row, v.value])).toEqual([
      ['p-1', 'Zefir', 2],
      ['p-2', 'Zefir (2)', 5],
      ['p-3', 'Alfa', 1],
    ]);
    const svg = await chartSvg(spec);
    expect(svg).toContain('>Zefir<');
    expect(svg).toContain('>Zefir (2)<');
  });
});
