/**
 * Access rules at scale: a restricted operator (tasks own+group over 50 groups, 1,000 shares)
 * lists open tasks and reads a partner's history, against the same query by the trusted host
 * (no rules); a second operator in the same groups, who reads their groups' partners only, lists a
 * campaign's members (a `related` collection: the partners' rule looked up in the same query).
 * `npm run bench:access -w @rapport/storage-adapters`
 *
 *   BENCH_ROWS=1000000   tasks and timeline items each (default 1M; --rows N works too)
 *   BENCH_QUERIES=300    queries per measurement
 *   BENCH_PG=0           skip PostgreSQL; RAPPORT_TEST_PG_URL picks the server
 *
 * The fixture is written with SQL straight into the migrated schema (generate_series / a
 * recursive CTE): 1M rows in seconds, not the hours a million `tasks.create` calls would take.
 * Roles, groups and memberships go through the CRM, as a host would create them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createCrm, type Crm, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '../src/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg('rows') ?? process.env.BENCH_ROWS ?? 1_000_000);
const QUERIES = Number(arg('queries') ?? process.env.BENCH_QUERIES ?? 300);
const WITH_PG = process.env.BENCH_PG !== '0';
const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const OPERATORS = 1_000; // owners op0..op999; the restricted operator is op0
const GROUPS = 50;
const MEMBERS_PER_GROUP = 4; // op1..op200: the group scope reaches 201 owners, ~20% of the tasks
const SHARES = 1_000;
const PARTNERS = Math.max(100, Math.round(ROWS / 100)); // ~100 history items per partner
const T0 = Date.UTC(2024, 0, 1);
const DUE_STEPS = 100_000;
const DUE_STEP_MS = 600_000;
const RESTRICTED = 'op0';
const PARTNER_GROUP = 'op999'; // reads the partners of their groups (~20%), and every campaign
const CAMPAIGN_MEMBERS = 1_000;

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
const ms = (x: number) => `${x.toFixed(2)} ms`;
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const TASK_COLS =
  'id, version, number, register_id, subject, description, partner_id, person_id, owner_id, created_by, planned_at, due_at, done_at, status, priority, parent_id, private, custom_fields, created_at, updated_at';
const PARTNER_COLS =
  'id, version, code, name, kind, tax_id, emails, email_domains, phones, address, industry, turnover, employees, owner_id, sales_blocked, custom_fields, created_at, updated_at';
const TL_COLS =
  'id, version, partner_id, person_id, at, kind, subject_type, subject_id, title, actor_id, data, task_id, owner_id, creator_id, private, register_id';

interface Target {
  label: string;
  store: Store;
  /** Writes the fixture rows with the raw driver; returns the seconds it took. */
  seed(): Promise<number>;
  close(): Promise<void>;
}

function sqliteTarget(dir: string): Target {
  const file = join(dir, 'access-bench.sqlite');
  const store = sqliteStore({ filename: file });
  return {
    label: 'SQLite (file)',
    store,
    async seed() {
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      const t = performance.now();
      const series = (n: number) => `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${n})`;
      db.exec(`
        ${series(OPERATORS)} INSERT INTO operators (id, version, name, email, groups, active, created_at, updated_at)
          SELECT 'op' || i, 1, 'Operator ' || i, 'op' || i || '@bench.test', '[]', 1, ${T0}, ${T0} FROM s;
        INSERT INTO registers (id, version, code, name, color, number_pattern, active, created_at, updated_at)
          VALUES ('reg-1', 1, 'BENCH', 'Bench', '#3366cc', '{seq:6}', 1, ${T0}, ${T0});
        ${series(PARTNERS)} INSERT INTO partners (${PARTNER_COLS})
          SELECT printf('p%06d', i), 1, printf('P%06d', i), 'Partner ' || i, 'customer', NULL, '[]', '[]', '[]', NULL, NULL, NULL, NULL,
                 'op' || (i % ${OPERATORS}), 0, '{}', ${T0}, ${T0} FROM s;
        ${series(ROWS)} INSERT INTO tasks (${TASK_COLS})
          SELECT printf('t%08d', i), 1, printf('%08d', i), 'reg-1', 'Task ' || i, NULL, printf('p%06d', i % ${PARTNERS}), NULL,
                 'op' || (i % ${OPERATORS}), NULL, NULL, ${T0} + ((i * 7919) % ${DUE_STEPS}) * ${DUE_STEP_MS}, NULL,
                 CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'done' ELSE 'cancelled' END,
                 'normal', NULL, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, '{}', ${T0} + i * 1000, ${T0} + i * 1000 FROM s;
        ${series(ROWS)} INSERT INTO timeline (${TL_COLS})
          SELECT printf('l%08d', i), 1, printf('p%06d', i % ${PARTNERS}), NULL, ${T0} + i * 1000, 'task.created', 'task',
                 printf('t%08d', i), 'Task ' || i, NULL, '{}', printf('t%08d', i), 'op' || (i % ${OPERATORS}), NULL,
                 CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 'reg-1' FROM s;
        ${series(SHARES)} INSERT INTO shares (id, version, kind, record_id, principal, level, source, created_by, created_at)
          SELECT printf('sh%06d', i), 1, 'tasks', printf('t%08d', (i * 104729) % ${ROWS}), 'o:${RESTRICTED}', 'read', 'share', NULL, ${T0} FROM s;
        ANALYZE;`);
      db.close();
      return (performance.now() - t) / 1000;
    },
    close: () => store.close(),
  };
}

