/**
 * A view with filter + sort + group over many tasks, first page (50 rows, related columns) plus
 * the groups, on sqliteStore (file) and postgresStore, against hand-written SQL doing the same
 * reads (the page joined to partners and registers, and a GROUP BY). Prints p50/p95 and the ratio.
 *   npm run bench:views -w @rapport/export            (BENCH_ROWS=1000000 default)
 * Env: BENCH_ROWS, BENCH_RUNS (default 100), BENCH_PG=0 skips PostgreSQL, RAPPORT_TEST_PG_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createCrm, type Store, type ViewSpec } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const OWNERS = 25;
const STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const T0 = Date.UTC(2026, 0, 1);

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

/**
 * The tasks as one INSERT … SELECT over a generated series, computed by the database itself (a
 * million rows through createMany would take longer than the whole benchmark). Every 20th task
 * is undated. `dialect` spells the few things SQLite and PostgreSQL write differently.
 */
function bulkTasksSql(dialect: 'sqlite' | 'postgres'): string {
  const pg = dialect === 'postgres';
  const at = (ms: string) => (pg ? `to_timestamp((${ms}) / 1000.0)` : `(${ms})`);
  const pick = (expr: string, xs: readonly string[]) => `CASE ${expr} ${xs.map((x, i) => `WHEN ${i} THEN '${x}'`).join(' ')} END`;
  const series = pg
    ? `generate_series(0::bigint, ${ROWS - 1}) AS s(i)`
    : `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${ROWS - 1}) SELECT i FROM s) AS s`;
  const created = at(`${T0} + (i % 100000) * 60000`);
  return `INSERT INTO tasks (id, version, number, register_id, subject, description, partner_id, person_id, owner_id, created_by, planned_at,
      due_at, done_at, status, priority, parent_id, private, custom_fields, created_at, updated_at)
    SELECT 't' || ${pg ? "lpad(i::text, 9, '0')" : "printf('%09d', i)"}, 1, i || '/2026/CRM', 'r' || (i % 5), 'Task ' || i, NULL,
      'p' || (i % 5000), NULL, 'op' || (i % ${OWNERS}), 'op' || ((i * 7) % ${OWNERS}), NULL,
      CASE WHEN i % 20 = 0 THEN NULL ELSE ${at(`${T0} + ((i * 37) % 730) * 86400000`)} END, NULL,
      ${pick('(i / 8) % 4', STATUSES)}, ${pick('(i / 2) % 4', PRIORITIES)}, NULL, ${pg ? 'false' : '0'}, '{}', ${created}, ${created}
    FROM ${series}`;
}

const VIEW: ViewSpec = {
  kind: 'tasks',
  filter: {
    op: 'and',
    filters: [
      { op: 'eq', field: 'ownerId', value: { $: 'me' } },
      { op: 'in', field: 'status', values: ['open', 'in_progress'] },
    ],
  },
  sort: [{ field: 'dueAt' }],
  groupBy: ['priority'],
  columns: [{ field: 'number' }, { field: 'subject' }, { field: 'dueAt' }, { field: 'partner.name' }, { field: 'register.color' }],
};

