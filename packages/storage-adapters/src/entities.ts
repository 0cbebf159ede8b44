import { EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';
import { allFields, indexFields, type Schema } from '@rapport/core';
import type { DialectName } from './dialect.js';
import { columnName, tableName } from './naming.js';

/**
 * TypeORM entity schemas generated from the core Schema, so a host can use TypeORM's
 * repositories on Rapport's tables. The store itself runs its own SQL; tables come from the
 * committed migrations, never from `synchronize`.
 */
export function entitySchemas(schema: Schema, dialect: DialectName): EntitySchema[] {
  return schema.collections.map((def) => {
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const [field, fd] of Object.entries(allFields(def))) {
      const base = { name: columnName(field), nullable: fd.nullable ?? false, primary: field === 'id' };
      columns[field] = { ...base, ...columnType(fd.type, fd.length, dialect) } as EntitySchemaColumnOptions;
    }
    return new EntitySchema({
      name: def.name,
      tableName: tableName(def.name),
      columns,
      indices: def.indexes.map((ix) => ({
        name: ix.name,
        unique: ix.unique ?? false,
        columns: indexFields(ix).map((f) => f.field),
      })),
    });
  });
}

function columnType(type: string, length: number | undefined, dialect: DialectName): Partial<EntitySchemaColumnOptions> {
  const pg = dialect === 'postgres';
  switch (type) {
    case 'string':
      return pg ? { type: 'varchar', length: length ?? 255, collation: 'C' } : { type: 'text' };
    case 'text':
      return { type: 'text' };
    case 'integer':
      return { type: pg ? 'bigint' : 'integer' };
    case 'float':
      return { type: pg ? 'double precision' : 'real' };
    case 'boolean':
      return { type: pg ? 'boolean' : 'integer' };
    case 'date':
      return pg ? { type: 'timestamptz', precision: 3 } : { type: 'integer' };
    default:
      return { type: pg ? 'jsonb' : 'text' };
  }
}