function pgTarget(): Target {
  const schema = `bench_access_${process.pid}`;
  const store = postgresStore({ url: PG_URL, schemaName: schema });
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  const ts = (expr: string) => `to_timestamp((${T0}::bigint + ${expr}) / 1000.0)`;
  return {
    label: 'PostgreSQL',
    store,
    async seed() {
      const t = performance.now();
      await sql(`
        INSERT INTO operators (id, version, name, email, groups, active, created_at, updated_at)
          SELECT 'op' || i, 1, 'Operator ' || i, 'op' || i || '@bench.test', '[]'::jsonb, true, ${ts('0')}, ${ts('0')} FROM generate_series(0, ${OPERATORS - 1}) i;
        INSERT INTO registers (id, version, code, name, color, number_pattern, active, created_at, updated_at)
          VALUES ('reg-1', 1, 'BENCH', 'Bench', '#3366cc', '{seq:6}', true, ${ts('0')}, ${ts('0')});
        INSERT INTO partners (${PARTNER_COLS})
          SELECT 'p' || lpad(i::text, 6, '0'), 1, 'P' || lpad(i::text, 6, '0'), 'Partner ' || i, 'customer', NULL, '[]'::jsonb, '[]'::jsonb, '[]'::jsonb,
                 NULL, NULL, NULL, NULL, 'op' || (i % ${OPERATORS}), false, '{}'::jsonb, ${ts('0')}, ${ts('0')} FROM generate_series(0, ${PARTNERS - 1}) i;
        INSERT INTO tasks (${TASK_COLS})
          SELECT 't' || lpad(i::text, 8, '0'), 1, lpad(i::text, 8, '0'), 'reg-1', 'Task ' || i, NULL, 'p' || lpad((i % ${PARTNERS})::text, 6, '0'), NULL,
                 'op' || (i % ${OPERATORS}), NULL, NULL, ${ts(`((i::bigint * 7919) % ${DUE_STEPS}) * ${DUE_STEP_MS}`)}, NULL,
                 (ARRAY['open','in_progress','done','cancelled'])[i % 4 + 1], 'normal', NULL, i % 50 = 0, '{}'::jsonb, ${ts('i::bigint * 1000')}, ${ts('i::bigint * 1000')}
          FROM generate_series(0, ${ROWS - 1}) i;
        INSERT INTO timeline (${TL_COLS})
          SELECT 'l' || lpad(i::text, 8, '0'), 1, 'p' || lpad((i % ${PARTNERS})::text, 6, '0'), NULL, ${ts('i::bigint * 1000')}, 'task.created', 'task',
                 't' || lpad(i::text, 8, '0'), 'Task ' || i, NULL, '{}'::jsonb, 't' || lpad(i::text, 8, '0'), 'op' || (i % ${OPERATORS}), NULL, i % 50 = 0, 'reg-1'
          FROM generate_series(0, ${ROWS - 1}) i;
        INSERT INTO shares (id, version, kind, record_id, principal, level, source, created_by, created_at)
          SELECT 'sh' || lpad(i::text, 6, '0'), 1, 'tasks', 't' || lpad(((i::bigint * 104729) % ${ROWS})::text, 8, '0'), 'o:${RESTRICTED}', 'read', 'share', NULL, ${ts('0')}
          FROM generate_series(0, ${SHARES - 1}) i;`);
      await sql('VACUUM ANALYZE');
      return (performance.now() - t) / 1000;
    },
    async close() {
      await store.close();
      await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    },
  };
}

/** The restricted operator's role and groups, made through the CRM as a host would. */
async function restrict(root: Crm): Promise<void> {
  const role = await root.roles.create({ name: 'own and group', permissions: { tasks: { read: 'group' }, partners: { read: 'all' } } });
  await root.roles.grant(RESTRICTED, role.id);
  const partnersOfGroup = await root.roles.create({ name: 'group partners', permissions: { partners: { read: 'group' }, campaigns: { read: 'all' } } });
  await root.roles.grant(PARTNER_GROUP, partnersOfGroup.id);
  let member = 1;
  for (let g = 0; g < GROUPS; g++) {
    const group = await root.groups.create({ name: `Group ${g}` });
    await root.groups.addMember(group.id, RESTRICTED);
    await root.groups.addMember(group.id, PARTNER_GROUP);
    for (let m = 0; m < MEMBERS_PER_GROUP; m++) await root.groups.addMember(group.id, `op${member++}`);
  }
}

const results: Array<Record<string, string>> = [];