async function fill(store: Store, dialect: 'sqlite' | 'postgres', bulk: (sql: string) => Promise<unknown>) {
  await store.migrate();
  const t = performance.now();
  await store.createMany(
    'partners',
    Array.from({ length: 5000 }, (_, i) => ({
      id: `p${i}`,
      version: 1,
      code: `P${i}`,
      name: `Partner ${i}`,
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
  await store.createMany(
    'operators',
    Array.from({ length: OWNERS }, (_, i) => ({
      id: `op${i}`,
      version: 1,
      name: `Operator ${i}`,
      email: `op${i}@firma.pl`,
      groups: [],
      active: true,
      phone: null,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    })),
  );
  await store.createMany(
    'registers',
    Array.from({ length: 5 }, (_, i) => ({
      id: `r${i}`,
      version: 1,
      code: `R${i}`,
      name: `Register ${i}`,
      color: '#3366cc',
      numberPattern: '{seq}',
      active: true,
      createdAt: new Date(T0),
      updatedAt: new Date(T0),
    })),
  );
  await bulk(bulkTasksSql(dialect));
  return performance.now() - t;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const rows: string[][] = [];
function report(store: string, what: string, xs: number[], base?: number[]) {
  console.log(`${store} ${what}: p50 ${ms(quantile(xs, 0.5))} p95 ${ms(quantile(xs, 0.95))}`);
  rows.push([store, what, ms(quantile(xs, 0.5)), ms(quantile(xs, 0.95)), base ? `${(quantile(xs, 0.5) / quantile(base, 0.5)).toFixed(2)}×` : '']);
}

// The store's order, undated last (decision 0175), spelled as each database's index holds it:
// SQLite keys the due date on (due_at IS NULL); PostgreSQL's index has the non-null columns'
// older NULLS FIRST, which an ORDER BY must repeat to be served by it.
const ORDER = {
  sqlite: 't.priority, (t.due_at IS NULL), t.due_at, t.id',
  postgres: 't.priority ASC NULLS FIRST, t.due_at ASC NULLS LAST, t.id ASC NULLS FIRST',
};
const SQL_PAGE = (p: (n: number) => string, order: string) =>
  `SELECT t.*, pa.name AS partner_name, r.color AS register_color FROM tasks t LEFT JOIN partners pa ON pa.id = t.partner_id LEFT JOIN registers r ON r.id = t.register_id
   WHERE t.owner_id = ${p(1)} AND t.status IN (${p(2)}, ${p(3)}) ORDER BY ${order} LIMIT 51`;
const SQL_GROUPS = (p: (n: number) => string) =>
  `SELECT priority, count(*) AS n FROM tasks WHERE owner_id = ${p(1)} AND status IN (${p(2)}, ${p(3)}) GROUP BY priority`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-views-bench-'));
  try {
    const file = join(dir, 'bench.db');
    const sqlite = sqliteStore({ filename: file });
    const writer = new Database(file);
    const sqliteBulk = async (sql: string) => {
      // Secondary indexes are built once after the load (a sorted build) rather than row by row.
      const indexes = writer.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL`).all() as Array<{
        name: string;
        sql: string;
      }>;
      for (const i of indexes) writer.exec(`DROP INDEX "${i.name}"`);
      writer.exec(sql);
      for (const i of indexes) writer.exec(i.sql);
    };
    console.log(`filling SQLite with ${ROWS} tasks: ${((await fill(sqlite, 'sqlite', sqliteBulk)) / 1000) | 0} s`);
    writer.close();
    const crm = createCrm({ store: sqlite }).as('op3');
    const first = await crm.views.run(VIEW);
    console.log(`first page: ${first.rows.length} rows, groups ${first.groups!.map((g) => `${String(g.group.priority)}=${g.values.count}`).join(' ')}`);
    const viewTimes = await time(() => crm.views.run(VIEW));
    const raw = new Database(file, { readonly: true });
    const page = raw.prepare(SQL_PAGE(() => '?', ORDER.sqlite));
    const groups = raw.prepare(SQL_GROUPS(() => '?'));
    const rawTimes = await time(async () => [page.all('op3', 'open', 'in_progress'), groups.all('op3', 'open', 'in_progress')]);
    report('SQLite', 'crm.views.run', viewTimes, rawTimes);
    report('SQLite', 'hand-written SQL (better-sqlite3)', rawTimes);
    report('SQLite', '  of which the page', await time(async () => page.all('op3', 'open', 'in_progress')));
    report('SQLite', '  of which the groups', await time(async () => groups.all('op3', 'open', 'in_progress')));
    raw.close();
    await sqlite.close();

    if (process.env.BENCH_PG !== '0') {
      const schema = `bench_views_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      try {
        const store = postgresStore({ url: PG_URL, schemaName: schema });
        const pgBulk = async (sql: string) => {
          const { rows: indexes } = await admin.query<{ indexname: string; indexdef: string }>(
            `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'tasks' AND indexname <> 'tasks_pkey'`,
            [schema],
          );
          for (const i of indexes) await admin.query(`DROP INDEX ${schema}."${i.indexname}"`);
          await admin.query(`SET search_path TO ${schema}; ${sql}; RESET search_path`);
          for (const i of indexes) await admin.query(i.indexdef);
        };
        const filled = await fill(store, 'postgres', pgBulk);
        console.log(`filling PostgreSQL with ${ROWS} tasks: ${(filled / 1000) | 0} s`);
        // What autovacuum does after a bulk load: statistics, and the visibility map index-only scans need.
        await admin.query(`VACUUM ANALYZE ${schema}.tasks`);
        const pcrm = createCrm({ store }).as('op3');
        const pv = await time(() => pcrm.views.run(VIEW));
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`SET search_path TO ${schema}`);
        const p = (n: number) => `$${n}`;
        const pr = await time(() =>
          Promise.all([client.query(SQL_PAGE(p, ORDER.postgres), ['op3', 'open', 'in_progress']), client.query(SQL_GROUPS(p), ['op3', 'open', 'in_progress'])]),
        );
        report('PostgreSQL', 'crm.views.run', pv, pr);
        report('PostgreSQL', 'hand-written SQL (pg)', pr);
        report('PostgreSQL', '  of which the page', await time(() => client.query(SQL_PAGE(p, ORDER.postgres), ['op3', 'open', 'in_progress'])));
        report('PostgreSQL', '  of which the groups', await time(() => client.query(SQL_GROUPS(p), ['op3', 'open', 'in_progress'])));
        await client.end();
        await store.close();
      } finally {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nload average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (${availableParallelism()} cores)`,
  );
  console.log(`${ROWS} tasks, ${RUNS} runs, first page of 50 + groups (view: owner = me, open or in progress, by priority, then due date)`);
  const widths = [10, 36, 10, 10, 8];
  console.log(['store', 'what', 'p50', 'p95', 'vs SQL'].map((h, i) => h.padEnd(widths[i]!)).join(' '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(' '));
}

await main();
