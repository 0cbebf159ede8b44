/**
 * Store benchmarks against raw drivers. `npm run bench -w @rapport/storage-adapters`
 * BENCH_SCALE=0.1 shrinks every size (default 1: 100k bulk rows, 1M timeline items, 1M tasks).
 * BENCH_PG=0 skips PostgreSQL; RAPPORT_TEST_PG_URL picks the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { where, type Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '../src/index.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WITH_PG = process.env.BENCH_PG !== '0';
const BULK = Math.max(1000, Math.round(100_000 * SCALE));
const TIMELINE = Math.max(10_000, Math.round(1_000_000 * SCALE));
const PARTNERS = Math.max(100, Math.round(10_000 * SCALE));
const TASKS = Math.max(10_000, Math.round(1_000_000 * SCALE));
const OWNERS = 100;
const BUSY = 'op-busy';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const T0 = Date.UTC(2024, 0, 1);

const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
const results: Array<Record<string, string>> = [];

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

// ---- data --------------------------------------------------------------------------------
const pad = (n: number, w = 8) => String(n).padStart(w, '0');
// Due dates spread over ~2 years in 10-minute steps (few ties, as in real data).
const DUE_STEPS = 100_000;
const DUE_STEP_MS = 600_000;
const dueMs = (i: number) => T0 + ((i * 7919) % DUE_STEPS) * DUE_STEP_MS;
function taskRecord(i: number) {
  const at = new Date(T0 + i * 1000);
  return {
    id: `t${pad(i)}`,
    version: 1,
    number: `${pad(i, 6)}/2026/CRM`,
    registerId: 'reg-1',
    subject: `Call back customer ${i}`,
    description: null,
    partnerId: `p${pad(i % PARTNERS, 5)}`,
    personId: null,
    // One busy owner holds every 11th task (~91k of 1M), the rest spread over OWNERS (issue 15's `tasks list --owner`).
    ownerId: i % 11 === 0 ? BUSY : `op${i % OWNERS}`,
    createdBy: 'op0',
    plannedAt: null,
    dueAt: new Date(dueMs(i)),
    doneAt: null,
    status: ['open', 'in_progress', 'done', 'cancelled'][i % 4]!,
    priority: 'normal',
    parentId: null,
    private: false,
    customFields: { region: i % 2 ? 'north' : 'south' },
    createdAt: at,
    updatedAt: at,
  };
}
function timelineRecord(i: number) {
  return {
    id: `l${pad(i)}`,
    version: 1,
    partnerId: `p${pad(i % PARTNERS, 5)}`,
    personId: null,
    at: new Date(T0 + i * 1000),
    kind: 'task.created',
    subjectType: 'task',
    subjectId: `t${pad(i)}`,
    title: `Call back customer ${i}`,
    actorId: 'op0',
    data: { number: i },
  };
}
const TASK_COLS = [
  'id',
  'version',
  'number',
  'register_id',
  'subject',
  'description',
  'partner_id',
  'person_id',
  'owner_id',
  'created_by',
  'planned_at',
  'due_at',
  'done_at',
  'status',
  'priority',
  'parent_id',
  'private',
  'custom_fields',
  'created_at',
  'updated_at',
];
const TL_COLS = ['id', 'version', 'partner_id', 'person_id', 'at', 'kind', 'subject_type', 'subject_id', 'title', 'actor_id', 'data'];
function taskRow(r: ReturnType<typeof taskRecord>, sqlite: boolean): unknown[] {
  const d = (x: Date | null) => (x === null ? null : sqlite ? x.getTime() : x);
  return [
    r.id,
    1,
    r.number,
    r.registerId,
    r.subject,
    null,
    r.partnerId,
    null,
    r.ownerId,
    r.createdBy,
    null,
    d(r.dueAt),
    null,
    r.status,
    r.priority,
    null,
    sqlite ? 0 : false,
    JSON.stringify(r.customFields),
    d(r.createdAt),
    d(r.updatedAt),
  ];
}
function timelineRow(r: ReturnType<typeof timelineRecord>, sqlite: boolean): unknown[] {
  return [r.id, 1, r.partnerId, null, sqlite ? r.at.getTime() : r.at, r.kind, r.subjectType, r.subjectId, r.title, r.actorId, JSON.stringify(r.data)];
}

// ---- databases ---------------------------------------------------------------------------
interface Target {
  label: string;
  open(): Promise<Store>;
  /** Opens the raw driver's connection to the database `open()` made (outside any timing). */
  openRaw(): Promise<void>;
  rawBulk(tasks: ReturnType<typeof taskRecord>[], tl: ReturnType<typeof timelineRecord>[]): Promise<void>;
  rawQuery(sql: string, params: unknown[]): Promise<unknown[]>;
  seed(): Promise<void>;
  analyze(): Promise<void>;
  placeholder(n: number): string;
  close(): Promise<void>;
}

