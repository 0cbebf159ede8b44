/**
 * The task lists the CLI, API and pane issue by default are read in index order on both
 * dialects: no sort of all of an owner's (partner's, person's) tasks. The SQL is captured at the
 * driver as the store sends it and explained with its own parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, type Crm, type TaskQuery } from '@rapport/core';
import { where, type Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const TASKS = 20_000;
const BUSY = 'op-busy';
const T0 = Date.UTC(2025, 0, 1);

// Half the tasks belong to one busy owner; due dates repeat and some are missing, as in real data.
function task(i: number) {
  const at = new Date(T0 + i * 1000);
  return {
    id: `t${String(i).padStart(8, '0')}`,
    version: 1,
    number: `${i}/2025/T`,
    registerId: 'reg-1',
    subject: `Task ${i}`,
    description: null,
    partnerId: `p${i % 50}`,
    personId: `pe${i % 200}`,
    ownerId: i % 2 ? BUSY : `op${i % 40}`,
    createdBy: BUSY,
    plannedAt: null,
    dueAt: i % 7 === 0 ? null : new Date(T0 + (i % 500) * 86_400_000),
    doneAt: null,
    status: ['open', 'in_progress', 'done', 'cancelled'][i % 4]!,
    priority: 'normal',
    parentId: null,
    private: i % 3 === 0,
    customFields: {},
    createdAt: at,
    updatedAt: at,
  };
}

// What the pane and API add to every list (outlook-addin's visibleTasksFilter).
const visible = where.or(where.eq('private', false), where.eq('ownerId', BUSY));
const OPEN: NonNullable<TaskQuery['status']> = ['open', 'in_progress'];
const defaultLists: Array<[string, TaskQuery]> = [
  ['CLI tasks list --owner', { ownerId: BUSY, limit: 100 }],
  ['CLI tasks list', { limit: 100 }],
  ['API /tasks?owner=me', { ownerId: BUSY, where: visible, limit: 50 }],
  ['API /tasks', { where: visible, limit: 50 }],
  ['API /tasks?partnerId', { partnerId: 'p7', where: visible, limit: 50 }],
  ['pane open tasks of a partner', { partnerId: 'p7', status: OPEN, where: visible, limit: 20 }],
  ['pane open tasks of a person', { personId: 'pe7', status: OPEN, where: visible, limit: 20 }],
];

interface Captured {
  sql: string;
  params: unknown[];
}

/** Runs `fn` and returns the task SELECTs the store sent while it ran. */
async function capture(hook: { on: boolean; seen: Captured[] }, fn: () => Promise<unknown>): Promise<Captured[]> {
  hook.seen = [];
  hook.on = true;
  try {
    await fn();
  } finally {
    hook.on = false;
  }
  return hook.seen.filter((c) => /^SELECT .* FROM ("[^"]+"\.)?"tasks" WHERE/s.test(c.sql));
}

/** Each default list, then its second page, with the plan of every task SELECT it sent. */
async function plans(crm: Crm, hook: { on: boolean; seen: Captured[] }, explain: (c: Captured) => Promise<string>) {
  const out: Array<{ list: string; plan: string }> = [];
  for (const [list, query] of defaultLists) {
    let cursor: string | null = null;
    for (const page of ['first page', 'second page']) {
      const sent = await capture(hook, async () => {
        const p = await crm.tasks.list({ ...query, ...(cursor ? { cursor } : {}) });
        cursor = p.nextCursor;
      });
      expect(sent, `${list}, ${page}: one task SELECT`).toHaveLength(1);
      out.push({ list: `${list}, ${page}`, plan: await explain(sent[0]!) });
      if (!cursor) break;
    }
  }
  return out;
}

describe('default task lists are index-served', () => {
  it('SQLite: no temp B-tree for ORDER BY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-plan-'));
    const file = join(dir, 'crm.db');
    const hook = { on: false, seen: [] as Captured[] };
    const prepare = Database.prototype.prepare;
    // Records what the store prepares and binds; the driver still does the work.
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
      await store.migrate();
      raw = new Database(file, { readonly: true });
      const db = raw;
      await store.transaction((tx) =>
        tx.createMany(
          'tasks',
          Array.from({ length: TASKS }, (_, i) => task(i)),
        ),
      );
      const found = await plans(createCrm({ store }), hook, async (c) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as Array<{ detail: string }>).map((r) => r.detail).join('; '),
      );
      expect(found.length).toBeGreaterThan(defaultLists.length);
      for (const { list, plan } of found) {
        expect(plan, list).not.toMatch(/TEMP B-TREE/);
        expect(plan, list).toMatch(/USING INDEX/);
      }
    } finally {
      Database.prototype.prepare = prepare;
      raw?.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    const schemaName = uniqueSchemaName('plan');
    beforeAll(() => createPgSchema(schemaName));
    afterAll(() => dropPgSchema(schemaName));

    it('no Sort node over the tasks (after ANALYZE, as autovacuum would)', async () => {
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
        await store.migrate();
        await store.transaction((tx) =>
          tx.createMany(
            'tasks',
            Array.from({ length: TASKS }, (_, i) => task(i)),
          ),
        );
        await raw.query(`SET search_path TO "${schemaName}"`);
        await raw.query(`ANALYZE "${schemaName}"."tasks"`);
        const found = await plans(createCrm({ store }), hook, async (c) => {
          const { rows } = await raw.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.sql}`, c.params);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });
        expect(found.length).toBeGreaterThan(defaultLists.length);
        for (const { list, plan } of found) {
          expect(plan, list).not.toMatch(/Sort/);
          expect(plan, list).toMatch(/Index Scan/);
        }
      } finally {
        pg.Client.prototype.query = query;
        await raw.end();
        await store.close();
      }
    });
  });
});
