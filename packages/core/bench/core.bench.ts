/**
 * Core benchmark (memory store): task creation throughput through `crm.tasks.create` (number
 * series, audit-free create with a timeline write) and partner-history first-page latency at
 * 100k timeline items. Run with `npm run bench -w @rapport/core`. Figures are medians over runs.
 */
import { performance } from 'node:perf_hooks';
import { createCrm, memoryStore, newId, steppingClock, type Crm, type Partner, type Store, type TimelineItem } from '@rapport/core';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TASKS = Number(process.env.BENCH_TASKS ?? 5_000);
const TIMELINE_ITEMS = Number(process.env.BENCH_TIMELINE ?? 100_000);
const PARTNERS = Number(process.env.BENCH_PARTNERS ?? 1_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1_000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function world(partners: number): Promise<{ crm: Crm; store: Store; partners: Partner[] }> {
  const store = memoryStore();
  const root = createCrm({ store, clock: steppingClock('2026-01-05T08:00:00Z', 10) });
  const admin = await root.operators.create({ name: 'Bench', email: 'bench@firma.pl' });
  const crm = root.as(admin.id);
  const list: Partner[] = [];
  for (let i = 0; i < partners; i++) list.push(await crm.partners.create({ code: `P${i}`, name: `Partner ${i}` }));
  return { crm, store, partners: list };
}

/** Tasks per second, created one after another (each its own transaction) or all at once. */
async function createRate(parallel: boolean): Promise<number> {
  const { crm, partners } = await world(100);
  const input = (i: number) => ({ subject: `Task ${i}`, partnerId: partners[i % partners.length]!.id, dueAt: '2026-02-01T10:00:00Z' });
  const start = performance.now();
  if (parallel) await Promise.all(Array.from({ length: TASKS }, (_, i) => crm.tasks.create(input(i))));
  else for (let i = 0; i < TASKS; i++) await crm.tasks.create(input(i));
  return TASKS / ((performance.now() - start) / 1000);
}

/** First-page latencies of `crm.history.forPartner` with `TIMELINE_ITEMS` items over `partnerCount` partners. */
async function historyLatency(partnerCount: number): Promise<{ p50: number; p95: number }> {
  const { crm, store, partners } = await world(partnerCount);
  const existing = await store.count('timeline');
  const base = Date.parse('2026-01-10T00:00:00Z');
  // Bulk-load the projection directly (what months of writes would leave behind).
  const batch: TimelineItem[] = [];
  for (let i = existing; i < TIMELINE_ITEMS; i++) {
    const at = base + i * 1000;
    batch.push({
      id: newId(at),
      version: 1,
      partnerId: partners[i % partners.length]!.id,
      personId: null,
      at: new Date(at),
      kind: 'entry.note',
      subjectType: 'task',
      subjectId: 'bench',
      title: `note ${i}`,
      actorId: null,
      data: { i },
    });
    if (batch.length === 5_000) await store.createMany('timeline', batch.splice(0));
  }
  if (batch.length) await store.createMany('timeline', batch);
  const times: number[] = [];
  for (let q = 0; q < QUERIES + 50; q++) {
    const partner = partners[(q * 7919) % partners.length]!;
    const start = performance.now();
    const page = await crm.history.forPartner(partner.id, { limit: 50 });
    const ms = performance.now() - start;
    if (page.items.length === 0) throw new Error('empty history page');
    if (q >= 50) times.push(ms); // the first 50 warm the JIT
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function main() {
  // Warm the JIT so the first run is not a measure of compilation.
  await createRate(false);
  const rows: Array<[string, string]> = [];
  const seq: number[] = [];
  const par: number[] = [];
  const spread: Array<{ p50: number; p95: number }> = [];
  const hot: Array<{ p50: number; p95: number }> = [];
  for (let r = 0; r < RUNS; r++) {
    seq.push(await createRate(false));
    par.push(await createRate(true));
    spread.push(await historyLatency(PARTNERS));
    hot.push(await historyLatency(1));
    process.stderr.write(`run ${r + 1}/${RUNS} done\n`);
  }
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  rows.push([`tasks.create, one after another (${fmt(TASKS)} tasks, timeline write each)`, `${fmt(median(seq))} tasks/s`]);
  rows.push([`tasks.create, ${fmt(TASKS)} in parallel`, `${fmt(median(par))} tasks/s`]);
  const s50 = median(spread.map((x) => x.p50));
  const s95 = median(spread.map((x) => x.p95));
  rows.push([`history.forPartner first page (50) at ${fmt(TIMELINE_ITEMS)} items / ${fmt(PARTNERS)} partners: p50`, `${fmt(s50, 3)} ms`]);
  rows.push([`history.forPartner first page (50) at ${fmt(TIMELINE_ITEMS)} items / ${fmt(PARTNERS)} partners: p95`, `${fmt(s95, 3)} ms`]);
  rows.push([`history.forPartner first page (50) at ${fmt(TIMELINE_ITEMS)} items / 1 partner: p50`, `${fmt(median(hot.map((x) => x.p50)), 3)} ms`]);
  rows.push([`history.forPartner first page (50) at ${fmt(TIMELINE_ITEMS)} items / 1 partner: p95`, `${fmt(median(hot.map((x) => x.p95)), 3)} ms`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`@rapport/core benchmark — memory store, Node ${process.version}, medians of ${RUNS} runs`);
  console.log(`${'measure'.padEnd(width)} | result`);
  console.log(`${'-'.repeat(width)}-|-${'-'.repeat(16)}`);
  for (const [k, val] of rows) console.log(`${k.padEnd(width)} | ${val}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
