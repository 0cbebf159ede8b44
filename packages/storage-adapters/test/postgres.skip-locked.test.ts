import { afterAll, beforeAll, expect, it } from 'vitest';
import { where, type Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, uniqueSchemaName } from './helpers.js';

const schemaName = uniqueSchemaName('skip');
let store: Store;

const outboxRow = (i: number) => ({
  id: `o${String(i).padStart(3, '0')}`,
  version: 1,
  key: `k${i}`,
  channel: 'email',
  payload: {},
  jobKey: null,
  status: 'pending',
  attempts: 0,
  maxAttempts: 3,
  nextAttemptAt: new Date('2026-01-01T00:00:00Z'),
  leaseOwner: null,
  leaseUntil: null,
  lastError: null,
  result: null,
  sentAt: null,
  createdAt: new Date(),
  updatedAt: new Date(),
});

beforeAll(async () => {
  await createPgSchema(schemaName);
  store = postgresStore({ url: PG_URL, schemaName, poolSize: 4 });
  await store.migrate();
  await store.createMany(
    'outbox',
    Array.from({ length: 10 }, (_, i) => outboxRow(i)),
  );
});
afterAll(async () => {
  await store?.close();
  await dropPgSchema(schemaName);
});

it('find({ skipLocked }) in a transaction leaves out the rows another open transaction locked', async () => {
  expect(store.capabilities.skipLocked).toBe(true);
  const query = { where: where.eq('status', 'pending'), sort: [{ field: 'id' }], limit: 4, skipLocked: true };
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let first: string[] = [];
  let locked!: () => void;
  const lockedNow = new Promise<void>((r) => (locked = r));
  const holder = store.transaction(async (tx) => {
    first = (await tx.find<{ id: string; version: number }>('outbox', query)).items.map((r) => r.id);
    locked();
    await held;
  });
  await lockedNow;
  const second = await store.transaction(async (tx) => (await tx.find<{ id: string; version: number }>('outbox', query)).items.map((r) => r.id));
  release();
  await holder;
  expect(first).toEqual(['o000', 'o001', 'o002', 'o003']);
  // The first transaction's LIMIT + 1 read locked o004 as well.
  expect(second).toEqual(['o005', 'o006', 'o007', 'o008']);
  // Outside a transaction, and once the lock is gone, every row is visible again.
  expect((await store.find('outbox', query)).items).toHaveLength(4);
  expect((await store.find('outbox', { ...query, limit: 100 })).items).toHaveLength(10);
});

it('SQLite has no skipLocked capability (one writer: a transaction already excludes the others)', () => {
  const s = sqliteStore({ filename: ':memory:' });
  expect(s.capabilities.skipLocked ?? false).toBe(false);
  return s.close();
});
