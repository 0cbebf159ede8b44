import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRapportError, RapportError, type Store } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, uniqueSchemaName } from './helpers.js';

const partner = (id: string, code: string) => ({
  id,
  version: 1,
  code,
  name: 'Zefir',
  kind: 'customer',
  emails: [],
  emailDomains: [],
  phones: [],
  salesBlocked: false,
  customFields: {},
  createdAt: new Date(),
  updatedAt: new Date(),
});

async function failure(p: Promise<unknown>): Promise<RapportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RapportError);
  return err as RapportError;
}

const schemaName = uniqueSchemaName('err');
beforeAll(() => createPgSchema(schemaName));
afterAll(() => dropPgSchema(schemaName));

for (const [label, open] of [
  ['sqliteStore', () => sqliteStore({ filename: ':memory:' })],
  ['postgresStore', () => postgresStore({ url: PG_URL, schemaName })],
] as Array<[string, () => Store]>) {
  describe(`${label} error wrapping`, () => {
    let store: Store;
    beforeAll(async () => {
      store = open();
      await store.migrate();
    });
    afterAll(() => store.close());

    it('a unique violation is CONFLICT naming the adapter, operation and collection, with the driver error as cause', async () => {
      await store.create('partners', partner('a', 'ZEFIR'));
      const err = await failure(store.create('partners', partner('b', 'ZEFIR')));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toMatch(new RegExp(`^${label}: create on partners failed: a unique constraint was violated`));
      expect(err.cause).toBeDefined();
    });

    it('any other driver failure is STORAGE with the reason', async () => {
      const missing = { ...partner('c', 'OTHER'), name: null };
      const err = await failure(store.create('partners', missing));
      expect(err.code).toBe('STORAGE');
      expect(err.message).toMatch(new RegExp(`^${label}: create on partners failed: .*(NOT NULL|not-null|null value)`, 'i'));
      expect(err.cause).toBeDefined();
    });

    it('an unknown collection or field is VALIDATION before any SQL runs', async () => {
      expect((await failure(store.get('nope', 'x'))).code).toBe('VALIDATION');
      expect((await failure(store.update('partners', 'a', { nope: 1 } as never, 1))).code).toBe('VALIDATION');
      expect((await failure(store.count('partners', { op: 'eq', field: 'name.x', value: 1 }))).code).toBe('VALIDATION');
    });

    it('values are bound, never spliced into SQL', async () => {
      const evil = `x'); DROP TABLE partners; --`;
      await store.create('partners', { ...partner('evil', evil), name: evil });
      expect(await store.count('partners', { op: 'eq', field: 'code', value: evil })).toBe(1);
      expect(await store.count('partners', { op: 'contains', field: 'name', value: "'); DROP" })).toBe(1);
    });
  });
}

describe('postgresStore connection failure', () => {
  it('is STORAGE naming the adapter and "connect"', async () => {
    const store = postgresStore({ url: 'postgres://postgres@127.0.0.1:1/none' });
    const err = await failure(store.migrate());
    expect(isRapportError(err, 'STORAGE')).toBe(true);
    expect(err.message).toMatch(/^postgresStore: connect failed/);
    await store.close();
  });
});
