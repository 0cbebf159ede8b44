import type { Store } from '@rapport/core/store';
import { describeStoreConformance } from '@rapport/core/testing';
import { sqliteStore } from '@rapport/storage-adapters';
import { DataSource } from 'typeorm';
import { fieldsOf } from './helpers.js';

let current: Store | undefined;

describeStoreConformance({
  name: 'sqliteStore (:memory:)',
  makeStore: (schema) => (current = sqliteStore({ filename: ':memory:', schema })),
  // A private in-memory database has no second connection: read it with plain SQL on the
  // driver's own handle, bypassing the store's compiler and decoding.
  inspect: async (collection, id) => {
    const ds = (current as unknown as { engine: { dataSource: DataSource } }).engine.dataSource;
    const db = (ds.driver as unknown as { databaseConnection: { prepare(sql: string): { get(...a: unknown[]): unknown } } }).databaseConnection;
    const row = db.prepare(`SELECT * FROM "${collection}" WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    return row ? fieldsOf(row) : null;
  },
});
