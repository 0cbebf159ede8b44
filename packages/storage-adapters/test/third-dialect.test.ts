import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { coreSchema, isRapportError } from '@rapport/core/store';
import { coreMigrations, sqlMigration, type MigrationSet } from '@rapport/storage-adapters';
import type { Dialect } from '../src/dialect.js';
import { sqlite } from '../src/dialects/sqlite.js';
import { dialects, migrationsFor, planMigration } from '../src/migration-plan.js';
import { migrationIndexSource } from '../scripts/migration-index.js';

// A third dialect, defined here and nowhere else: SQLite's spelling under another name and with
// other capabilities. Nothing in the planner, the migration set or the index generator is edited.
const fakesql: Dialect = { ...sqlite, name: 'fakesql', capabilities: { ...sqlite.capabilities, concurrentWriters: true } };

describe('a third SQL dialect is its own file plus its migrations', () => {
  it('plans its migrations from the schema, and they run', () => {
    expect(dialects).not.toHaveProperty('fakesql');
    const plan = planMigration(fakesql, [], coreSchema.collections);
    expect(plan.up.length).toBeGreaterThan(coreSchema.collections.length);
    const db = new Database(':memory:');
    for (const sql of plan.up) db.exec(sql);
    // Full-text indexes are FTS5 tables (each with its shadow tables), one per collection with search fields.
    const plain = `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%\\_fts%' ESCAPE '\\'`;
    expect(db.prepare(plain).get()).toEqual({ n: coreSchema.collections.length + 1 });
    const fts = coreSchema.collections.filter((c) => c.search?.length).map((c) => `${c.name}_fts`);
    expect(fts.length).toBeGreaterThan(0);
    for (const name of fts) expect(db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(name), name).toBeDefined();
    for (const sql of plan.down) db.exec(sql);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get()).toEqual({ n: 0 });
    db.close();
  });

  it('takes its list from a migration set keyed by dialect name; a set without it is refused, naming it', () => {
    const initial = sqlMigration('Initial1', planMigration(fakesql, [], coreSchema.collections).up, []);
    const set: MigrationSet = { dialects: { ...coreMigrations.dialects, fakesql: [initial] }, snapshot: coreMigrations.snapshot };
    expect(migrationsFor(set, fakesql)).toEqual([initial]);
    expect(migrationsFor(set, sqlite)).toBe(coreMigrations.dialects.sqlite);
    let error: unknown;
    try {
      migrationsFor(coreMigrations, fakesql);
    } catch (err) {
      error = err;
    }
    expect(isRapportError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toBe('migrations: the set has no migrations for dialect "fakesql" (it has sqlite, postgres)');
  });

  it('gets its entry in the generated migrations index from its name alone', () => {
    const source = migrationIndexSource({
      sqlite: [{ exported: 'Initial1', file: '1-initial.ts' }],
      fakesql: [
        { exported: 'Initial1', file: '1-initial.ts' },
        { exported: 'More2', file: '2-more.ts' },
      ],
    });
    expect(source).toContain(`import { Initial1 as fakesqlInitial1 } from './fakesql/1-initial.js';`);
    expect(source).toContain(`import { More2 as fakesqlMore2 } from './fakesql/2-more.js';`);
    expect(source).toContain('    fakesql: [fakesqlInitial1, fakesqlMore2],');
    expect(source).toContain('    sqlite: [sqliteInitial1],');
  });

  it('no planner, compiler, migration set or generator code names a database (comments may say why)', () => {
    for (const file of [
      '../src/migration-plan.ts',
      '../scripts/migration-index.ts',
      '../scripts/generate-migration.ts',
      '../src/compile.ts',
      '../src/ddl.ts',
    ]) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(source.match(/\b(sqlite|postgres|postgresql)\b/gi) ?? [], file).toEqual([]);
    }
  });
});
