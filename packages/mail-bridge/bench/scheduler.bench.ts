/**
 * Scheduler benchmarks (issue 13), on SQLite and PostgreSQL:
 *   1. N_MAIL (10,000) reminder-like jobs due at once: each run enqueues one e-mail that the
 *      worker delivers over SMTP (nodemailer pool) to the sink process of tests/support; sent/s
 *      vs nodemailer sending the same messages straight to the same sink (ratio), and the
 *      due → delivered p95 (time the sink took each message, minus the due time).
 *   2. Scheduler overhead: claim + complete of N_NOOP (100,000) no-op jobs, one worker and two
 *      workers (two schedulers in this process) → jobs/s.
 * Run: npm run bench:scheduler -w @rapport/mail-bridge   (N_MAIL, N_NOOP, ONLY=mail|noop, STORES=sqlite,postgres)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { createCrm, createScheduler, newId, type Crm, type Job, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { smtpMailer } from '../src/index.js';
import { startSmtpSink } from '../../../tests/support/smtp.js';

const N_MAIL = Number(process.env.N_MAIL ?? 10_000);
const N_NOOP = Number(process.env.N_NOOP ?? 100_000);
const STORES = (process.env.STORES ?? 'sqlite,postgres').split(',');
const only = (name: string) => !process.env.ONLY || process.env.ONLY === name;
const PG_BASE_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A database of its own (dropped at the end): the worker uses the public schema. */
const PG_DB = `bench_scheduler_${process.pid}`;
const PG_URL = PG_BASE_URL.replace(/\/[^/]*$/, `/${PG_DB}`);

async function pgAdmin(sql: string) {
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
const SMTP = { maxConnections: 5 };
const OPTS = { concurrency: 20, batchSize: 200 };

const dir = await mkdtemp(join(tmpdir(), 'rapport-sched-bench-'));
let port = 4450;

async function openStore(kind: string, name: string): Promise<Store> {
  if (kind === 'sqlite') {
    const s = sqliteStore({ filename: join(dir, `${name}.db`) });
    await s.migrate();
    return s;
  }
  await pgAdmin(`DROP DATABASE IF EXISTS ${PG_DB}`);
  await pgAdmin(`CREATE DATABASE ${PG_DB}`);
  const s = postgresStore({ url: PG_URL });
  await s.migrate();
  return s;
}

/** Writes `n` due jobs straight into the store (seeding is not what is measured). */
async function seed(store: Store, n: number, kind: string, at: Date) {
  for (let i = 0; i < n; i += 1000) {
    const jobs: Job[] = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      id: newId(),
      version: 1,
      key: `${kind}:${i + j}`,
      kind,
      at,
      cron: null,
      timeZone: null,
      payload: { n: i + j },
      catchUp: 'once',
      maxAttempts: 5,
      status: 'scheduled',
      nextRunAt: at,
      occurrenceAt: null,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      lastRunAt: null,
      lastError: null,
      runs: 0,
      createdAt: at,
      updatedAt: at,
    }));
    await store.createMany('jobs', jobs);
  }
}

const message = (n: number) => ({
  from: 'crm@firma.pl',
  to: `person${n}@example.com`,
  subject: `Reminder: task ${n} is due`,
  text: `Task ${n} is due today.\n`,
});
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

async function mailBench(kind: string) {
  // nodemailer alone: the same messages, the same pool, straight to a fresh sink.
  const direct = await startSmtpSink(port++, join(dir, `${kind}-direct.jsonl`));
  const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: direct.port, ignoreTLS: true, ...SMTP, maxMessages: Infinity });
  let t0 = performance.now();
  await Promise.all(Array.from({ length: N_MAIL }, (_, n) => transport.sendMail({ ...message(n), messageId: `<d${n}@firma.pl>` })));
  const directSecs = (performance.now() - t0) / 1000;
  transport.close();
  await direct.stop();

  const sink = await startSmtpSink(port++, join(dir, `${kind}-worker.jsonl`));
  const store = await openStore(kind, 'mail');
  const crm: Crm = createCrm({ store });
  const due = new Date();
  await seed(store, N_MAIL, 'reminder', due);
  const mailer = smtpMailer({ host: '127.0.0.1', port: sink.port, tls: 'none', ...SMTP });
  const worker = createScheduler(crm, { mailer, ...OPTS }).handle('reminder', (job, ctx) => {
    const n = Number(job.payload.n);
    ctx.enqueue({ key: `reminder:${job.key}:${ctx.occurrence.toISOString()}`, channel: 'email', payload: message(n) });
  });
  const wall0 = Date.now();
  t0 = performance.now();
  const report = await worker.runOnce();
  const secs = (performance.now() - t0) / 1000;
  const received = sink.received();
  const latencies = received.map((r) => r.at - Math.max(due.getTime(), wall0));
  await mailer.close!();
  await crm.close();
  await sink.stop();
  if (report.deliveries.sent !== N_MAIL || new Set(received.map((r) => r.messageId)).size !== N_MAIL)
    throw new Error(`${kind}: sent ${report.deliveries.sent}, sink has ${received.length} of ${N_MAIL}`);
  return {
    store: kind,
    messages: N_MAIL,
    'worker sent/s': Math.round(N_MAIL / secs),
    'nodemailer sent/s': Math.round(N_MAIL / directSecs),
    ratio: Number((directSecs / secs).toFixed(2)),
    'due→delivered p95 s': Number((p95(latencies) / 1000).toFixed(2)),
  };
}

async function noopBench(kind: string, workers: number) {
  const store = await openStore(kind, `noop-${workers}`);
  const crm = createCrm({ store });
  await seed(store, N_NOOP, 'noop', new Date(Date.now() - 1000));
  const schedulers = Array.from({ length: workers }, (_, i) =>
    createScheduler(crm, { workerId: `w${i}`, ...OPTS, builtins: false }).handle('noop', () => undefined),
  );
  const t0 = performance.now();
  const reports = await Promise.all(schedulers.map((s) => s.runOnce()));
  const secs = (performance.now() - t0) / 1000;
  const completed = reports.reduce((n, r) => n + r.jobs.completed, 0);
  const done = await store.count('jobs', { op: 'eq', field: 'status', value: 'done' });
  await crm.close();
  if (completed !== N_NOOP || done !== N_NOOP) throw new Error(`${kind}: ${completed} completed, ${done} done of ${N_NOOP}`);
  return { store: kind, workers, jobs: N_NOOP, 'jobs/s': Math.round(N_NOOP / secs), lost: reports.reduce((n, r) => n + r.jobs.lost, 0) };
}

console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  if (only('mail')) {
    const rows = [];
    for (const kind of STORES) rows.push(await mailBench(kind));
    console.log(`\n${N_MAIL} reminder e-mails due at once → SMTP sink (pool of ${SMTP.maxConnections} connections)`);
    console.table(rows);
  }
  if (only('noop')) {
    const rows = [];
    for (const kind of STORES) for (const workers of [1, 2]) rows.push(await noopBench(kind, workers));
    console.log(`\nclaim + complete of ${N_NOOP} no-op jobs`);
    console.table(rows);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  if (STORES.includes('postgres')) await pgAdmin(`DROP DATABASE IF EXISTS ${PG_DB}`);
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
