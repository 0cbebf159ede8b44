// npm run bench -w @rapport/outlook-addin
//   1. GET /api/v1/history p50/p95 under 20 concurrent clients for 10 s (autocannon), on a
//      SQLite file with 1M timeline items (BENCH_SCALE=0.1 → 100k; BENCH_SECONDS to shorten).
//      BENCH_STORE=postgres runs it on PostgreSQL (RAPPORT_TEST_PG_URL); BENCH_DB=file.db keeps the
//      seeded SQLite file for the next run (bench/seed.ts).
//      The rate limit is off (it would answer most of the load with 429); req/s and the
//      percentiles count only 200 responses, and the share of other statuses is printed.
//      The line also gives the server process's CPU per 200 (process.cpuUsage over the run / 200s)
//      and the load average; BENCH_PROFILE=file.cpuprofile profiles the server during the run.
//   2. The pane's ItemChanged → rendered time in Chromium (fake Office host), p50/p95.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { createApiServer, ensureDevCertificate } from '../src/index.js';
import { buildPane } from '../src/build/pane.js';
import { seedHistory } from './seed.js';
import { fakeOffice, launchChromium, paneContext, type FakeMessage } from '../test/browser/harness.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ITEMS = Math.round(1_000_000 * SCALE);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
const PANE_ROUNDS = Math.max(20, Math.round(200 * Math.min(SCALE, 1)));

// Runs in a child process: GET the URL with autocannon and print every response time.
const LOAD_SCRIPT = `
const autocannon = require('autocannon');
const [url, connections, duration] = process.argv.slice(1);
const lat = [];
const statuses = {};
const run = autocannon({ url, connections: +connections, duration: +duration, headers: { authorization: 'Bearer ' + process.env.BENCH_TOKEN }, tlsOptions: { rejectUnauthorized: false } });
const t0 = performance.now();
run.on('response', (_c, status, _b, time) => { if (status === 200) lat.push(time); statuses[status] = (statuses[status] || 0) + 1; });
run.then((r) => process.stdout.write(JSON.stringify({ lat, statuses, seconds: (performance.now() - t0) / 1000, errors: r.errors + r.timeouts })));
`;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main() {
  const seeded = await seedHistory(ITEMS);
  const { crm, token } = seeded;
  const count = seeded.items;
  process.stdout.write(`${seeded.describe}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));

  const paneDir = join(dir, 'pane');
  await buildPane(paneDir);
  const cert = ensureDevCertificate(join(dir, 'certs'));
  // The bench measures the server, not the limiter: with the default 600/min nearly every answer is 429.
  const app = await createApiServer({ crm, tls: cert, paneDir, rateLimit: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  // 1. API under load (HTTPS, keep-alive, 20 connections). autocannon runs in its own process
  // so the load generator does not share the server's event loop.
  const hammer = (seconds: number) =>
    new Promise<{ lat: number[]; statuses: Record<string, number>; seconds: number; errors: number }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-e', LOAD_SCRIPT, `${origin}/api/v1/history?email=jan.fiszka@zefir.pl&limit=20`, String(CONNECTIONS), String(seconds)],
        { env: { ...process.env, BENCH_TOKEN: token }, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))),
      );
    });
  await hammer(2); // warm-up (JIT, TLS sessions, SQLite page cache): not measured
  // BENCH_PROFILE=file.cpuprofile: a CPU profile of the server during the measured run.
  const session = process.env.BENCH_PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  // The server's CPU (this process: TLS, Fastify, core, SQLite) per 200 answered, which a busy
  // machine distorts far less than req/s; the load generator runs in its own process.
  const cpu0 = process.cpuUsage();
  const load = await hammer(SECONDS);
  const cpu = process.cpuUsage(cpu0);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  const latencies = load.lat.sort((a, b) => a - b);
  if (!latencies.length) throw new Error(`no request answered 200: ${JSON.stringify(load.statuses)}`);
  const answered = Object.values(load.statuses).reduce((a, b) => a + b, 0) + load.errors;
  const api = {
    rateLimit: 'off',
    requests: latencies.length,
    rps: latencies.length / load.seconds,
    non200Share: answered ? (answered - latencies.length) / answered : 0,
    errors: load.errors,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    statuses: load.statuses,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / latencies.length,
    cpuUserShare: cpu.user / (cpu.user + cpu.system),
    loadAverage: loadavg()[0]!,
  };

  // 2. Pane: ItemChanged → rendered, alternating a known partner and an unknown sender.
  const browser = await launchChromium();
  const context = await paneContext(browser, origin);
  const jans: FakeMessage = { from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' }, subject: 'Pytanie', internetMessageId: '<b1@zefir.pl>' };
  const stranger: FakeMessage = { from: { name: 'Olga', address: 'olga@unknown.example' }, subject: 'Oferta', internetMessageId: '<b2@unknown.example>' };
  await context.addInitScript(fakeOffice, { settings: { serverUrl: origin, token }, item: jans, mailbox114: true });
  const page = await context.newPage();
  await page.goto(`${origin}/pane/taskpane.html`);
  await page.waitForSelector('body[data-state="ready"]');
  const renders: number[] = [];
  // The first rounds warm up the page and the server and are not counted.
  for (let i = -10; i < PANE_ROUNDS; i++) {
    const item = i % 2 === 0 ? stranger : jans;
    const took = await page.evaluate(async (m) => {
      const w = window as unknown as { __fake: { setItem(m: unknown): void } };
      const done = new Promise<void>((resolve) => addEventListener('rapport:rendered', () => resolve(), { once: true }));
      const t = performance.now();
      w.__fake.setItem(m);
      await done;
      // Wait for the frame that shows it.
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      return performance.now() - t;
    }, item);
    if (i >= 0) renders.push(took);
  }
  renders.sort((a, b) => a - b);
  await browser.close();
  await app.close();
  await seeded.dispose();
  rmSync(dir, { recursive: true, force: true });

  const report = {
    store: seeded.kind,
    timelineItems: count,
    seedSeconds: Number(seeded.seedSeconds.toFixed(1)),
    api: { endpoint: 'GET /api/v1/history?limit=20 (HTTPS)', connections: CONNECTIONS, seconds: SECONDS, ...api },
    pane: { rounds: PANE_ROUNDS, p50: renders.length ? pct(renders, 50) : null, p95: renders.length ? pct(renders, 95) : null, targetP95: 150 },
  };
  process.stdout.write(
    [
      `GET /history at ${count.toLocaleString('en')} items, ${CONNECTIONS} clients, ${SECONDS} s, rate limit off: ${api.requests} answered 200 (${api.rps.toFixed(0)} req/s of 200s; target ≥ 1,400), non-200 share ${(100 * api.non200Share).toFixed(2)} % ${JSON.stringify(api.statuses)}, connection errors ${api.errors}; 200s p50 ${ms(api.p50)}, p95 ${ms(api.p95)} (target ≤ 20 ms), p99 ${ms(api.p99)}; server CPU ${api.cpuMsPerRequest.toFixed(3)} ms a 200 (${(100 * api.cpuUserShare).toFixed(0)} % user), load average ${api.loadAverage.toFixed(2)}`,
      `pane ItemChanged → rendered (${PANE_ROUNDS} rounds): p50 ${ms(report.pane.p50!)}, p95 ${ms(report.pane.p95!)} (target ≤ 150 ms)`,
      JSON.stringify(report),
      '',
    ].join('\n'),
  );
}

await main();
