import { describe, expect, it } from 'vitest';
import { coreSchema } from '../../domain/schema.js';
import { allFields, type CollectionDef, type FieldDef } from '../../store/schema.js';
import type { Rec } from '../fixtures.js';
import type { Suite } from './suite.js';

/** Every core collection migrates and round-trips on the store. */
export function describeCoreSchema({ options, fresh }: Suite): void {
  describe('core schema', () => {
    it('every core collection migrates and round-trips a record with every field set', async () => {
      const store = await fresh(coreSchema);
      for (const def of coreSchema.collections) {
        const rec = sampleRecord(def);
        await store.create(def.name, rec);
        expect(await store.get(def.name, rec.id), def.name).toEqual(rec);
        const row = await options.inspect(def.name, rec.id);
        expect(row, `${def.name} through the second read path`).not.toBeNull();
        const patched = await store.update<Rec>(def.name, rec.id, {}, 1);
        expect(patched.version).toBe(2);
        expect(await store.count(def.name)).toBe(1);
      }
    });
  });
}

function sampleValue(def: FieldDef, name: string): unknown {
  switch (def.type) {
    case 'string':
      return `${name}-ż`.slice(0, def.length ?? 255);
    case 'text':
      return `${name} — long text`;
    case 'integer':
      return 42;
    case 'float':
      return 1.25;
    case 'boolean':
      return true;
    case 'date':
      return new Date('2026-05-06T07:08:09.123Z');
    case 'json':
      return { name, list: [1, 'a'] };
  }
}

function sampleRecord(def: CollectionDef): Rec {
  const rec: Record<string, unknown> = { id: `${def.name}-1`, version: 1 };
  for (const [name, field] of Object.entries(allFields(def))) {
    if (name !== 'id' && name !== 'version') rec[name] = sampleValue(field, name);
  }
  return rec as Rec;
}
