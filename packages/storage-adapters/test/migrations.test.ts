import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreCollections, coreSchema, isRapportError, Schema, where, type CollectionDef, type Store } from '@rapport/core/store';
import { coreMigrations, postgresStore, sqliteStore, type MigrationSet } from '@rapport/storage-adapters';
import { canonical, dialects, planMigration, sameDef, sqlMigration } from '../src/migration-plan.js';
import { createPgSchema, dropPgSchema, PG_URL, pgClient, uniqueSchemaName } from './helpers.js';

const sqliteMigrations = coreMigrations.dialects.sqlite!;
const postgresMigrations = coreMigrations.dialects.postgres!;

// The schema a later release might have: a new collection, a nullable and a NOT NULL field on
// partners, and a new index.
const partnersV2: CollectionDef = (() => {
  const p = coreCollections.find((c) => c.name === 'partners')!;
  return {
    ...p,
    fields: { ...p.fields, website: { type: 'string', nullable: true }, rating: { type: 'integer' } },
    indexes: [...p.indexes, { name: 'partners_website', fields: ['website'] }],
  };
})();
const widgets: CollectionDef = {
  name: 'widgets',
  fields: { label: { type: 'string' }, at: { type: 'date' } },
  indexes: [{ name: 'widgets_label_uq', fields: ['label'], unique: true }],
};
const schemaV2 = new Schema([...coreCollections.map((c) => (c.name === 'partners' ? partnersV2 : c)), widgets]);

function migrationsV2(): MigrationSet {
  const name = 'PartnerWebsiteWidgets1900000000000';
  const make = (d: keyof typeof dialects) => {
    const plan = planMigration(dialects[d]!, coreMigrations.snapshot.collections, schemaV2.collections);
    return sqlMigration(name, plan.up, plan.down);
  };
  return {
    dialects: { sqlite: [...sqliteMigrations, make('sqlite')], postgres: [...postgresMigrations, make('postgres')] },
    snapshot: { collections: schemaV2.collections.map(canonical) },
  };
}

const partner = {
  id: 'p1',
  version: 1,
  code: 'ZEFIR',
  name: 'Zefir Sp. z o.o.',
  kind: 'customer',
  taxId: null,
  emails: ['biuro@zefir.pl'],
  emailDomains: ['zefir.pl'],
  phones: [],
  address: null,
  industry: null,
  turnover: null,
  employees: 12,
  ownerId: null,
  salesBlocked: false,
  customFields: { region: 'north' },
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
  updatedAt: new Date('2026-01-02T03:04:05.678Z'),
};

// Every committed core migration, in order (the list grows as collections are added).
const coreNames = sqliteMigrations.map((M) => new M().name!);

async function expectStorage(p: Promise<unknown>, pattern: RegExp) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isRapportError(err, 'STORAGE'), String(err)).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

describe('committed migrations', () => {
  it('the snapshot matches the core Schema (else run npm run migrations:generate)', () => {
    const snap = coreMigrations.snapshot.collections;
    expect(snap.map((c) => c.name).sort()).toEqual(coreSchema.collections.map((c) => c.name).sort());
    for (const def of coreSchema.collections)
      expect(
        sameDef(
          def,
          snap.find((c) => c.name === def.name)!,
        ),
        def.name,
      ).toBe(true);
  });

  it('each dialect has the same migrations in the same order', () => {
    const names = (list: MigrationSet['dialects'][string]) => list.map((M) => new M().name);
    expect(names(sqliteMigrations)).toEqual(names(postgresMigrations));
  });
});