async function measure(t: Target, name: string, restricted: (i: number) => Promise<number>, unrestricted: (i: number) => Promise<number>) {
  // Warm the caches and the principal first.
  for (let i = 0; i < 20; i++) {
    await restricted(i);
    await unrestricted(i);
  }
  const r: number[] = [];
  const u: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    r.push(await time(() => restricted(i)));
    u.push(await time(() => unrestricted(i)));
  }
  results.push({
    benchmark: name,
    store: t.label,
    restricted: `p50 ${ms(median(r))}, p95 ${ms(quantile(r, 0.95))}`,
    unrestricted: `p50 ${ms(median(u))}, p95 ${ms(quantile(u, 0.95))}`,
    'p95 ratio': (quantile(r, 0.95) / quantile(u, 0.95)).toFixed(2),
    target: quantile(r, 0.95) <= 1.5 * quantile(u, 0.95) && quantile(r, 0.95) <= 10 ? 'met' : 'MISSED (≤ 1.5×, ≤ 10 ms)',
  });
}

async function run(t: Target) {
  await t.store.migrate();
  console.log(`· ${t.label}: seeding ${ROWS.toLocaleString('en')} tasks + ${ROWS.toLocaleString('en')} timeline items`);
  const seconds = await t.seed();
  console.log(`  seeded in ${seconds.toFixed(1)} s (${Math.round((2 * ROWS) / seconds).toLocaleString('en')} rows/s)`);
  const root = createCrm({ store: t.store });
  await restrict(root);
  const me = root.as(RESTRICTED);
  // Sanity: the rules are on (the restricted page is not the host's) and pages stay full.
  const [mine, all] = [
    await me.tasks.list({ status: ['open', 'in_progress'], limit: 50 }),
    await root.tasks.list({ status: ['open', 'in_progress'], limit: 50 }),
  ];
  if (mine.items.length !== 50) throw new Error(`restricted page has ${mine.items.length} tasks, expected 50`);
  if (mine.items.map((x) => x.id).join() === all.items.map((x) => x.id).join())
    throw new Error('the restricted list equals the unrestricted one: rules not applied');
  const partner = (i: number) => `p${String((i * 7919) % PARTNERS).padStart(6, '0')}`;
  const campaign = await root.campaigns.create({ code: 'BENCH', name: 'Bench campaign' });
  const at = new Date(T0);
  const members = Array.from({ length: Math.min(CAMPAIGN_MEMBERS, PARTNERS) }, (_, i) => ({
    id: `cm${i}`,
    version: 1,
    campaignId: campaign.id,
    partnerId: `p${String((i + 300) % PARTNERS).padStart(6, '0')}`, // from p000300: the first page is not the host's
    level: 'default',
    state: 'active',
    createdAt: new Date(T0 + i),
    updatedAt: at,
  }));
  await root.store.createMany('campaign_members', members);
  const partnerGroup = root.as(PARTNER_GROUP);
  const seen = await partnerGroup.campaigns.members(campaign.id, { limit: 50 });
  if (seen.items.length !== 50 || seen.items[0]!.partnerId === members[0]!.partnerId) throw new Error('campaign members: the partner rule is not applied');
  console.log(`· ${t.label}: ${QUERIES} queries each`);
  await measure(
    t,
    `open tasks, first page (50) — ${ROWS.toLocaleString('en')} tasks`,
    () => me.tasks.list({ status: ['open', 'in_progress'], limit: 50 }).then(() => 0),
    () => root.tasks.list({ status: ['open', 'in_progress'], limit: 50 }).then(() => 0),
  );
  await measure(
    t,
    `partner history, first page (50) — ${ROWS.toLocaleString('en')} items`,
    (i) => me.history.forPartner(partner(i), { limit: 50 }).then(() => 0),
    (i) => root.history.forPartner(partner(i), { limit: 50 }).then(() => 0),
  );
  await measure(
    t,
    `campaign members, first page (50) — a partner rule, ${PARTNERS.toLocaleString('en')} partners`,
    () => partnerGroup.campaigns.members(campaign.id, { limit: 50 }).then(() => 0),
    () => root.campaigns.members(campaign.id, { limit: 50 }).then(() => 0),
  );
  // A second page follows the cursor under the same rule.
  await measure(
    t,
    `partner history, second page (cursor)`,
    async (i) => {
      const first = await me.history.forPartner(partner(i), { limit: 20 });
      return first.nextCursor ? me.history.forPartner(partner(i), { limit: 20, before: first.nextCursor }).then(() => 0) : 0;
    },
    async (i) => {
      const first = await root.history.forPartner(partner(i), { limit: 20 });
      return first.nextCursor ? root.history.forPartner(partner(i), { limit: 20, before: first.nextCursor }).then(() => 0) : 0;
    },
  );
}

async function main() {
  const { loadavg, cpus } = await import('node:os');
  console.log(
    `Rapport access benchmark — ${ROWS.toLocaleString('en')} rows, ${GROUPS} groups × ${MEMBERS_PER_GROUP} members, ${SHARES} shares, ${QUERIES} queries; load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'rapport-access-bench-'));
  const targets = [() => sqliteTarget(dir), ...(WITH_PG ? [pgTarget] : [])];
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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