function sqliteTarget(): Target {
  let n = 0;
  let file = '';
  let store: Store | undefined;
  let raw: Database.Database | undefined;
  const fresh = () => {
    file = join(dir, `bench-${++n}.sqlite`);
  };
  const rawDb = () => {
    raw?.close();
    raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    return raw;
  };
  return {
    label: 'SQLite (file)',
    async open() {
      await store?.close();
      fresh();
      store = sqliteStore({ filename: file });
      await store.migrate();
      return store;
    },
    async openRaw() {
      rawDb();
    },
    async rawBulk(tasks, tl) {
      const db = raw!;
      const it = db.prepare(`INSERT INTO tasks (${TASK_COLS.join(', ')}) VALUES (${TASK_COLS.map(() => '?').join(', ')})`);
      const il = db.prepare(`INSERT INTO timeline (${TL_COLS.join(', ')}) VALUES (${TL_COLS.map(() => '?').join(', ')})`);
      db.transaction(() => {
        for (const t of tasks) it.run(...taskRow(t, true));
        for (const l of tl) il.run(...timelineRow(l, true));
      })();
    },
    async rawQuery(sql, params) {
      return raw!.prepare(sql).all(...params);
    },
    async seed() {
      const db = raw!;
      db.exec(`
        WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${TIMELINE})
        INSERT INTO timeline (${TL_COLS.join(', ')})
        SELECT printf('s%08d', i), 1, printf('p%05d', i % ${PARTNERS}), NULL, ${T0} + i * 1000, 'task.created', 'task',
               printf('t%08d', i), 'Seeded item ' || i, 'op0', '{}' FROM s;
        WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${TASKS})
        INSERT INTO tasks (${TASK_COLS.join(', ')})
        SELECT printf('s%08d', i), 1, printf('S%08d', i), 'reg-seed', 'Seeded task ' || i, NULL, printf('p%05d', i % ${PARTNERS}), NULL,
               CASE WHEN i % 11 = 0 THEN '${BUSY}' ELSE 'op' || (i % ${OWNERS}) END, 'op0', NULL, ${T0} + ((i * 7919) % ${DUE_STEPS}) * ${DUE_STEP_MS}, NULL,
               CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'done' ELSE 'cancelled' END,
               'normal', NULL, 0, '{}', ${T0}, ${T0} FROM s;`);
    },
    async analyze() {
      raw!.exec('ANALYZE');
    },
    placeholder: () => '?',
    async close() {
      raw?.close();
      await store?.close();
    },
  };
}

