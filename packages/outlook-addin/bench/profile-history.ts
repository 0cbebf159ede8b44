// Counts the SQL statements one GET /api/v1/history runs and times N sequential requests
// in process (app.inject, no TLS, no load generator); PROFILE_OUT=x.cpuprofile profiles those requests.
//   npx tsx --tsconfig ../../tsconfig.json bench/profile-history.ts   (BENCH_SCALE, PROFILE_REQUESTS)
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrm, newId, type TimelineItem } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { createApiServer } from '../src/index.js';

const ITEMS = Math.round(1_000_000 * Number(process.env.BENCH_SCALE ?? 0.1));
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 2000);

// Every statement better-sqlite3 runs, by its SQL text.
const require = createRequire(join(process.cwd(), '../storage-adapters/package.json'));
const Database = require('better-sqlite3');
const proto = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
const counts = new Map<string, number>();
const spent = new Map<string, number>();
const lastCall = new Map<string, { db: { prepare(sql: string): { all(...a: unknown[]): unknown[] } }; args: unknown[] }>();
let counting = false;
const originals: Record<string, unknown> = {};
for (const m of ['all', 'get', 'run', 'iterate']) {
  const orig = (originals[m] = proto[m]);
  proto[m] = function (this: { source: string }, ...args: unknown[]) {
    if (!counting) return (orig as (...a: unknown[]) => unknown).apply(this, args);
    counts.set(this.source, (counts.get(this.source) ?? 0) + 1);
    lastCall.set(this.source, { db: (this as unknown as { database: never }).database, args });
    const t = performance.now();
    try {
      return (orig as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      spent.set(this.source, (spent.get(this.source) ?? 0) + performance.now() - t);
    }
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rapport-prof-'));
const store = sqliteStore({ filename: join(dir, 'p.db') });
await store.migrate();
const crm = createCrm({ store });
const op = await crm.operators.create({ name: 'Bench Operator', email: 'bench@firma.pl' });
const other = await crm.operators.create({ name: 'Other Operator', email: 'other@firma.pl' });
const { token } = await crm.operators.createToken(op.id);
const as = crm.as(op.id);
const zefir = await as.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
const jan = await as.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.fiszka@zefir.pl'] });
const taskIds: string[] = [];
for (let i = 0; i < 40; i++) {
  const t = await as.tasks.create({
    subject: `Zadanie ${i}`,
    personId: jan.id,
    ownerId: i % 5 === 0 ? other.id : op.id,
    private: i % 10 === 0,
    dueAt: new Date(Date.now() + (i - 20) * 86_400_000),
    stages: [{ subject: 'A' }, { subject: 'B' }],
  });
  taskIds.push(t.id);
}
const batch: TimelineItem[] = [];
const start = Date.UTC(2020, 0, 1);
for (let i = 0; i < ITEMS; i++) {
  const at = new Date(start + i * 60_000);
  const kind = i % 3 === 0 ? 'email.received' : i % 3 === 1 ? 'task.created' : 'entry.note';
  batch.push({
    id: newId(at.getTime()),
    version: 1,
    partnerId: i % 5 === 0 ? zefir.id : newId(),
    personId: i % 5 === 0 ? jan.id : null,
    at,
    kind,
    subjectType: kind === 'email.received' ? 'email' : 'task',
    subjectId: kind === 'email.received' ? newId(at.getTime()) : taskIds[i % taskIds.length]!,
    title: `${kind} #${i}`,
    actorId: op.id,
    data: {},
  });
  if (batch.length === 5000) await store.createMany('timeline', batch.splice(0));
}
if (batch.length) await store.createMany('timeline', batch.splice(0));

const app = await createApiServer({ crm, paneDir: false, rateLimit: false });
const get = () => app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=20', headers: { authorization: `Bearer ${token}` } });
for (let i = 0; i < 50; i++) if ((await get()).statusCode !== 200) throw new Error('history did not answer 200');

const SAMPLED = 200;
counting = true;
for (let i = 0; i < SAMPLED; i++) await get();
counting = false;
const total = [...counts.values()].reduce((a, b) => a + b, 0) / SAMPLED;
process.stdout.write(`one GET /history (warm): ${total} statements; SQLite time per request (mean of ${SAMPLED}) by statement:\n`);
const clip = (sql: string) =>
  sql
    .replace(/\s+/g, ' ')
    .replace(/^SELECT .*? FROM/, 'SELECT … FROM')
    .slice(0, 220);
for (const [sql, t] of [...spent].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`  ${(t / SAMPLED).toFixed(3)} ms  ${counts.get(sql)! / SAMPLED} × ${clip(sql)}\n`);
  // EXPLAIN=1: how SQLite runs each statement.
  const call = lastCall.get(sql)!;
  if (process.env.EXPLAIN && /^SELECT/.test(sql))
    for (const row of call.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...call.args) as Array<{ detail: string }>)
      process.stdout.write(`      ${row.detail}\n`);
}

Object.assign(proto, originals);
// PROFILE_OUT=file.cpuprofile: a CPU profile of the timed requests only (not of the seeding).
const session = process.env.PROFILE_OUT ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < REQUESTS; i++) await get();
const each = (performance.now() - t0) / REQUESTS;
const cpu = process.cpuUsage(cpu0);
// CPU time is what a busy machine distorts least (wall time waits for other processes' turns).
const cpuEach = (cpu.user + cpu.system) / 1000 / REQUESTS;
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(process.env.PROFILE_OUT!, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(
  `${REQUESTS} sequential requests: ${each.toFixed(2)} ms each (${(1000 / each).toFixed(0)} req/s on one connection); CPU ${cpuEach.toFixed(2)} ms a request (${(1000 / cpuEach).toFixed(0)} req/s per core)\n`,
);
await app.close();
await crm.close();
rmSync(dir, { recursive: true, force: true });
