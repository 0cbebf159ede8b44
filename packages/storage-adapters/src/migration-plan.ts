import { RapportError, type CollectionDef, type FieldDef, type IndexDef } from '@rapport/core/store';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { Dialect, DialectName } from './dialect.js';
import { dialects } from './dialects/index.js';
import { createIndexSql, createTableSql, dropIndexSql, dropTableSql, sequencesTableSql } from './ddl.js';
import { columnName, SEQUENCES_TABLE, tableName } from './naming.js';

/** What the committed migrations have brought the database to: the schema at the last generation. */
export interface Snapshot {
  collections: CollectionDef[];
}

/** A migration class as TypeORM runs it. */
export type MigrationClass = new () => MigrationInterface;

/** The migrations of each dialect, in order, and the schema they all produce. */
export interface MigrationSet {
  /** By dialect name (`Dialect.name`): a new dialect brings its own list, nothing else changes. */
  dialects: Record<DialectName, MigrationClass[]>;
  snapshot: Snapshot;
}

/** The migrations a dialect runs from a set; a set without that dialect is refused, naming what it has. */
export function migrationsFor(set: MigrationSet, d: Pick<Dialect, 'name'>): MigrationClass[] {
  const list = set.dialects[d.name];
  if (!list) {
    throw new RapportError(
      'VALIDATION',
      `migrations: the set has no migrations for dialect ${JSON.stringify(d.name)} (it has ${Object.keys(set.dialects).join(', ') || 'none'})`,
      { details: { field: 'migrations.dialects' } },
    );
  }
  return list;
}

/** A TypeORM migration class that runs fixed SQL statements (what the generator writes). */
export function sqlMigration(name: string, up: string[], down: string[]): new () => MigrationInterface {
  return class implements MigrationInterface {
    readonly name = name;
    async up(runner: QueryRunner): Promise<void> {
      for (const sql of up) await runner.query(sql);
    }
    async down(runner: QueryRunner): Promise<void> {
      for (const sql of down) await runner.query(sql);
    }
  };
}

/** A definition with sorted keys, so two equal definitions compare equal as JSON. */
export function canonical(def: CollectionDef): CollectionDef {
  const fields: Record<string, FieldDef> = {};
  for (const key of Object.keys(def.fields).sort()) {
    const f = def.fields[key]!;
    fields[key] = { type: f.type, ...(f.nullable ? { nullable: true } : {}), ...(f.length !== undefined ? { length: f.length } : {}) };
  }
  const indexes = [...def.indexes]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((ix) => ({ name: ix.name, fields: ix.fields, ...(ix.unique ? { unique: true } : {}) }));
  return { name: def.name, fields, indexes, ...(def.search?.length ? { search: [...def.search] } : {}) };
}

export const sameDef = (a: CollectionDef, b: CollectionDef) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

export interface Plan {
  up: string[];
  down: string[];
  /** Things the engineer must review (defaults invented for new NOT NULL columns). */
  warnings: string[];
}

/** The SQL that takes a database from `prev` to `next`, for one dialect. */
export function planMigration(d: Dialect, prev: CollectionDef[], next: CollectionDef[]): Plan {
  const up: string[] = [];
  const down: string[] = [];
  const warnings: string[] = [];
  const before = new Map(prev.map((c) => [c.name, c]));
  const after = new Map(next.map((c) => [c.name, c]));
  const table = (name: string) => d.q(tableName(name));
  // Search DDL may repeat a shared statement (PostgreSQL's search function) per collection: once is enough.
  const upOnce = (sqls: string[]) => up.push(...sqls.filter((sql) => !up.includes(sql)));

  if (prev.length === 0) {
    up.push(sequencesTableSql(d));
    down.unshift(`DROP TABLE IF EXISTS ${d.q(SEQUENCES_TABLE)}`);
  }
  for (const def of next) {
    const old = before.get(def.name);
    if (!old) {
      up.push(createTableSql(d, def), ...def.indexes.map((ix) => createIndexSql(d, def, ix)));
      down.unshift(dropTableSql(d, def));
      if (def.search?.length) {
        const search = d.searchIndex(def);
        upOnce(search.up);
        down.unshift(...search.down);
      }
      continue;
    }
    if (sameDef(old, def)) continue;
    // A changed list of search fields rebuilds the index (before columns change, after they are added).
    const searchChanged = JSON.stringify(old.search ?? []) !== JSON.stringify(def.search ?? []);
    if (searchChanged && old.search?.length) {
      const search = d.searchIndex(old);
      up.push(...search.down);
      down.unshift(...search.up);
    }
    const oldIx = new Map(old.indexes.map((ix) => [ix.name, ix]));
    const newIx = new Map(def.indexes.map((ix) => [ix.name, ix]));
    const ixChanged = (a: IndexDef, b: IndexDef) => JSON.stringify([a.fields, !!a.unique]) !== JSON.stringify([b.fields, !!b.unique]);
    for (const ix of old.indexes) {
      const now = newIx.get(ix.name);
      if (!now || ixChanged(ix, now)) {
        up.push(dropIndexSql(d, ix));
        down.unshift(createIndexSql(d, old, ix));
      }
    }
    for (const [field, f] of Object.entries(def.fields)) {
      const was = old.fields[field];
      const col = d.q(columnName(field));
      if (!was) {
        const fallback = f.nullable ? undefined : d.defaultLiteral(f);
        if (fallback !== undefined) warnings.push(`${def.name}.${field} is NOT NULL: existing rows get ${fallback}; review the migration`);
        up.push(`ALTER TABLE ${table(def.name)} ADD COLUMN ${col} ${d.columnType(f)}${fallback !== undefined ? ` NOT NULL DEFAULT ${fallback}` : ''}`);
        if (fallback !== undefined && d.dropsAddedDefaults) up.push(`ALTER TABLE ${table(def.name)} ALTER COLUMN ${col} DROP DEFAULT`);
        down.unshift(`ALTER TABLE ${table(def.name)} DROP COLUMN ${col}`);
      } else if (
        JSON.stringify(canonical({ name: '', fields: { x: was }, indexes: [] })) !== JSON.stringify(canonical({ name: '', fields: { x: f }, indexes: [] }))
      ) {
        throw new Error(
          `${def.name}.${field} changed from ${JSON.stringify(was)} to ${JSON.stringify(f)}: write this migration by hand (copy the column, backfill, swap) and update the snapshot`,
        );
      }
    }
    for (const [field, was] of Object.entries(old.fields)) {
      if (def.fields[field]) continue;
      const col = d.q(columnName(field));
      up.push(`ALTER TABLE ${table(def.name)} DROP COLUMN ${col}`);
      down.unshift(`ALTER TABLE ${table(def.name)} ADD COLUMN ${col} ${d.columnType({ ...was, nullable: true })}`);
    }
    for (const ix of def.indexes) {
      const was = oldIx.get(ix.name);
      if (!was || ixChanged(was, ix)) {
        up.push(createIndexSql(d, def, ix));
        down.unshift(dropIndexSql(d, ix));
      }
    }
    if (searchChanged && def.search?.length) {
      const search = d.searchIndex(def);
      upOnce(search.up);
      down.unshift(...search.down);
    }
  }
  for (const old of prev) {
    if (after.has(old.name)) continue;
    if (old.search?.length) {
      const search = d.searchIndex(old);
      up.push(...search.down);
      down.unshift(...search.up);
    }
    up.push(dropTableSql(d, old));
    down.unshift(createTableSql(d, old), ...old.indexes.map((ix) => createIndexSql(d, old, ix)));
  }
  return { up, down, warnings };
}

export { dialects };
