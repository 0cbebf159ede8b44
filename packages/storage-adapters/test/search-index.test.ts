/**
 * The full-text indexes read through a second door: the lexemes PostgreSQL's generated column
 * holds and the terms SQLite's FTS5 table holds are core's tokens of the same text (decision 0150),
 * so the three stores agree on what a word is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchTokens, where } from '@rapport/core/store';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const TEXTS = [
  'Żółć gęślą jaźń — ŁÓDŹ',
  'Ședință, şedinţă; ȚARĂ ţară; Îndrăzneț',
  'jan.kowalski@example.com <Anna.Nowak@firma.pl>',
  'e-mail 0001/2026/CRM enova365 "NEAR(x)" * - OR',
  'Ørsted Đorđe ħ İstanbul ı straße Æsir',
  'Ключ ПРИВЕТ Ёлка Αθήνα ΆΝΝΑ',
  'Tiếng Việt có dấu',
  '中文 テスト 한국어',
  `${'x'.repeat(80)} end`,
];

const note = (i: number, body: string) => ({
  id: `n${i}`,
  version: 1,
  taskId: 't1',
  kind: 'note',
  at: new Date('2026-01-01T00:00:00Z'),
  createdBy: null,
  body,
  file: null,
  link: null,
  emailId: null,
  taskOwnerId: null,
  taskCreatorId: null,
  taskPrivate: false,
  taskRegisterId: null,
});

const core = (text: string) => [...new Set(searchTokens(text))].sort();

describe('PostgreSQL: the generated search_vector holds core’s tokens', () => {
  const schemaName = uniqueSchemaName('fts');
  beforeAll(() => createPgSchema(schemaName));
  afterAll(() => dropPgSchema(schemaName));

  it('for Polish, Romanian, e-mail addresses, symbols, Cyrillic, Greek, Vietnamese, CJK and long words', async () => {
    const store = postgresStore({ url: PG_URL, schemaName });
    const raw = await pgClient();
    try {
      await store.migrate();
      await store.createMany(
        'task_entries',
        TEXTS.map((t, i) => note(i, t)),
      );
      const { rows } = await raw.query(`SELECT id, tsvector_to_array(search_vector) AS lexemes FROM "${schemaName}".task_entries ORDER BY id`);
      for (const [i, text] of TEXTS.entries()) {
        const row = rows.find((r) => r.id === `n${i}`);
        expect([...(row.lexemes as string[])].sort(), text).toEqual(core(text));
      }
    } finally {
      await raw.end();
      await store.close();
    }
  });
});

describe('SQLite: the FTS5 table holds core’s tokens of Latin-script text', () => {
  it('for Polish, Romanian, e-mail addresses, symbols and the letters without a decomposition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-fts-'));
    const file = join(dir, 'fts.db');
    const fileStore = sqliteStore({ filename: file });
    try {
      await fileStore.migrate();
      const latin = TEXTS.slice(0, 5);
      await fileStore.createMany(
        'task_entries',
        latin.map((t, i) => note(i, t)),
      );
      const db = new Database(file);
      try {
        db.exec(`CREATE VIRTUAL TABLE temp.entries_vocab USING fts5vocab(main, 'task_entries_fts', 'instance')`);
        const terms = db.prepare(`SELECT DISTINCT term FROM temp.entries_vocab WHERE doc = (SELECT rowid FROM task_entries WHERE id = ?) ORDER BY term`);
        for (const [i, text] of latin.entries()) {
          const got = (terms.all(`n${i}`) as Array<{ term: string }>).map((r) => r.term).sort();
          // FTS5 keeps long words whole; core compares their first 64 characters (a prefix query).
          expect(got, text).toEqual(core(text));
        }
        // The index refers to rowids: deleting rows then VACUUM (or VACUUM INTO for a backup) keeps them.
        db.close();
        await fileStore.deleteWhere('task_entries', where.in('id', ['n0', 'n2']));
        new Database(file).exec('VACUUM').close();
        const ids = async (q: string) => (await fileStore.find('task_entries', { where: where.search(q) })).items.map((r) => r.id);
        expect(await ids('kowalski')).toEqual([]);
        expect(await ids('sedinta')).toEqual(['n1']);
        expect(await ids('orsted istanbul')).toEqual(['n4']);
      } finally {
        if (db.open) db.close();
      }
    } finally {
      await fileStore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
