/**
 * XLSX export of a 100k-row view: seconds and peak RSS (from the OS: /usr/bin/time -v of a child
 * process) of `writeXlsx(crm.views.reader(view))` against exceljs' streaming writer fed the same
 * rows straight from better-sqlite3; then the reader alone, CSV and PDF (which stops at 2,000 rows) of
 * the same view. Each variant runs in its own process so peaks do not mix; a baseline child (same
 * modules, empty view) shows what the process costs before any row, so the growth a row count
 * causes is the peak minus the baseline.
 *   npm run bench:xlsx -w @rapport/export
 *   Env: BENCH_ROWS (default 100000), BENCH_VARIANTS (default baseline,raw,xlsx,read,csv,pdf)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { sqliteStore } from '@rapport/storage-adapters';
import type { Task } from '@rapport/core';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const T0 = Date.UTC(2026, 0, 1);
const here = fileURLToPath(new URL('.', import.meta.url));

function task(i: number): Task {
  const at = new Date(T0 + i * 60_000);
  return {
    id: `t${String(i).padStart(9, '0')}`,
    version: 1,
    number: `${i}/2026/CRM`,
    registerId: `r${i % 5}`,
    subject: `Zadanie ${i}: telefon do klienta w sprawie oferty`,
    description: null,
    partnerId: `p${i % 5000}`,
    personId: null,
    ownerId: `op${i % 25}`,
    createdBy: null,
    plannedAt: null,
    dueAt: new Date(T0 + ((i * 37) % 730) * 86_400_000),
    doneAt: null,
    status: i % 4 === 0 ? 'done' : 'open',
    priority: i % 7 === 0 ? 'high' : 'normal',
    parentId: null,
    private: false,
    customFields: {},
    createdAt: at,
    updatedAt: at,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rapport-xlsx-bench-'));
try {
  const db = join(dir, 'bench.db');
  const store = sqliteStore({ filename: db });
  await store.migrate();
  await store.createMany(
    'partners',
    Array.from({ length: 5000 }, (_, i) => ({
      id: `p${i}`,
      version: 1,
      code: `P${i}`,
      name: `Partner ${i} Sp. z o.o.`,
      kind: 'customer',
      taxId: null,
      emails: [],
      emailDomains: [],
      phones: [],
      address: null,
      industry: null,
      turnover: null,
      employees: null,
      ownerId: null,
      salesBlocked: false,
      customFields: {},
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    })),
  );
  for (let i = 0; i < ROWS; i += 1000)
    await store.createMany(
      'tasks',
      Array.from({ length: Math.min(1000, ROWS - i) }, (_, k) => task(i + k)),
    );
  await store.close();
  // The child runs as built JavaScript (tsup, as the packages ship), not through tsx: compiling
  // the sources in the process would be most of its memory. Our sources are bundled, libraries stay
  // external; the output goes under node_modules/.cache so that they resolve and no linter sees it.
  const outDir = join(here, '../../../node_modules/.cache/rapport-bench');
  await build({
    entry: { 'xlsx-child': join(here, 'xlsx-child.ts') },
    outDir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    tsconfig: join(here, '../../../tsconfig.base.json'),
    noExternal: [/^@rapport\//],
    skipNodeModulesBundle: true,
    config: false,
    dts: false,
    silent: true,
  });
  const label = {
    baseline: 'baseline: modules, no rows',
    raw: 'exceljs WorkbookWriter direct',
    xlsx: 'writeXlsx(crm.views.reader)',
    read: 'crm.views.reader pages only',
    csv: 'writeCsv(crm.views.reader)',
    pdf: 'writePdf (stops at 2,000 rows)',
  };
  const variants = (process.env.BENCH_VARIANTS?.split(',') ?? Object.keys(label)) as Array<keyof typeof label>;
  const results: string[][] = [];
  let base = 0;
  let raw: { seconds: number; over: number } | null = null;
  for (const variant of variants) {
    const out = join(dir, `${variant}.${variant === 'csv' || variant === 'pdf' ? variant : 'xlsx'}`);
    // /usr/bin/time -v reports the child's peak resident set (ru_maxrss) as the OS counted it.
    const run = spawnSync('/usr/bin/time', ['-v', process.execPath, join(outDir, 'xlsx-child.js'), variant, db, out], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${variant} failed: ${run.stderr}`);
    const { seconds, rows } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { seconds: number; rows: number };
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
    const over = rssKb - base;
    if (variant === 'baseline') base = rssKb;
    if (variant === 'raw') raw = { seconds, over };
    results.push([
      label[variant],
      String(rows),
      `${seconds.toFixed(1)} s`,
      `${(rssKb / 1024).toFixed(0)} MB`,
      variant === 'baseline' ? '' : `+${(over / 1024).toFixed(0)} MB`,
      variant === 'read' ? '' : `${(statSync(out).size / 1e6).toFixed(1)} MB`,
      variant === 'xlsx' && raw ? `${(seconds / raw.seconds).toFixed(2)}× time, ${(over / raw.over).toFixed(2)}× RSS` : '',
    ]);
  }
  console.log(
    `XLSX export of ${ROWS} rows (5 columns incl. partner name, a formatting rule), SQLite file; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const widths = [30, 7, 7, 9, 10, 8, 24];
  console.log(['what', 'rows', 'time', 'peak RSS', 'over base', 'file', 'xlsx vs raw'].map((h, i) => h.padEnd(widths[i]!)).join(' '));
  for (const r of results) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' '));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