function pgTarget(): Target {
  let n = 0;
  let schema = '';
  let store: Store | undefined;
  const admin = new pg.Client({ connectionString: PG_URL });
  let raw: pg.Client | undefined;
  const base = `bench_${process.pid}`;
  const rawClient = async () => {
    await raw?.end();
    raw = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await raw.connect();
    return raw;
  };
  return {
    label: 'PostgreSQL',
    async open() {
      await store?.close();
      if (n === 0) await admin.connect();
      if (schema) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      schema = `${base}_${++n}`;
      store = postgresStore({ url: PG_URL, schemaName: schema });
      await store.migrate();
      return store;
    },
    async openRaw() {
      await rawClient();
    },
    async rawBulk(tasks, tl) {
      const c = raw!;
      const insert = async (table: string, cols: string[], rows: unknown[][]) => {
        const per = Math.floor(65_000 / cols.length);
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          const values: unknown[] = [];
          const tuples = chunk.map((r) => `(${r.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`);
          await c.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, values);
        }
      };
      await c.query('BEGIN');
      await insert(
        'tasks',
        TASK_COLS,
        tasks.map((t) => taskRow(t, false)),
      );
      await insert(
        'timeline',
        TL_COLS,
        tl.map((l) => timelineRow(l, false)),
      );
      await c.query('COMMIT');
    },
    async rawQuery(sql, params) {
      return (await raw!.query(sql, params)).rows;
    },
    async seed() {
      const c = raw!;
      const ts = (expr: string) => `to_timestamp((${T0}::bigint + ${expr}) / 1000.0)`;
      await c.query(`
        INSERT INTO timeline (${TL_COLS.join(', ')})
        SELECT 's' || lpad(i::text, 8, '0'), 1, 'p' || lpad((i % ${PARTNERS})::text, 5, '0'), NULL, ${ts('i::bigint * 1000')},
               'task.created', 'task', 't' || lpad(i::text, 8, '0'), 'Seeded item ' || i, 'op0', '{}'::jsonb
        FROM generate_series(0, ${TIMELINE - 1}) AS i`);
      await c.query(`
        INSERT INTO tasks (${TASK_COLS.join(', ')})
        SELECT 's' || lpad(i::text, 8, '0'), 1, 'S' || lpad(i::text, 8, '0'), 'reg-seed', 'Seeded task ' || i, NULL,
               'p' || lpad((i % ${PARTNERS})::text, 5, '0'), NULL, CASE WHEN i % 11 = 0 THEN '${BUSY}' ELSE 'op' || (i % ${OWNERS}) END, 'op0', NULL,
               ${ts(`((i::bigint * 7919) % ${DUE_STEPS}) * ${DUE_STEP_MS}`)}, NULL, (ARRAY['open','in_progress','done','cancelled'])[i % 4 + 1],
               'normal', NULL, false, '{}'::jsonb, ${ts('0')}, ${ts('0')}
        FROM generate_series(0, ${TASKS - 1}) AS i`);
    },
    async analyze() {
      await raw!.query('VACUUM ANALYZE timeline');
      await raw!.query('VACUUM ANALYZE tasks');
    },
    placeholder: (i) => `$${i}`,
    async close() {
      await raw?.end();
      await store?.close();
      if (schema) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

// ---- benchmarks --------------------------------------------------------------------------
async function bulk(t: Target) {
  const tasks = Array.from({ length: BULK }, (_, i) => taskRecord(i));
  const tl = Array.from({ length: BULK }, (_, i) => timelineRecord(i));
  const storeTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const store = await t.open();
    storeTimes.push(
      await time(() =>
        store.transaction(async (tx) => {
          await tx.createMany('tasks', tasks);
          await tx.createMany('timeline', tl);
        }),
      ),
    );
    await t.open();
    await t.openRaw();
    rawTimes.push(await time(() => t.rawBulk(tasks, tl)));
  }
  const s = median(storeTimes);
  const raw = median(rawTimes);
  results.push({
    benchmark: `bulk create ${BULK.toLocaleString('en')} tasks + ${BULK.toLocaleString('en')} timeline, 1 tx`,
    store: t.label,
    'store (median)': `${ms(s)} (${Math.round((2 * BULK) / (s / 1000)).toLocaleString('en')} rows/s)`,
    'raw (median)': ms(raw),
    'speed vs raw': `${(raw / s).toFixed(2)}×`,
  });
}

