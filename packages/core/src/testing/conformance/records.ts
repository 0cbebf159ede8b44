import { describe, expect, it } from 'vitest';
import { expectCode, item, items, type Rec } from '../fixtures.js';
import { where } from '../../store/filter.js';
import type { StoreCapabilities } from '../../store/store.js';
import { raw } from './suite.js';
import type { Suite } from './suite.js';

/** Create, read, update, delete with versions; unique indexes. */
export function describeRecords({ options, fresh, seeded, codes }: Suite): void {
  describe('records', () => {
    it('creates a record and reads it back unchanged', async () => {
      const store = await fresh();
      const rec = item(1, { body: 'long text', tags: ['a', 'b'], customFields: { region: 'north', score: 7 } });
      const created = await store.create(items.name, rec);
      expect(created).toEqual(rec);
      expect(await store.get(items.name, rec.id)).toEqual(rec);
    });

    it('writes what it was given (checked through the second read path)', async () => {
      const store = await fresh();
      const rec = item(2, { tags: { nested: [1, 'two', null, true] }, active: false });
      await store.create(items.name, rec);
      const row = await options.inspect(items.name, rec.id);
      expect(row).not.toBeNull();
      expect(row!.code).toBe('C0002');
      expect(raw.num(row!.qty)).toBe(2);
      expect(raw.num(row!.price)).toBe(2.5);
      expect(raw.num(row!.version)).toBe(1);
      expect(raw.bool(row!.active)).toBe(false);
      expect(raw.ms(row!.at)).toBe(rec.at instanceof Date ? rec.at.getTime() : NaN);
      expect(raw.json(row!.tags)).toEqual({ nested: [1, 'two', null, true] });
      expect(raw.json(row!.customFields)).toEqual({});
      expect(row!.body ?? null).toBeNull();
    });

    it('reads missing nullable fields back as null', async () => {
      const store = await fresh();
      const rec = { id: 'sparse', version: 1, code: 'SPARSE', customFields: {} };
      await store.create(items.name, rec);
      expect(await store.get(items.name, 'sparse')).toEqual({
        ...rec,
        name: null,
        body: null,
        qty: null,
        price: null,
        active: null,
        at: null,
        tags: null,
      });
    });

    it('returns null for an unknown id', async () => {
      const store = await fresh();
      expect(await store.get(items.name, 'nope')).toBeNull();
    });

    it('rejects a second record with the same id as CONFLICT', async () => {
      const store = await fresh();
      await store.create(items.name, item(1));
      await expectCode(store.create(items.name, item(1, { code: 'OTHER' })), 'CONFLICT');
      expect(await store.count(items.name)).toBe(1);
    });

    it('update applies the patch and increments the version', async () => {
      const store = await fresh();
      await store.create(items.name, item(1));
      const updated = await store.update<Rec>(items.name, 'it-0001', { name: 'Renamed', qty: null }, 1);
      expect(updated).toEqual({ ...item(1), name: 'Renamed', qty: null, version: 2 });
      expect(await store.get(items.name, 'it-0001')).toEqual(updated);
      const again = await store.update<Rec>(items.name, 'it-0001', { customFields: { a: 1 } }, 2);
      expect(again.version).toBe(3);
      const row = await options.inspect(items.name, 'it-0001');
      expect(raw.num(row!.version)).toBe(3);
      expect(row!.name).toBe('Renamed');
      expect(row!.qty ?? null).toBeNull();
    });

    it('update with a stale version is a CONFLICT and changes nothing', async () => {
      const store = await fresh();
      await store.create(items.name, item(1));
      await store.update(items.name, 'it-0001', { name: 'First' }, 1);
      await expectCode(store.update(items.name, 'it-0001', { name: 'Lost update' }, 1), 'CONFLICT');
      expect(await store.get(items.name, 'it-0001')).toMatchObject({ name: 'First', version: 2 });
    });

    it('update of an unknown id is NOT_FOUND', async () => {
      const store = await fresh();
      await expectCode(store.update(items.name, 'missing', { name: 'x' }, 1), 'NOT_FOUND');
    });

    it('delete removes the record; unknown id NOT_FOUND; stale version CONFLICT', async () => {
      const store = await fresh();
      await store.createMany(items.name, [item(1), item(2)]);
      await store.delete(items.name, 'it-0001');
      expect(await store.get(items.name, 'it-0001')).toBeNull();
      expect(await options.inspect(items.name, 'it-0001')).toBeNull();
      await expectCode(store.delete(items.name, 'it-0001'), 'NOT_FOUND');
      await expectCode(store.delete(items.name, 'it-0002', 5), 'CONFLICT');
      await store.delete(items.name, 'it-0002', 1);
      expect(await store.count(items.name)).toBe(0);
    });

    it('createMany inserts every record; an empty list is fine', async () => {
      const store = await fresh();
      await store.createMany(items.name, []);
      await store.createMany(
        items.name,
        Array.from({ length: 300 }, (_, i) => item(i)),
      );
      expect(await store.count(items.name)).toBe(300);
      expect(await store.get(items.name, 'it-0299')).toEqual(item(299));
    });

    it('updateWhere patches exactly the matching records, bumps their versions and returns how many', async () => {
      const store = await seeded(Array.from({ length: 10 }, (_, i) => item(i)));
      expect(await store.updateWhere(items.name, where.lt('qty', 4), { name: 'Low' })).toBe(4);
      expect(await store.updateWhere(items.name, where.eq('code', 'nothing'), { name: 'X' })).toBe(0);
      expect(await codes(store, where.eq('name', 'Low'))).toEqual(['C0000', 'C0001', 'C0002', 'C0003']);
      // Through the second door: the rows changed, the others did not.
      const changed = await options.inspect(items.name, 'it-0000');
      const untouched = await options.inspect(items.name, 'it-0004');
      expect([changed!.name, raw.num(changed!.version)]).toEqual(['Low', 2]);
      expect([untouched!.name, raw.num(untouched!.version)]).toEqual([item(4).name, 1]);
    });

    it('deleteWhere deletes exactly the matching records and returns how many', async () => {
      const store = await seeded(Array.from({ length: 10 }, (_, i) => item(i)));
      expect(await store.deleteWhere(items.name, where.lt('qty', 4))).toBe(4);
      expect(await store.deleteWhere(items.name, where.eq('code', 'nothing'))).toBe(0);
      expect(await codes(store, where.and())).toEqual(['C0004', 'C0005', 'C0006', 'C0007', 'C0008', 'C0009']);
    });

    it('rejects a limit outside 1..10,000 as VALIDATION', async () => {
      const store = await seeded(Array.from({ length: 120 }, (_, i) => item(i)));
      await expectCode(store.find(items.name, { limit: 0 }), 'VALIDATION');
      await expectCode(store.find(items.name, { limit: 10_001 }), 'VALIDATION');
      await expectCode(store.find(items.name, { limit: 2.5 }), 'VALIDATION');
      expect((await store.find(items.name)).items).toHaveLength(100);
    });

    it('declares its capabilities once, every flag true or false', async () => {
      const store = await fresh();
      const flags: Array<keyof StoreCapabilities> = ['nativeJson', 'nativeDates', 'nativeBooleans', 'transactions', 'concurrentWriters'];
      for (const flag of flags) expect(typeof store.capabilities[flag], flag).toBe('boolean');
    });

    it('a second migrate() applies nothing', async () => {
      const store = await fresh();
      const report = await store.migrate();
      expect(report.applied).toEqual([]);
    });
  });

  describe('unique indexes', () => {
    it('a unique clash on create is CONFLICT and writes nothing', async () => {
      const store = await fresh();
      await store.create(items.name, item(1));
      await expectCode(store.create(items.name, item(2, { code: 'C0001' })), 'CONFLICT');
      expect(await store.get(items.name, 'it-0002')).toBeNull();
      expect(await options.inspect(items.name, 'it-0002')).toBeNull();
    });

    it('a unique clash on update is CONFLICT and leaves the record as it was', async () => {
      const store = await seeded([item(1), item(2)]);
      await expectCode(store.update(items.name, 'it-0002', { code: 'C0001', name: 'changed' }, 1), 'CONFLICT');
      expect(await store.get(items.name, 'it-0002')).toEqual(item(2));
    });

    it('a unique clash inside createMany is CONFLICT and writes none of the batch', async () => {
      const store = await fresh();
      await store.create(items.name, item(1));
      await expectCode(store.createMany(items.name, [item(2), item(3), item(4, { code: 'C0001' })]), 'CONFLICT');
      expect(await store.count(items.name)).toBe(1);
    });
  });
}
