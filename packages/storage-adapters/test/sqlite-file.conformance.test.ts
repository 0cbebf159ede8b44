import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { describeStoreConformance } from '@rapport/core/testing';
import { sqliteStore } from '@rapport/storage-adapters';
import { fieldsOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rapport-sqlite-'));
let n = 0;
let file = '';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreConformance({
  name: 'sqliteStore (file)',
  reset: async () => {
    file = join(dir, `db-${++n}.sqlite`);
  },
  makeStore: (schema) => sqliteStore({ filename: file, schema }),
  // Second door: a separate better-sqlite3 connection reading the file with plain SQL.
  inspect: async (collection, id) => {
    const db = new Database(file, { readonly: true });
    try {
      const row = db.prepare(`SELECT * FROM "${collection}" WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
      return row ? fieldsOf(row) : null;
    } finally {
      db.close();
    }
  },
});