async function reads(t: Target) {
  const store = await t.open();
  await t.openRaw();
  await t.seed();
  await t.analyze();
  const p = t.placeholder;
  const partnersToAsk = Array.from({ length: QUERIES }, (_, i) => `p${pad((i * 7919) % PARTNERS, 5)}`);

  // (b) partner history, first page of 50
  for (const id of partnersToAsk.slice(0, 50))
    await store.find('timeline', { where: where.eq('partnerId', id), sort: [{ field: 'at', direction: 'desc' }], limit: 50 });
  const storeLat: number[] = [];
  const rawLat: number[] = [];
  // The same query by hand, with the null order the store's semantics need (and PG indexes have).
  const pgNulls = !t.label.startsWith('SQLite');
  const desc = pgNulls ? 'DESC NULLS LAST' : 'DESC';
  const asc = pgNulls ? 'ASC NULLS FIRST' : 'ASC';
  // The due date is keyed with nulls last (decision 0175): SQLite's index on (due_at IS NULL), due_at.
  const dueAsc = pgNulls ? 'ASC NULLS LAST' : 'ASC';
  const notNullDue = pgNulls ? '' : '(due_at IS NULL) = 0 AND ';
  const handSql = `SELECT * FROM timeline WHERE partner_id = ${p(1)} ORDER BY at ${desc}, id ${desc} LIMIT 50`;
  for (const id of partnersToAsk) {
    storeLat.push(await time(() => store.find('timeline', { where: where.eq('partnerId', id), sort: [{ field: 'at', direction: 'desc' }], limit: 50 })));
    rawLat.push(await time(() => t.rawQuery(handSql, [id])));
  }
  const check = await store.find('timeline', { where: where.eq('partnerId', partnersToAsk[0]!), sort: [{ field: 'at', direction: 'desc' }], limit: 50 });
  if (check.items.length !== 50) throw new Error(`history page has ${check.items.length} items, expected 50`);
  results.push({
    benchmark: `history first page (50) — ${TIMELINE.toLocaleString('en')} items / ${PARTNERS.toLocaleString('en')} partners`,
    store: t.label,
    'store (median)': `p50 ${ms(median(storeLat))}, p95 ${ms(quantile(storeLat, 0.95))}`,
    'raw (median)': `p50 ${ms(median(rawLat))}, p95 ${ms(quantile(rawLat, 0.95))}`,
    'speed vs raw': `p95 ratio ${(quantile(storeLat, 0.95) / quantile(rawLat, 0.95)).toFixed(2)}`,
  });

  // (c) saved filter: owner + status + due before, sorted by due
  const due = new Date(T0 + (DUE_STEPS / 2) * DUE_STEP_MS);
  const filterLat: number[] = [];
  const rawFilterLat: number[] = [];
  const handFilter = `SELECT * FROM tasks WHERE owner_id = ${p(1)} AND status = ${p(2)} AND ${notNullDue}due_at < ${p(3)} ORDER BY due_at ${dueAsc}, id ${asc} LIMIT 50`;
  const dueParam = t.label.startsWith('SQLite') ? due.getTime() : due;
  for (let i = 0; i < QUERIES; i++) {
    // The seed gives owner k only status k % 4: ask for pairs that exist.
    const k = (i * 37) % OWNERS;
    const owner = `op${k}`;
    const status = ['open', 'in_progress', 'done', 'cancelled'][k % 4]!;
    const f = where.and(where.eq('ownerId', owner), where.eq('status', status), where.lt('dueAt', due));
    filterLat.push(await time(() => store.find('tasks', { where: f, sort: [{ field: 'dueAt' }], limit: 50 })));
    rawFilterLat.push(await time(() => t.rawQuery(handFilter, [owner, status, dueParam])));
  }
  results.push({
    benchmark: `saved filter (owner+status+due<, by due, 50) — ${TASKS.toLocaleString('en')} tasks`,
    store: t.label,
    'store (median)': `p50 ${ms(median(filterLat))}, p95 ${ms(quantile(filterLat, 0.95))}`,
    'raw (median)': `p50 ${ms(median(rawFilterLat))}, p95 ${ms(quantile(rawFilterLat, 0.95))}`,
    'speed vs raw': `p95 ratio ${(quantile(filterLat, 0.95) / quantile(rawFilterLat, 0.95)).toFixed(2)}`,
  });

  // (d) `rapport tasks list --owner` for the busy owner: the default order (due ascending, undated last, newest
  // created first), first page; the hand-written query names the order the index keeps.
  const listLat: number[] = [];
  const rawListLat: number[] = [];
  const listOrder = pgNulls ? 'due_at ASC NULLS LAST, created_at DESC NULLS LAST, id DESC NULLS LAST' : '(due_at IS NULL), due_at, created_at DESC, id DESC';
  const handList = `SELECT * FROM tasks WHERE owner_id = ${p(1)} ORDER BY ${listOrder} LIMIT 50`;
  const listQuery = { where: where.eq('ownerId', BUSY), sort: [{ field: 'dueAt' }, { field: 'createdAt', direction: 'desc' as const }], limit: 50 };
  const busy = await store.count('tasks', where.eq('ownerId', BUSY));
  for (let i = 0; i < QUERIES; i++) {
    listLat.push(await time(() => store.find('tasks', listQuery)));
    rawListLat.push(await time(() => t.rawQuery(handList, [BUSY])));
  }
  results.push({
    benchmark: `tasks list --owner, default sort (50) — owner of ${busy.toLocaleString('en')} of ${TASKS.toLocaleString('en')} tasks`,
    store: t.label,
    'store (median)': `p50 ${ms(median(listLat))}, p95 ${ms(quantile(listLat, 0.95))} (target p95 ≤ 5 ms)`,
    'raw (median)': `p50 ${ms(median(rawListLat))}, p95 ${ms(quantile(rawListLat, 0.95))}`,
    'speed vs raw': `p95 ratio ${(quantile(listLat, 0.95) / quantile(rawListLat, 0.95)).toFixed(2)}`,
  });
}

async function main() {
  console.log(`Rapport store benchmarks — BENCH_SCALE=${SCALE}, ${RUNS} runs for bulk, ${QUERIES} queries per read test`);
  const targets = [sqliteTarget()];
  if (WITH_PG) targets.push(pgTarget());
  for (const t of targets) {
    try {
      console.log(`· ${t.label}: bulk create`);
      await bulk(t);
      console.log(`· ${t.label}: seeding ${TIMELINE.toLocaleString('en')} timeline items and ${TASKS.toLocaleString('en')} tasks, then reads`);
      await reads(t);
    } finally {
      await t.close();
    }
  }
  const cols = Object.keys(results[0]!);
  const width = cols.map((c) => Math.max(c.length, ...results.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  console.log();
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of results) console.log(line(cols.map((c) => r[c]!)));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
