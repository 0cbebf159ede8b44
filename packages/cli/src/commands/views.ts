import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import type { Crm, GroupKey, ViewRow } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { emit, table, type GlobalOptions } from '../output.js';
import { positiveInt } from './history.js';
import { registerViewEdits } from './views-edit.js';

interface AsOptions {
  as?: string;
  tz?: string;
}

/** The CRM as the operator named by --as (so "me" in a view is them), else as the host. */
export async function actingCrm(crm: Crm, email: string | undefined): Promise<Crm> {
  if (!email) return crm;
  const op = await crm.operators.findByEmail(email);
  if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(email)} does not exist`);
  return crm.as(op.id);
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString().slice(0, 16).replace('T', ' ') : String(v));

/** A one-line counter on stderr when it is a terminal and not --json. */
function progress(g: GlobalOptions): { onProgress: (rows: number) => void; done(): void } {
  if (g.json || !process.stderr.isTTY) return { onProgress: () => undefined, done: () => undefined };
  return {
    onProgress: (rows) => process.stderr.write(`\r\x1b[Kexported ${rows} rows`),
    done: () => process.stderr.write('\r\x1b[K'),
  };
}

export function registerViews(program: Command) {
  const views = program.command('views').description('saved and built-in views: list, run, export, show, save, delete');
  const asOption = () => new Option('--as <email>', 'run as this operator (whose "me", rules and shares apply)');
  const tzOption = () => new Option('--tz <zone>', "IANA time zone for relative dates such as today (default: the view's, else UTC)");

  views
    .command('list')
    .description('the built-in views and the saved views you may use')
    .addOption(asOption())
    .action(async (opts: AsOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const list = await (await actingCrm(crm, opts.as)).views.list();
        const rows = list.map((v) => ({ id: v.id, name: v.name, kind: v.kind, builtin: 'builtin' in v }));
        emit(g, { views: rows }, () =>
          table(
            ['name', 'kind', 'id'],
            rows.map((v) => [v.name, v.kind, v.id]),
          ),
        );
      } finally {
        await crm.close();
      }
    });

  views
    .command('run <view>')
    .description('one page of a view (by name or id): rows, groups and the next cursor')
    .addOption(asOption())
    .addOption(tzOption())
    .option('--limit <n>', 'rows per page', positiveInt, 50)
    .option('--cursor <cursor>', 'the next cursor of the previous page')
    .action(async (view: string, opts: AsOptions & { limit: number; cursor?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const r = await (
          await actingCrm(crm, opts.as)
        ).views.run(view, { limit: opts.limit, ...(opts.cursor ? { cursor: opts.cursor } : {}), ...(opts.tz ? { timeZone: opts.tz } : {}) });
        emit(g, r, () => {
          const mark = (row: ViewRow) => (row.style?.icon === 'alert' ? '!' : row.style?.bold ? '*' : ' ');
          const lines = [
            table(
              ['', ...r.columns.map((c) => c.label)],
              r.rows.map((row) => [mark(row), ...r.columns.map((c) => cell(row.values[c.key]))]),
            ),
          ];
          if (r.groups)
            lines.push(
              '',
              table(
                [...Object.keys(r.groups[0]?.group ?? {}), 'count'],
                r.groups.map((gr) => [...Object.values(gr.group).map(cell), cell(gr.values.count)]),
              ),
            );
          if (r.nextCursor) lines.push('', `more: --cursor ${r.nextCursor}`);
          return lines.join('\n');
        });
      } finally {
        await crm.close();
      }
    });

  registerViewEdits(views, asOption);

  views
    .command('export <view>')
    .description('a whole view to CSV, XLSX or PDF; a pivot to XLSX or a PNG chart')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'xlsx', 'pdf', 'png']).makeOptionMandatory())
    .option('--out <file>', 'where to write (default: standard output)')
    .addOption(asOption())
    .addOption(tzOption())
    .option('--pivot-rows <field>', "pivot: group rows by this field (xlsx, png; png defaults to the view's first group)")
    .option('--pivot-columns <field>', 'pivot: group columns by this field')
    .addOption(new Option('--chart <type>', 'chart type for png').choices(['bar', 'line', 'pie']).default('bar'))
    .option('--mail-to <addresses>', 'mail the export as an attachment to these addresses (comma-separated), through the outbox')
    .option('--mail-subject <text>', 'subject of that e-mail (default: the view and its row count)')
    .action(
      async (
        view: string,
        opts: AsOptions & {
          format: 'csv' | 'xlsx' | 'pdf' | 'png';
          out?: string;
          pivotRows?: string;
          pivotColumns?: string;
          chart: 'bar' | 'line' | 'pie';
          mailTo?: string;
          mailSubject?: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (opts.mailTo) {
          const { crm } = await openCrm(g.db);
          const bar = progress(g);
          try {
            const { mailViewExport } = await import('./views-mail.js');
            await mailViewExport(crm, await actingCrm(crm, opts.as), view, { ...opts, mailTo: opts.mailTo }, g, bar.onProgress);
          } finally {
            bar.done();
            await crm.close();
          }
          return;
        }
        if (!opts.out && process.stdout.isTTY && opts.format !== 'csv')
          throw new RapportError('VALIDATION', `--format ${opts.format} writes binary data: pass --out FILE`);
        if (g.json && !opts.out) throw new RapportError('VALIDATION', '--json prints the report on standard output: pass --out FILE for the export');
        // The writers (exceljs, pdfmake, vega, resvg) load only when something is exported.
        const exporter = await import('@rapport/export');
        const { crm } = await openCrm(g.db);
        const bar = progress(g);
        try {
          const acting = await actingCrm(crm, opts.as);
          const tz = opts.tz ? { timeZone: opts.tz } : {};
          const out: Writable = opts.out ? createWriteStream(opts.out) : process.stdout;
          let report: Record<string, unknown>;
          if (opts.format === 'png' || (opts.format === 'xlsx' && opts.pivotRows)) {
            const reader = await acting.views.reader(view, tz);
            const rows = (opts.pivotRows ?? reader.groupBy[0]) as GroupKey | undefined;
            if (!rows)
              throw new RapportError('VALIDATION', `--format png charts a pivot: pass --pivot-rows FIELD (view ${JSON.stringify(reader.name)} does not group)`);
            const pivot = await acting.views.pivot(view, { rows, ...(opts.pivotColumns ? { columns: opts.pivotColumns } : {}) }, tz);
            if (opts.format === 'png') {
              const png = await exporter.chartPng(exporter.pivotChart(pivot, opts.chart, reader.name));
              await new Promise<void>((resolve, reject) => out.end(png, (err?: Error | null) => (err ? reject(err) : resolve())));
            } else await exporter.writePivotXlsx(pivot, out, reader.name);
            report = { format: opts.format, pivot: { rows: pivot.rowKeys.length, columns: pivot.columnKeys.length } };
          } else {
            const reader = await acting.views.reader(view, tz);
            const write = { csv: exporter.writeCsv, xlsx: exporter.writeXlsx, pdf: exporter.writePdf }[opts.format];
            report = { ...(await write(reader, out, { onProgress: bar.onProgress })) };
          }
          bar.done();
          if (opts.out)
            emit(
              g,
              { ...report, file: opts.out },
              () =>
                `${opts.out}: ${'rows' in report ? `${String(report.rows)} rows` : 'pivot chart'}${report.omitted ? ` (${String(report.omitted)} left out of the PDF)` : ''}`,
            );
        } finally {
          await crm.close();
        }
      },
    );
}
