// Counts the SQL statements one GET /api/v1/history runs and times N sequential requests
// in process (app.inject, no TLS, no load generator); PROFILE_OUT=x.cpuprofile profiles those requests.
//   npx tsx --tsconfig ../../tsconfig.json bench/profile-history.ts   (BENCH_SCALE, PROFILE_REQUESTS)
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createApiServer } from '../src/index.js';
import { seedHistory } from './seed.js';

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

const seeded = await seedHistory(ITEMS, 'sqlite');
const { crm, token } = seeded;
process.stdout.write(`${seeded.describe}\n`);

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
// The floor: the statements one request runs (those run on every request), replayed straight on
// better-sqlite3 with the last request's parameters, rows fetched and nothing else done.
const every = [...counts].filter(([, n]) => n >= SAMPLED).map(([sql]) => ({ sql, ...lastCall.get(sql)! }));
const prepared = every.map((c) => ({ stmt: c.db.prepare(c.sql) as { all(...a: unknown[]): unknown[]; source: string }, args: c.args }));
const rawRounds = 2000;
const r0 = performance.now();
for (let i = 0; i < rawRounds; i++) for (const p of prepared) p.stmt.all(...p.args);
const rawEach = (performance.now() - r0) / rawRounds;
process.stdout.write(`the same ${prepared.length} statements on better-sqlite3 alone: ${rawEach.toFixed(3)} ms a request\n`);
if (process.env.RAW_EACH)
  for (const p of prepared) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < rawRounds; i++) p.stmt.all(...p.args);
    const c = process.cpuUsage(c0);
    const rows = p.stmt.all(...p.args).length;
    process.stdout.write(`  ${((c.user + c.system) / 1000 / rawRounds).toFixed(3)} ms CPU, ${rows} rows  ${clip(p.stmt.source)}\n`);
  }
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
await seeded.dispose();
