/**
 * Full-text search at scale: the `search` filter through the store (first page of 50, newest
 * first) and `crm.search` over tasks + partners, against the FTS query as one writes it by hand
 * (match, then ORDER BY ... LIMIT; for crm.search the window of 201 and a count up to 1,001) on a
 * second connection. Rapport's page may walk the newest-first index instead (decision 0170). `npm run bench:search -w @rapport/storage-adapters`
 *
 *   BENCH_ROWS=1000000   tasks (default 1M; --rows N works too); partners are ROWS / 100
 *   BENCH_QUERIES=100    queries per measurement (each query class rotates its words)
 *   BENCH_PG=0           skip PostgreSQL; RAPPORT_TEST_PG_URL picks the server
 *   BENCH_SQLITE=0       skip SQLite
 *
 * The fixture is written with SQL into the migrated schema, so the index is filled the way it is
 * in production: by the FTS triggers (SQLite) and the generated tsvector column (PostgreSQL).
 * Words: every task has one of 10 common Polish/Romanian words (10% each, with diacritics), one of
 * 1,000 `enovaN` words (0.1% each) and a description with one of 100,000 `refN` words (~10 each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createCrm, where, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '../src/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? process.env.BENCH_ROWS ?? 1_000_000);
const QUERIES = Number(arg('queries') ?? process.env.BENCH_QUERIES ?? 100);
const WITH_PG = process.env.BENCH_PG !== '0';
const WITH_SQLITE = process.env.BENCH_SQLITE !== '0';
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PARTNERS = Math.max(100, Math.round(ROWS / 100));
const T0 = Date.UTC(2024, 0, 1);
const COMMON = ['spotkanie', 'żółć', 'ședință', 'oferta', 'wdrożenie', 'faktura', 'telefon', 'reklamacja', 'umowa', 'şedinţă'];

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The query classes: the words a user types, rotated per query, and what they match. */
const CLASSES: Array<{ name: string; q: (i: number) => string }> = [
  { name: 'rare word (~10 tasks)', q: (i) => `ref${(i * 7919) % 100_000}` },
  { name: 'word (0.1%)', q: (i) => `enova${100 + ((i * 37) % 900)}` },
  { name: 'prefix (~1%)', q: (i) => `enova${10 + (i % 90)}` },
  { name: 'two words (0.01%)', q: (i) => `${['zolc', 'sedinta', 'oferta'][i % 3]} enova${100 + ((i * 37) % 900)}` },
  { name: 'folded common word (10-20%)', q: (i) => ['zolc', 'sedinta', 'wdrozenie', 'spotkanie'][i % 4]! },
];

interface Target {
  label: string;
  store: Store;
  seed(): Promise<number>;
  /** The first page of matching task ids by hand: the FTS query and ORDER BY the store sends. */
  rawPage(tokens: string[]): Promise<unknown>;
  /** What crm.search reads per kind, by hand: the newest 200 matches of tasks and partners, and a count up to 1,001 when there are more. */
  rawSearch(tokens: string[]): Promise<unknown>;
  close(): Promise<void>;
}

const TASK_COLS =
  'id, version, number, register_id, subject, description, partner_id, person_id, owner_id, created_by, planned_at, due_at, done_at, status, priority, parent_id, private, custom_fields, created_at, updated_at';
const PARTNER_COLS =
  'id, version, code, name, kind, tax_id, emails, email_domains, phones, address, industry, turnover, employees, owner_id, sales_blocked, custom_fields, created_at, updated_at';

