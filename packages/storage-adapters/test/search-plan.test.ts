/**
 * A broad search word is read by walking the "newest first" index and testing the match per row,
 * stopping after a page; a rare word by matching, then sorting its few rows (decision 0170). Both
 * plans return the same pages, in the same order, through the same cursors. The SQL is captured at
 * the driver as the store sends it and explained with its own parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { where, type Page, type Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { walkPays } from '../src/search-plan.js';
import { createPgSchema, dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const TASKS = 20_000;
const T0 = Date.UTC(2025, 0, 1);

// Updates out of creation order (and ties every third) so "newest first" is neither rowid nor id order.
const updated = (i: number) => new Date(T0 + Math.floor(((i * 7919) % TASKS) / 3) * 1000);
const subject = (i: number) => `${i % 10 === 0 ? 'Żółć' : 'spotkanie'} ${i % 4000 === 7 ? 'rzadki' : 'zwykly'} ${i}`;

function task(i: number) {
  return {
    id: `t${String(i).padStart(8, '0')}`,
    version: 1,
    number: `${i}/2025/T`,
    registerId: 'reg-1',
    subject: subject(i),
    description: null,
    partnerId: null,
    personId: null,
    ownerId: `op${i % 40}`,
    createdBy: `op${i % 7}`,
    plannedAt: null,
    dueAt: null,
    doneAt: null,
    status: 'open',
    priority: 'normal',
    parentId: null,
    private: false,
    customFields: {},
    createdAt: new Date(T0 + i * 1000),
    updatedAt: updated(i),
  };
}

/** The ids a word finds, newest first (updatedAt desc, id desc), computed here. */
function expected(word: RegExp): string[] {
  return Array.from({ length: TASKS }, (_, i) => i)
    .filter((i) => word.test(subject(i)))
    .sort((a, b) => updated(b).getTime() - updated(a).getTime() || (task(b).id > task(a).id ? 1 : -1))
    .map((i) => task(i).id);
}

interface Captured {
  sql: string;
  params: unknown[];
  /** A named (prepared) statement's name, on PostgreSQL. */
  name?: string;
}

const newestFirst = [{ field: 'updatedAt', direction: 'desc' as const }];

/** Three pages of 50 through the cursor, and the plan of the last page's SELECT of tasks. */
async function pages(store: Store, q: string, hook: { on: boolean; seen: Captured[] }): Promise<{ ids: string[]; last: Captured }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let p = 0; p < 3; p++) {
    hook.seen = [];
    hook.on = true;
    try {
      const page: Page<{ id: string; version: number }> = await store.find<{ id: string; version: number }>('tasks', {
        where: where.search(q),
        sort: newestFirst,
        limit: 50,
        ...(cursor ? { cursor } : {}),
      });
      ids.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } finally {
      hook.on = false;
    }
    if (!cursor) break;
  }
  const last = hook.seen.filter((c) => /FROM "tasks" WHERE/.test(c.sql)).at(-1);
  if (!last) throw new Error('no SELECT of tasks was sent');
  return { ids, last };
}

async function fill(store: Store) {
  await store.migrate();
  await store.transaction((tx) =>
    tx.createMany(
      'tasks',
      Array.from({ length: TASKS }, (_, i) => task(i)),
    ),
  );
}

const COMMON = expected(/Żółć/).slice(0, 150);
const RARE = expected(/rzadki/);

describe('search pages: a broad word walks the newest-first index, a rare word sorts its matches', () => {
  it('walks when the rows a page walks cost less than sorting every match', () => {
    expect(walkPays(1_100, 1_000_000, 51)).toBe(true);
    expect(walkPays(1_100, 1_000_000, 201)).toBe(false); // crm.search's window: 183,000 rows walked
    expect(walkPays(100_000, 1_000_000, 201)).toBe(true);
    expect(walkPays(10, 1_000_000, 51)).toBe(false);
  });

  it('SQLite: the broad word without a temp B-tree for the order; same pages on both plans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-search-plan-'));
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
    const store = sqliteStore({ filename: file });
    const sorting = sqliteStore({ filename: file, searchWalkFrom: 1_000_000 });
    const raw = () => new Database(file, { readonly: true });
    try {
      await fill(store);
      const db = raw();
      const explain = (c: Captured) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      try {
        const broad = await pages(store, 'zolc', hook);
        expect(broad.ids).toEqual(COMMON);
        expect(explain(broad.last)).toMatch(/tasks_recent/);
        expect(explain(broad.last)).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
        expect((await pages(sorting, 'zolc', hook)).ids).toEqual(COMMON);

        const rare = await pages(store, 'rzadki', hook);
        expect(rare.ids).toEqual(RARE);
        expect(explain(rare.last)).not.toMatch(/tasks_recent/); // its 5 matches are found, then sorted
      } finally {
        db.close();
      }
    } finally {
      Database.prototype.prepare = prepare;
      await store.close();
      await sorting.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    const schemaName = uniqueSchemaName('searchplan');
    beforeAll(() => createPgSchema(schemaName));
    afterAll(() => dropPgSchema(schemaName));

    it('the broad word without a Sort node, after VACUUM ANALYZE (as autovacuum would); the pages of a rare word unchanged', async () => {
      const hook = { on: false, seen: [] as Captured[] };
      const query = pg.Client.prototype.query;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        if (hook.on) {
          const c =
            typeof first === 'string'
              ? { sql: first, params: second ?? [] }
              : { sql: first.text, params: first.values ?? [], name: (first as { name?: string }).name };
          hook.seen.push(c);
        }
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      const store: Store = postgresStore({ url: PG_URL, schemaName, poolSize: 2 });
      const raw = await pgClient();
      try {
        await fill(store);
        await raw.query(`SET search_path TO "${schemaName}"`);
        await raw.query(`VACUUM ANALYZE "${schemaName}"."tasks"`);
        const explain = async (c: Captured) => {
          const { rows } = await raw.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.sql}`, c.params);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        };
        const broad = await pages(store, 'zolc', hook);
        expect(broad.ids).toEqual(COMMON);
        const plan = await explain(broad.last);
        expect(plan).toMatch(/Index Scan using tasks_recent/);
        expect(plan).not.toMatch(/Sort/);

        const rare = await pages(store, 'rzadki', hook);
        expect(rare.ids).toEqual(RARE); // its plan is PostgreSQL's choice, by its estimate of the word
        // Planned with its word every time: a prepared statement's generic plan would serve every word alike.
        for (let i = 0; i < 6; i++) await pages(store, i % 2 ? 'zolc' : 'rzadki', hook);
        expect(hook.seen.filter((c) => /tsquery/.test(c.sql) && c.name !== undefined)).toEqual([]);
      } finally {
        pg.Client.prototype.query = query;
        await raw.end();
        await store.close();
      }
    });
  });
});
