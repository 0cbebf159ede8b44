import { EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';
import { allFields, indexFields, RapportError, type Schema } from '@rapport/core/store';
import type { DialectName } from './dialect.js';
import { dialects } from './dialects/index.js';
import { columnName, tableName } from './naming.js';

/**
 * TypeORM entity schemas generated from the core Schema, so a host can use TypeORM's
 * repositories on Rapport's tables. The store itself runs its own SQL; tables come from the
 * committed migrations, never from `synchronize`.
 */
export function entitySchemas(schema: Schema, dialect: DialectName): EntitySchema[] {
  const d = dialects[dialect];
  if (!d) throw new RapportError('VALIDATION', `entitySchemas: unknown dialect ${JSON.stringify(dialect)} (known: ${Object.keys(dialects).join(', ')})`);
  return schema.collections.map((def) => {
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const [field, fd] of Object.entries(allFields(def))) {
      const base = { name: columnName(field), nullable: fd.nullable ?? false, primary: field === 'id' };
      columns[field] = { ...base, ...d.entityColumn(fd) } as EntitySchemaColumnOptions;
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
