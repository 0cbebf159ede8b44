/**
 * What notification rules cost the writes they watch: every unit that changes records reads the
 * active rules of those record kinds and the watches of those records, in its transaction
 * (decision 0135). `npm run bench:rules -w @rapport/core` times `crm.tasks.update` (one field) on
 * a SQLite file and PostgreSQL with no rule, with 10 rules that do not match, and with 10 rules of
 * which one matches (a job is written), against the raw driver updating the same row in a
 * transaction. Env: BENCH_RUNS (default 1000), BENCH_PG=0 skips PostgreSQL, RAPPORT_TEST_PG_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createCrm, where, type Crm, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WITH_PG = process.env.BENCH_PG !== '0';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(3)} ms`;

async function timed(fn: (i: number) => Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return median(out);
}

/** Medians of one task update with 0, 10 (none matching) and 10 (one matching) rules. */
async function crmRuns(crm: Crm): Promise<{ taskId: string; none: number; ten: number; matching: number }> {
  const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
  const task = await crm.tasks.create({ subject: 'x', ownerId: ewa.id });
  const none = await timed((i) => crm.tasks.update(task.id, { description: `a${i}` }));
  for (let i = 0; i < 10; i++)
    await crm.rules.create({
      name: `r${i}`,
      on: 'task.updated',
      filter: where.eq('subject', `never ${i}`),
      recipients: [{ operator: ewa.id }],
      channel: 'inapp',
    });
  const ten = await timed((i) => crm.tasks.update(task.id, { description: `b${i}` }));
  await crm.rules.create({ name: 'every change', on: 'task.updated', recipients: [{ operator: ewa.id }], channel: 'inapp' });
  const matching = await timed((i) => crm.tasks.update(task.id, { description: `c${i}` }));
  return { taskId: task.id, none, ten, matching };
}

const rows: string[][] = [];
function report(store: string, r: { none: number; ten: number; matching: number }, raw: number) {
  for (const [what, m] of [
    ['no rules', r.none],
    ['10 rules, none matching', r.ten],
    ['11 rules, 1 matching (+1 job)', r.matching],
  ] as const)
    rows.push([store, what, ms(m), ms(raw), `${(m / raw).toFixed(1)}×`]);
}

async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-rules-bench-'));
  const file = join(dir, 'crm.db');
  const store: Store = sqliteStore({ filename: file });
  await store.migrate();
  const crm = createCrm({ store });
  try {
    const r = await crmRuns(crm);
    const db = new Database(file);
    const update = db.prepare('UPDATE tasks SET description = ?, version = version + 1, updated_at = ? WHERE id = ?');
    const raw = await timed(async (i) => db.transaction(() => update.run(`d${i}`, Date.now(), r.taskId))());
    db.close();
    report('SQLite file', r, raw);
  } finally {
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres() {
  const schema = `rules_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const store = postgresStore({ url: PG_URL, schemaName: schema });
  await store.migrate();
  const crm = createCrm({ store });
  try {
    const r = await crmRuns(crm);
    const raw = await timed(async (i) => {
      await admin.query('BEGIN');
      await admin.query(`UPDATE "${schema}".tasks SET description = $1, version = version + 1, updated_at = $2 WHERE id = $3`, [`d${i}`, new Date(), r.taskId]);
      await admin.query('COMMIT');
    });
    report('PostgreSQL', r, raw);
  } finally {
    await crm.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

await sqlite();
if (WITH_PG) await postgres();
const widths = [12, 30, 12, 12, 8];
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' ');
console.log(line(['store', 'crm.tasks.update', 'median', 'raw UPDATE', 'ratio']));
for (const r of rows) console.log(line(r));
console.log(
  `runs ${RUNS} each; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${process.env.HOSTNAME ?? 'this machine'}`,
);
