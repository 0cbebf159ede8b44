import { allFields, indexFields, type CollectionDef, type IndexDef } from '@rapport/core/store';
import type { Dialect } from './dialect.js';
import { columnName, SEQUENCES_TABLE, tableName } from './naming.js';

/** DDL generated from the schema description, for migrations and for extension collections. */
export function createTableSql(d: Dialect, def: CollectionDef, ifNotExists = false): string {
  const cols = Object.entries(allFields(def)).map(([field, fd]) => {
    const name = d.q(columnName(field));
    if (field === 'id') return `${name} ${d.columnType(fd)} NOT NULL PRIMARY KEY`;
    return `${name} ${d.columnType(fd)}${fd.nullable ? '' : ' NOT NULL'}`;
  });
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${d.q(tableName(def.name))} (\n  ${cols.join(',\n  ')}\n)`;
}

export function createIndexSql(d: Dialect, def: CollectionDef, index: IndexDef, ifNotExists = false): string {
  const cols = indexFields(index).map((f) => {
    // An index serves ORDER BY only when its null order matches the store's.
    return d.indexTerm(d.q(columnName(f.field)), f.desc ?? false, f.nullsLast ?? false);
  });
  const ine = ifNotExists ? 'IF NOT EXISTS ' : '';
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${ine}${d.q(index.name)} ON ${d.q(tableName(def.name))} (${cols.join(', ')})`;
}

export function dropIndexSql(d: Dialect, index: IndexDef): string {
  return `DROP INDEX IF EXISTS ${d.q(index.name)}`;
}

export function dropTableSql(d: Dialect, def: CollectionDef): string {
  return `DROP TABLE IF EXISTS ${d.q(tableName(def.name))}`;
}

export function sequencesTableSql(d: Dialect): string {
  return d.sequencesTable(SEQUENCES_TABLE);
}
