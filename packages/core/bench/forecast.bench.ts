/**
 * Forecast over 100k opportunities on memoryStore, sqliteStore (file) and postgresStore:
 * `npm run bench:forecast -w @rapport/core`. The store groups and sums (one aggregate query);
 * core only weights the grouped rows. Env: BENCH_OPPS (default 100000), BENCH_RUNS (default 50),
 * BENCH_PG=0 skips PostgreSQL, RAPPORT_TEST_PG_URL picks the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createCrm, memoryStore, type ForecastGroup, type Opportunity, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';

const OPPS = Number(process.env.BENCH_OPPS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WITH_PG = process.env.BENCH_PG !== '0';
const OWNERS = 25;
const CAMPAIGNS = 40;
const STAGES = ['presentation', 'offering', 'negotiation', 'won', 'lost'] as const;
const STATUS = { presentation: 'open', offering: 'open', negotiation: 'open', won: 'won', lost: 'lost' } as const;
const T0 = Date.UTC(2026, 0, 1);
const GROUPS: ForecastGroup[] = ['owner', 'stage', 'campaign', 'month'];

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;

function opportunity(i: number, pipelineId: string): Opportunity {
  const stage = STAGES[i % STAGES.length]!;
  const at = new Date(T0 + (i % 1000) * 3_600_000);
  return {
    id: `opp${String(i).padStart(8, '0')}`,
    version: 1,
    name: `Opportunity ${i}`,
    partnerId: `p${i % 5000}`,
    personId: null,
    campaignId: i % 3 === 0 ? null : `c${i % CAMPAIGNS}`,
    registerId: null,
    ownerId: `op${i % OWNERS}`,
    pipelineId,
    stage,
    status: STATUS[stage],
    amount: 10_000 + ((i * 7919) % 5_000_000),
    currency: i % 4 === 0 ? 'EUR' : 'PLN',
    // Two years of expected closes, spread over every day.
    expectedCloseAt: new Date(T0 + ((i * 37) % 730) * 86_400_000),
    closedAt: STATUS[stage] === 'open' ? null : at,
    lostReason: stage === 'lost' ? 'price' : null,
    createdBy: null,
    createdAt: at,
    updatedAt: at,
  };
}

async function bench(name: string, store: Store) {
  await store.migrate();
  const crm = createCrm({ store });
  const pipeline = await crm.opportunities.pipeline();
  let t = performance.now();
  for (let i = 0; i < OPPS; i += 1000) {
    await store.createMany(
      'opportunities',
      Array.from({ length: Math.min(1000, OPPS - i) }, (_, j) => opportunity(i + j, pipeline.id)),
    );
  }
  const load = performance.now() - t;
  const rows: Array<Record<string, string>> = [];
  const checks: string[] = [];
  for (const groupBy of GROUPS) {
    const query = { from: '2026-03-01', to: '2027-03-01', groupBy };
    const first = await crm.opportunities.forecast(query); // warm-up (and the figures to compare)
    checks.push(JSON.stringify(first.totals));
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      t = performance.now();
      await crm.opportunities.forecast(query);
      times.push(performance.now() - t);
    }
    rows.push({ store: name, groupBy, groups: String(first.rows.length), p50: ms(quantile(times, 0.5)), p95: ms(quantile(times, 0.95)), load: ms(load) });
  }
  await crm.close();
  return { rows, checks };
}

const dir = mkdtempSync(join(tmpdir(), 'rapport-forecast-'));
const pgSchema = `bench_forecast_${process.pid}`;
try {
  const runs: Array<[string, () => Store]> = [
    ['memory', () => memoryStore()],
    ['sqlite (file)', () => sqliteStore({ filename: join(dir, 'bench.db') })],
  ];
  if (WITH_PG) runs.push(['postgres', () => postgresStore({ url: PG_URL, schemaName: pgSchema })]);
  const table: Array<Record<string, string>> = [];
  let reference: string[] | null = null;
  for (const [name, open] of runs) {
    process.stderr.write(`${name}: loading ${OPPS} opportunities, ${RUNS} runs per grouping...\n`);
    const { rows, checks } = await bench(name, open());
    table.push(...rows);
    if (reference && JSON.stringify(reference) !== JSON.stringify(checks)) throw new Error(`${name} computed other totals than memory`);
    reference ??= checks;
  }
  console.log(`\nforecast over ${OPPS} opportunities (${OWNERS} owners, ${CAMPAIGNS} campaigns, EUR+PLN, 12-month window), ${RUNS} runs`);
  console.table(table);
  console.log('every store computed the same totals per currency:', reference?.[0]);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (WITH_PG) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await client.end();
  }
}