function sqliteTarget(dir: string): Target {
  const file = join(dir, 'search-bench.sqlite');
  const store = sqliteStore({ filename: file });
  let raw: Database.Database | undefined;
  const db = () => (raw ??= new Database(file, { readonly: true }));
  const match = (tokens: string[]) => tokens.map((t) => `"${t}"*`).join(' ');
  const stmts = new Map<string, Database.Statement>();
  const prep = (sql: string) => stmts.get(sql) ?? stmts.set(sql, db().prepare(sql)).get(sql)!;
  const page = (table: string, cols: string, limit: number) =>
    `SELECT ${cols} FROM ${table} WHERE ${table}.rowid IN (SELECT rowid FROM ${table}_fts WHERE ${table}_fts MATCH ?) ORDER BY updated_at DESC, id DESC LIMIT ${limit}`;
  const count = (table: string) =>
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${table}.rowid IN (SELECT rowid FROM ${table}_fts WHERE ${table}_fts MATCH ?) LIMIT 1001)`;
  return {
    label: 'SQLite (file)',
    store,
    async seed() {
      const w = new Database(file);
      w.pragma('journal_mode = WAL');
      w.pragma('synchronous = OFF');
      const t = performance.now();
      const series = (n: number) => `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${n})`;
      w.exec(`CREATE TEMP TABLE common (k INTEGER PRIMARY KEY, w TEXT);
        INSERT INTO common VALUES ${COMMON.map((c, k) => `(${k}, '${c}')`).join(', ')};
        INSERT INTO registers (id, version, code, name, color, number_pattern, active, created_at, updated_at)
          VALUES ('reg-1', 1, 'BENCH', 'Bench', '#3366cc', '{seq:6}', 1, ${T0}, ${T0});
        ${series(PARTNERS)} INSERT INTO partners (${PARTNER_COLS})
          SELECT printf('p%06d', i), 1, printf('P%06d', i), 'Firma ' || (SELECT w FROM common WHERE k = i % 10) || ' enova' || (i % 1000) || ' Sp. z o.o.',
                 'customer', NULL, '[]', '[]', '[]', NULL, NULL, NULL, NULL, NULL, 0, '{}', ${T0}, ${T0} + i FROM s;
        ${series(ROWS)} INSERT INTO tasks (${TASK_COLS})
          SELECT printf('t%08d', i), 1, printf('%08d', i), 'reg-1',
                 (SELECT w FROM common WHERE k = i % 10) || ' — enova' || ((i * 7) % 1000) || ' zadanie ' || i,
                 'Opis: klient prosi o ref' || ((i * 13) % 100000) || ' i kontakt',
                 printf('p%06d', i % ${PARTNERS}), NULL, NULL, NULL, NULL, NULL, NULL, 'open', 'normal', NULL, 0, '{}', ${T0} + i * 1000, ${T0} + i * 1000 FROM s;
        ANALYZE;`);
      w.pragma('wal_checkpoint(TRUNCATE)');
      w.close();
      return (performance.now() - t) / 1000;
    },
    rawPage: async (tokens) => prep(page('tasks', TASK_COLS, 51)).all(match(tokens)),
    async rawSearch(tokens) {
      const m = match(tokens);
      for (const [table, cols] of [
        ['tasks', TASK_COLS],
        ['partners', PARTNER_COLS],
      ] as const) {
        if (prep(page(table, cols, 201)).all(m).length > 200) prep(count(table)).get(m);
      }
    },
    async close() {
      raw?.close();
      await store.close();
    },
  };
}

function pgTarget(): Target {
  const schema = `bench_search_${process.pid}`;
  const store = postgresStore({ url: PG_URL, schemaName: schema });
  let client: pg.Client | undefined;
  const conn = async () => {
    if (!client) {
      client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await client.connect();
    }
    return client;
  };
  const tsquery = (tokens: string[]) => tokens.map((t) => `'${t}':*`).join(' & ');
  const page = (table: string, cols: string, limit: number) =>
    `SELECT ${cols} FROM ${table} WHERE search_vector @@ $1::tsquery ORDER BY updated_at DESC NULLS LAST, id DESC NULLS LAST LIMIT ${limit}`;
  const count = (table: string) => `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE search_vector @@ $1::tsquery LIMIT 1001) AS c`;
  // Unnamed, so planned with each word as Rapport plans its search statements: a named statement's
  // generic plan may walk the recency index for a rare word too (decision 0170).
  const named = (sql: string) => ({ text: sql });
  const ts = (expr: string) => `to_timestamp((${T0}::bigint + ${expr}) / 1000.0)`;
  return {
    label: 'PostgreSQL',
    store,
    async seed() {
      const c = await conn();
      const t = performance.now();
      const common = `(ARRAY[${COMMON.map((w) => `'${w}'`).join(', ')}])`;
      await c.query(`
        INSERT INTO registers (id, version, code, name, color, number_pattern, active, created_at, updated_at)
          VALUES ('reg-1', 1, 'BENCH', 'Bench', '#3366cc', '{seq:6}', true, ${ts('0')}, ${ts('0')});
        INSERT INTO partners (${PARTNER_COLS})
          SELECT 'p' || lpad(i::text, 6, '0'), 1, 'P' || lpad(i::text, 6, '0'), 'Firma ' || ${common}[i % 10 + 1] || ' enova' || (i % 1000) || ' Sp. z o.o.',
                 'customer', NULL, '[]'::jsonb, '[]'::jsonb, '[]'::jsonb, NULL, NULL, NULL, NULL, NULL, false, '{}'::jsonb, ${ts('0')}, ${ts('i::bigint')}
          FROM generate_series(0, ${PARTNERS - 1}) i;
        INSERT INTO tasks (${TASK_COLS})
          SELECT 't' || lpad(i::text, 8, '0'), 1, lpad(i::text, 8, '0'), 'reg-1',
                 ${common}[i % 10 + 1] || ' — enova' || ((i * 7) % 1000) || ' zadanie ' || i,
                 'Opis: klient prosi o ref' || ((i::bigint * 13) % 100000) || ' i kontakt',
                 'p' || lpad((i % ${PARTNERS})::text, 6, '0'), NULL, NULL, NULL, NULL, NULL, NULL, 'open', 'normal', NULL, false, '{}'::jsonb,
                 ${ts('i::bigint * 1000')}, ${ts('i::bigint * 1000')}
          FROM generate_series(0, ${ROWS - 1}) i;`);
      await c.query('VACUUM ANALYZE');
      return (performance.now() - t) / 1000;
    },
    rawPage: async (tokens) => (await conn()).query({ ...named(page('tasks', TASK_COLS, 51)), values: [tsquery(tokens)] }),
    async rawSearch(tokens) {
      const c = await conn();
      for (const [table, cols] of [
        ['tasks', TASK_COLS],
        ['partners', PARTNER_COLS],
      ] as const) {
        const { rows } = await c.query({ ...named(page(table, cols, 201)), values: [tsquery(tokens)] });
        if (rows.length > 200) await c.query({ ...named(count(table)), values: [tsquery(tokens)] });
      }
    },
    async close() {
      await client?.end();
      await store.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await c.end();
    },
  };
}

const results: Array<Record<string, string>> = [];

async function measure(t: Target, what: string, cls: (typeof CLASSES)[number], ours: (q: string) => Promise<unknown>, raw: (q: string) => Promise<unknown>) {
  for (let i = 0; i < 10; i++) {
    await ours(cls.q(i));
    await raw(cls.q(i));
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const q = cls.q(i + 10);
    a.push(await time(() => ours(q)));
    b.push(await time(() => raw(q)));
  }
  results.push({
    store: t.label,
    query: `${what}: ${cls.name}`,
    rapport: `p50 ${ms(quantile(a, 0.5))}, p95 ${ms(quantile(a, 0.95))}`,
    'by hand': `p50 ${ms(quantile(b, 0.5))}, p95 ${ms(quantile(b, 0.95))}`,
    'p95 ratio': (quantile(a, 0.95) / quantile(b, 0.95)).toFixed(2),
    'p95 ≤ 20 ms': quantile(a, 0.95) <= 20 ? 'yes' : 'NO',
    load: load(),
  });
}

async function run(t: Target) {
  await t.store.migrate();
  console.log(`· ${t.label}: seeding ${ROWS.toLocaleString('en')} tasks + ${PARTNERS.toLocaleString('en')} partners (index filled on write); load ${load()}`);
  const seconds = await t.seed();
  console.log(`  seeded and indexed in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds).toLocaleString('en')} tasks/s)`);
  const crm = createCrm({ store: t.store });
  const tokensOf = (q: string) =>
    q.split(' ').map((w) =>
      w
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase(),
    );
  // Sanity: the store and the hand-written query agree on the first page.
  const probe = CLASSES[1]!.q(3);
  const ours = (await t.store.find('tasks', { where: where.search(probe), sort: [{ field: 'updatedAt', direction: 'desc' }], limit: 50 })).items.map(
    (r) => r.id,
  );
  if (ours.length === 0) throw new Error(`no task matches ${probe}: the fixture or the index is wrong`);
  console.log(`· ${t.label}: ${QUERIES} queries per class; "${probe}" matches ${await t.store.count('tasks', where.search(probe))} tasks`);
  for (const cls of CLASSES) {
    await measure(
      t,
      'first page (50)',
      cls,
      (q) => t.store.find('tasks', { where: where.search(q), sort: [{ field: 'updatedAt', direction: 'desc' }], limit: 50 }),
      (q) => t.rawPage(tokensOf(q)),
    );
  }
  for (const cls of CLASSES) {
    await measure(
      t,
      'crm.search tasks+partners',
      cls,
      (q) => crm.search(q, { kinds: ['tasks', 'partners'] }),
      (q) => t.rawSearch(tokensOf(q)),
    );
  }
}

async function main() {
  console.log(`Rapport search benchmark — ${ROWS.toLocaleString('en')} tasks, ${QUERIES} queries per class; load ${load()} on ${cpus().length} cores`);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-search-bench-'));
  const targets = [...(WITH_SQLITE ? [() => sqliteTarget(dir)] : []), ...(WITH_PG ? [pgTarget] : [])];
  try {
    for (const make of targets) {
      const t = make();
      try {
        await run(t);
      } finally {
        await t.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.table(results);
  console.log(`load at the end: ${load()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