describe('migrating from several processes at once', () => {
  it('SQLite: three processes migrating one new file at once all succeed, and the migrations run once', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const work = mkdtempSync(join(tmpdir(), 'rapport-migrate-race-'));
    const script = join(work, 'migrate.mts');
    writeFileSync(
      script,
      [
        `const { sqliteStore } = await import(${JSON.stringify(fileURLToPath(new URL('../src/index.ts', import.meta.url)))});`,
        'const store = sqliteStore({ filename: process.argv[2] });',
        // All three start migrating at the same moment, whatever their start-up took.
        'await new Promise((r) => setTimeout(r, Number(process.argv[3]) - Date.now()));',
        'const report = await store.migrate();',
        'await store.close();',
        'console.log(JSON.stringify(report.applied));',
      ].join('\n'),
    );
    try {
      // The race is timing-dependent: several rounds.
      for (let round = 0; round < 3; round++) {
        const file = join(work, `race-${round}.db`);
        const startAt = String(Date.now() + 3000);
        const runs = await Promise.all(
          Array.from({ length: 3 }, () => promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [script, file, startAt], { cwd: root, timeout: 60_000 })),
        );
        const applied = runs.map((r) => {
          try {
            return JSON.parse(r.stdout.trim()) as string[];
          } catch {
            throw new Error(r.stdout + r.stderr);
          }
        });
        expect(applied.flat().sort()).toEqual(sqliteMigrations.map((M) => new M().name).sort());
        const db = new Database(file, { readonly: true });
        expect(db.prepare('SELECT count(*) AS n FROM rapport_migrations').get()).toEqual({ n: sqliteMigrations.length });
        db.close();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('PostgreSQL: four stores migrating one new schema take turns: one applies, the others find nothing to do', async () => {
    const schemaName = uniqueSchemaName('mig_race');
    // Pools of one: the advisory lock must not take the connection the migrations run on.
    const stores = Array.from({ length: 4 }, () => postgresStore({ url: PG_URL, schemaName, poolSize: 1 }));
    try {
      const reports = await Promise.all(stores.map((store) => store.migrate()));
      const names = postgresMigrations.map((M) => new M().name);
      expect(reports.map((r) => r.applied.length).sort()).toEqual([0, 0, 0, names.length]);
      const c = await pgClient();
      try {
        const { rows } = await c.query(`SELECT name FROM "${schemaName}".rapport_migrations ORDER BY id`);
        expect(rows.map((r) => r.name)).toEqual(names);
      } finally {
        await c.end();
      }
    } finally {
      for (const store of stores) await store.close();
      await dropPgSchema(schemaName);
    }
  });
});

interface Kind {
  label: string;
  open(opts: { schema?: Schema; migrations?: MigrationSet }): Store;
  tables(): Promise<string[]>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'rapport-migrate-'));
let sqliteFile = '';
let pgSchema = '';

const kinds: Kind[] = [
  {
    label: 'sqliteStore',
    open: (o) => sqliteStore({ filename: sqliteFile, ...o }),
    tables: async () => {
      const db = new Database(sqliteFile, { readonly: true });
      try {
        return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name);
      } finally {
        db.close();
      }
    },
    setup: async () => {
      sqliteFile = join(dir, `${uniqueSchemaName('m')}.sqlite`);
    },
    teardown: async () => {},
  },
  {
    label: 'postgresStore',
    open: (o) => postgresStore({ url: PG_URL, schemaName: pgSchema, ...o }),
    tables: async () => {
      const c = await pgClient();
      try {
        return (await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [pgSchema])).rows.map((r) => r.tablename as string);
      } finally {
        await c.end();
      }
    },
    setup: async () => {
      pgSchema = uniqueSchemaName('mig');
      await createPgSchema(pgSchema);
    },
    teardown: async () => dropPgSchema(pgSchema),
  },
];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const kind of kinds) {
  describe(`${kind.label} migrations`, () => {
    beforeAll(async () => {
      // Fail early, with how to start PostgreSQL, rather than time out.
      if (kind.label === 'postgresStore') await (await pgClient()).end();
    });

    const withDb = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        await kind.setup();
        try {
          await fn();
        } finally {
          await kind.teardown();
        }
      });

    withDb('migrate() on an empty database creates every core table; a second call applies nothing', async () => {
      const store = kind.open({});
      try {
        const first = await store.migrate();
        expect(first).toEqual({ applied: coreNames, skipped: [] });
        const tables = await kind.tables();
        for (const c of coreSchema.collections) expect(tables).toContain(c.name);
        expect(tables).toContain('rapport_sequences');
        expect(tables).toContain('rapport_migrations');
        const second = await store.migrate();
        expect(second).toEqual({ applied: [], skipped: coreNames });
      } finally {
        await store.close();
      }
    });

    withDb('a database made by the previous migration set upgrades in place and keeps its data', async () => {
      const old = kind.open({});
      await old.migrate();
      await old.create('partners', partner);
      expect(await old.nextSequence('reg/2026')).toBe(1);
      await old.close();

      const upgraded = kind.open({ schema: schemaV2, migrations: migrationsV2() });
      try {
        const report = await upgraded.migrate();
        expect(report.applied).toEqual(['PartnerWebsiteWidgets1900000000000']);
        expect(report.skipped).toEqual(coreNames);
        expect(await upgraded.get('partners', 'p1')).toEqual({ ...partner, mailOptOut: null, website: null, rating: 0 });
        await upgraded.update('partners', 'p1', { website: 'https://zefir.pl' }, 1);
        expect((await upgraded.find('partners', { where: { op: 'eq', field: 'website', value: 'https://zefir.pl' } })).items).toHaveLength(1);
        await upgraded.create('widgets', { id: 'w1', version: 1, label: 'one', at: new Date(0) });
        expect(await upgraded.nextSequence('reg/2026')).toBe(2);
        expect((await upgraded.migrate()).applied).toEqual([]);
      } finally {
        await upgraded.close();
      }
    });

    withDb('the exclusive-domain migration backfills stored domains; of one claimed twice, the oldest claim keeps it', async () => {
      // The schema and migrations as they were before ContactKeyExclusive.
      const keysBefore: CollectionDef = (() => {
        const k = coreCollections.find((c) => c.name === 'contact_keys')!;
        const { exclusive: _, ...fields } = k.fields;
        return { ...k, fields, indexes: k.indexes.filter((i) => i.name !== 'contact_keys_exclusive_uq') };
      })();
      const schemaBefore = new Schema(coreCollections.map((c) => (c.name === 'contact_keys' ? keysBefore : c)));
      // The migrations up to (not including) ContactKeyExclusive; the later ones run on upgrade.
      const cut = coreNames.findIndex((n) => n.startsWith('ContactKeyExclusive'));
      const before: MigrationSet = {
        dialects: { sqlite: sqliteMigrations.slice(0, cut), postgres: postgresMigrations.slice(0, cut) },
        snapshot: { collections: schemaBefore.collections.map(canonical) },
      };
      const old = kind.open({ schema: schemaBefore, migrations: before });
      await old.migrate();
      const key = (id: string, kind: 'email' | 'domain', value: string, ownerId: string) => ({
        id,
        version: 1,
        kind,
        value,
        ownerType: kind === 'domain' ? 'partner' : 'person',
        ownerId,
      });
      await old.createMany('contact_keys', [
        key('k1', 'domain', 'zefir.pl', 'p1'),
        key('k2', 'domain', 'zefir.pl', 'p2'),
        key('k3', 'domain', 'acme.pl', 'p3'),
        key('k4', 'email', 'jan@zefir.pl', 'x1'),
      ]);
      await old.close();

      const store = kind.open({});
      try {
        expect((await store.migrate()).applied).toEqual(coreNames.slice(cut));
        const rows = (await store.find<{ id: string; version: number; exclusive: string | null }>('contact_keys', { sort: [{ field: 'id' }] })).items;
        expect(rows.map((r) => [r.id, r.exclusive])).toEqual([
          ['k1', 'domain:zefir.pl'],
          ['k2', null],
          ['k3', 'domain:acme.pl'],
          ['k4', null],
        ]);
        await expect(store.create('contact_keys', { ...key('k5', 'domain', 'acme.pl', 'p9'), exclusive: 'domain:acme.pl' })).rejects.toMatchObject({
          code: 'CONFLICT',
        });
      } finally {
        await store.close();
      }
    });

    withDb('the full-text migration indexes the rows stored before it, and later writes keep it in step', async () => {
      // Fields later migrations add (mail-serial-runs: mailOptOut) are not in the database before the cut either.
      const later = new Set(['mailOptOut']);
      const schemaBefore = new Schema(
        coreCollections.map(({ search: _, ...c }) => ({ ...c, fields: Object.fromEntries(Object.entries(c.fields).filter(([name]) => !later.has(name))) })),
      );
      const cut = coreNames.findIndex((n) => n.startsWith('FullTextSearch'));
      expect(cut).toBeGreaterThan(0);
      const before: MigrationSet = {
        dialects: { sqlite: sqliteMigrations.slice(0, cut), postgres: postgresMigrations.slice(0, cut) },
        snapshot: { collections: schemaBefore.collections.map(canonical) },
      };
      const old = kind.open({ schema: schemaBefore, migrations: before });
      await old.migrate();
      await old.create('partners', { ...partner, id: 'p2', code: 'LODZ', name: 'Zakład Łódź Sp. z o.o.' });
      await old.create('partners', { ...partner, id: 'p3', code: 'RO1', name: 'Ședință SRL' });
      await old.close();

      const store = kind.open({});
      try {
        expect((await store.migrate()).applied).toEqual(coreNames.slice(cut));
        const ids = async (q: string) =>
          (await store.find<{ id: string; version: number }>('partners', { where: where.search(q), sort: [{ field: 'id' }] })).items.map((r) => r.id);
        expect(await ids('lodz')).toEqual(['p2']);
        expect(await ids('zaklad sp')).toEqual(['p2']);
        expect(await ids('şedinţă')).toEqual(['p3']);
        await store.update('partners', 'p3', { name: 'Altă firmă' }, 1);
        expect(await ids('sedinta')).toEqual([]);
        expect(await ids('alta')).toEqual(['p3']);
        await store.delete('partners', 'p2');
        expect(await ids('lodz')).toEqual([]);
      } finally {
        await store.close();
      }
    });

    withDb('a database migrated by newer code is refused with a clear message', async () => {
      const newer = kind.open({ schema: schemaV2, migrations: migrationsV2() });
      await newer.migrate();
      await newer.close();
      const older = kind.open({});
      try {
        await expectStorage(older.migrate(), /newer Rapport .*PartnerWebsiteWidgets1900000000000/);
      } finally {
        await older.close();
      }
    });

    withDb('a schema changed without a generated migration is refused', async () => {
      const store = kind.open({ schema: schemaV2 });
      try {
        await expectStorage(store.migrate(), /partners differs from the last migration snapshot; run `npm run migrations:generate/);
      } finally {
        await store.close();
      }
    });
  });
}
