/**
 * A grouped view of an operator's tasks (owner = me, open or in progress, grouped by priority,
 * by due date) is index-served on both dialects: its first and second pages come in index order
 * (no sort of the owner's tasks) and its group counts are one index-only pass (decision 0160).
 * The SQL is captured at the driver as the store sends it and explained with its own parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, type ViewSpec } from '@rapport/core';
import type { Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const TASKS = 20_000;
const T0 = Date.UTC(2025, 0, 1);
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

function task(i: number, busy: string) {
  const at = new Date(T0 + i * 1000);
  return {
    id: `t${String(i).padStart(8, '0')}`,
    version: 1,
    number: `${i}/2025/T`,
    registerId: 'reg-1',
    subject: `Task ${i}`,
    description: null,
    partnerId: `p${i % 50}`,
    personId: null,
    ownerId: i % 20 === 1 ? busy : `op${i % 40}`,
    createdBy: `op${i % 7}`,
    plannedAt: null,
    dueAt: i % 7 === 0 ? null : new Date(T0 + (i % 500) * 86_400_000),
    doneAt: null,
    status: ['open', 'in_progress', 'done', 'cancelled'][(i >> 1) % 4]!,
    priority: PRIORITIES[(i >> 3) % 4]!,
    parentId: null,
    private: i % 3 === 0,
    customFields: {},
    createdAt: at,
    updatedAt: at,
  };
}

const VIEW: ViewSpec = {
  kind: 'tasks',
  filter: {
    op: 'and',
    filters: [
      { op: 'eq', field: 'ownerId', value: { $: 'me' } },
      { op: 'in', field: 'status', values: ['open', 'in_progress'] },
    ],
  },
  sort: [{ field: 'dueAt' }],
  groupBy: ['priority'],
  columns: [{ field: 'number' }, { field: 'subject' }, { field: 'dueAt' }],
};

interface Captured {
  sql: string;
  params: unknown[];
}

/** Fills the store, runs the view's first two pages as the busy operator and returns the plans of the task statements sent. */
async function plans(store: Store, hook: { on: boolean; seen: Captured[] }, analyze: () => Promise<void>, explain: (c: Captured) => Promise<string>) {
  await store.migrate();
  const crm = createCrm({ store });
  const busy = await crm.operators.create({ name: 'Busy', email: 'busy@firma.pl' });
  const tasks = Array.from({ length: TASKS }, (_, i) => task(i, busy.id));
  const shown = tasks.filter((t) => t.ownerId === busy.id && (t.status === 'open' || t.status === 'in_progress')).length;
  await store.transaction((tx) => tx.createMany('tasks', tasks));
  await analyze();
  const out: Array<{ what: string; plan: string }> = [];
  let cursor: string | null = null;
  for (const page of ['first page', 'second page']) {
    hook.seen = [];
    hook.on = true;
    try {
      const run = await crm.as(busy.id).views.run(VIEW, { limit: 50, ...(cursor ? { cursor } : {}) });
      expect(run.rows).toHaveLength(50);
      expect(run.groups!.reduce((n, g) => n + (g.values.count ?? 0), 0)).toBe(shown);
      cursor = run.nextCursor;
    } finally {
      hook.on = false;
    }
    const sent = hook.seen.filter((c) => /FROM ("[^"]+"\.)?"tasks" WHERE/s.test(c.sql));
    const rows = sent.filter((c) => !/COUNT\(\*\)/.test(c.sql));
    const groups = sent.filter((c) => /COUNT\(\*\)/.test(c.sql));
    expect(rows, `${page}: one SELECT of rows`).toHaveLength(1);
    expect(groups, `${page}: one grouped SELECT`).toHaveLength(1);
    // The operator's own list: the access rule is implied by owner = me and not sent (filter.ts).
    expect(groups[0]!.sql).not.toMatch(/private/);
    out.push({ what: `${page} rows`, plan: await explain(rows[0]!) }, { what: `${page} groups`, plan: await explain(groups[0]!) });
  }
  return out;
}

describe('a grouped view of an operator’s tasks is index-served', () => {
  it('SQLite: rows without a temp B-tree, groups from a covering index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-view-plan-'));
    const file = join(dir, 'crm.db');
    const hook = { on: false, seen: [] as Captured[] };
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      const stmt = prepare.call(this, sql);
      if (!hook.on || !stmt.reader) return stmt;
      const all = stmt.all.bind(stmt) as (...params: unknown[]) => unknown[];
      // Reads the store wants as arrays switch the statement to raw mode through the wrapper.
      const wrapper: typeof stmt = Object.assign(Object.create(stmt), {
        all: (...params: unknown[]) => (hook.seen.push({ sql, params }), all(...params)),
        raw: (on?: boolean) => (stmt.raw(on), wrapper),
      });
      return wrapper;
    } as typeof prepare;
    const store: Store = sqliteStore({ filename: file });
    let raw: Database.Database | undefined;
    try {
      const found = await plans(
        store,
        hook,
        async () => {
          raw = new Database(file, { readonly: true });
        },
        async (c) => (raw!.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as Array<{ detail: string }>).map((r) => r.detail).join('; '),
      );
      for (const { what, plan } of found) {
        expect(plan, what).not.toMatch(/TEMP B-TREE/);
        expect(plan, what).toMatch(what.endsWith('groups') ? /COVERING INDEX tasks_owner_priority_due/ : /USING INDEX tasks_owner_priority_due/);
      }
    } finally {
      Database.prototype.prepare = prepare;
      raw?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    const schemaName = uniqueSchemaName('viewplan');
    beforeAll(() => createPgSchema(schemaName));
    afterAll(() => dropPgSchema(schemaName));

    it('rows without a Sort node, groups aggregated from an index-only scan (after VACUUM ANALYZE, as autovacuum would)', async () => {
      const hook = { on: false, seen: [] as Captured[] };
      const query = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        if (hook.on) hook.seen.push(typeof first === 'string' ? { sql: first, params: second ?? [] } : { sql: first.text, params: first.values ?? [] });
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      const store: Store = postgresStore({ url: PG_URL, schemaName, poolSize: 2 });
      const raw = await pgClient();
      try {
        await raw.query(`SET search_path TO "${schemaName}"`);
        const found = await plans(
          store,
          hook,
          async () => void (await raw.query(`VACUUM ANALYZE "${schemaName}"."tasks"`)),
          async (c) => {
            const { rows } = await raw.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.sql}`, c.params);
            return rows.map((r) => r['QUERY PLAN']).join('\n');
          },
        );
        for (const { what, plan } of found) {
          if (what.endsWith('rows')) {
            expect(plan, what).not.toMatch(/Sort/);
            expect(plan, what).toMatch(/Index Scan using tasks_owner_priority_due/);
          } else {
            // A sort of the few groups the aggregate yields is allowed; of the rows it reads, not.
            expect(plan, what).toMatch(/Aggregate[\s\S]*Index Only Scan using tasks_owner_priority_due/);
            expect(plan, what).not.toMatch(/Seq Scan|Bitmap/);
          }
        }
      } finally {
        pg.Client.prototype.query = query;
        await raw.end();
        await store.close();
      }
    });
  });
});
