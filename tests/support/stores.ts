/**
 * The store matrix: every domain test that touches storage runs on the memory store, a SQLite
 * file and PostgreSQL. Each test gets a fresh, migrated store; this module closes them after
 * each test and drops the PostgreSQL schemas and SQLite files after the file.
 *
 * Two ways to use it: `describe.each(stores)` in a file that names the store in each test, or
 * `testStore()`, which makes a store of the kind the vitest project sets in RAPPORT_TEST_STORE
 * (projects memory, sqlite and postgres in vitest.config.ts run the `tests/domain` and
 * `tests/emails` files once each).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { memoryStore, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from '../../packages/storage-adapters/test/helpers.js';

export type StoreKindName = 'memory' | 'sqlite' | 'postgres';

export interface StoreKind {
  name: StoreKindName;
  /** A fresh, migrated store, closed after the current test. */
  make(): Promise<Store>;
}

const open: Store[] = [];

async function migrated(store: Store): Promise<Store> {
  open.push(store);
  await store.migrate();
  return store;
}

// Migrating a store takes 0.3 s on a SQLite file and 2 s on PostgreSQL on a busy machine, so
// each is migrated once per test file: SQLite tests get a copy of a migrated file, PostgreSQL
// tests a schema emptied after the previous test (migrations insert no rows, so an emptied
// schema is a freshly migrated one).
let sqliteDir: string | undefined;
let sqliteTemplate: Promise<string> | undefined;
let sqliteFiles = 0;

async function sqliteFile(): Promise<string> {
  sqliteDir ??= await mkdtemp(join(tmpdir(), 'rapport-matrix-'));
  const dir = sqliteDir;
  sqliteTemplate ??= (async () => {
    const file = join(dir, 'template.db');
    const store = sqliteStore({ filename: file });
    await store.migrate();
    await store.close();
    return file;
  })();
  const file = join(dir, `${++sqliteFiles}.db`);
  await copyFile(await sqliteTemplate, file);
  return file;
}

const pgSchemas: string[] = [];
const pgFree: string[] = [];
const pgUsed: string[] = [];

function pgSchema(): string {
  const reused = pgFree.pop();
  const name = reused ?? uniqueSchemaName('matrix');
  if (!reused) pgSchemas.push(name);
  pgUsed.push(name);
  return name;
}

async function emptyPgSchemas(names: string[]): Promise<void> {
  const client = await pgClient();
  try {
    for (const name of names) {
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'rapport_migrations'`,
        [name],
      );
      // DELETE, not TRUNCATE: TRUNCATE of 25 small tables takes 1.7 s (new files, fsync), DELETE
      // a few ms. The schema has no foreign keys or identity columns to order or restart.
      if (rows.length > 0) await client.query(rows.map((r) => `DELETE FROM "${name}"."${r.table_name}"`).join('; '));
    }
  } finally {
    await client.end();
  }
}

export const stores: StoreKind[] = [
  { name: 'memory', make: () => migrated(memoryStore()) },
  { name: 'sqlite', make: async () => migrated(sqliteStore({ filename: await sqliteFile() })) },
  { name: 'postgres', make: () => migrated(postgresStore({ url: PG_URL, schemaName: pgSchema() })) },
];

/** The kind this vitest project runs on (RAPPORT_TEST_STORE; memory when unset). */
export function currentKind(): StoreKind {
  const name = process.env.RAPPORT_TEST_STORE ?? 'memory';
  const kind = stores.find((k) => k.name === name);
  if (!kind) throw new Error(`RAPPORT_TEST_STORE=${name} is not one of ${stores.map((k) => k.name).join(', ')}`);
  return kind;
}

/** A fresh, migrated store of the current project's kind. */
export function testStore(): Promise<Store> {
  return currentKind().make();
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  const used = pgUsed.splice(0);
  if (used.length > 0) {
    await emptyPgSchemas(used);
    pgFree.push(...used);
  }
});

afterAll(async () => {
  for (const name of pgSchemas.splice(0)) await dropPgSchema(name);
  pgFree.length = 0;
  if (sqliteDir) await rm(sqliteDir, { recursive: true, force: true });
  sqliteDir = undefined;
  sqliteTemplate = undefined;
});
