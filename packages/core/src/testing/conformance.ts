import { afterEach, describe, expect, it } from 'vitest';
import { coreSchema } from '../domain/schema.js';
import { allFields, type CollectionDef, type FieldDef, type Schema } from '../store/schema.js';
import { conformanceSchema, events, expectCode, item, items, pad, type Rec } from './fixtures.js';
import { describeHostileQueries } from './hostile.js';
import { where, type Filter } from '../store/filter.js';
import type { FindQuery, Store, StoreCapabilities } from '../store/store.js';

export interface StoreConformanceOptions {
  /** Shown in the describe block, e.g. `sqliteStore (file)`. */
  name: string;
  /** A store for `schema`, empty once `reset` (if given) has run; the suite calls `migrate()`. */
  makeStore: (schema: Schema) => Store | Promise<Store>;
  /** Runs before every `makeStore` (drop the database, the pg schema, the file...). */
  reset?: () => Promise<void>;
  /**
   * Reads one record through a second door (plain SQL on another connection; for memory, a
   * fresh read), keyed by field name, values as the database holds them (dates may come back
   * as Date, epoch ms or ISO text; json as text or parsed; booleans as 0/1 or boolean).
   * Returns null when no row has that id.
   */
  inspect: (collection: string, id: string) => Promise<Record<string, unknown> | null>;
}

/** Normalises raw stored values so tests can check them whatever the column type. */
const raw = {
  ms(v: unknown): number | null {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    return new Date(String(v)).getTime();
  },
  json(v: unknown): unknown {
    return typeof v === 'string' ? JSON.parse(v) : v;
  },
  bool(v: unknown): boolean | null {
    if (v === null || v === undefined) return null;
    return v === true || v === 1 || v === '1' || v === 't' || v === 'true' || v === 1n;
  },
  num(v: unknown): number | null {
    return v === null || v === undefined ? null : Number(v);
  },
};

/** Registers the conformance tests for one store. */
export function describeStoreConformance(options: StoreConformanceOptions): void {
  const open: Store[] = [];

  async function fresh(schema: Schema = conformanceSchema): Promise<Store> {
    await options.reset?.();
    const store = await options.makeStore(schema);
    open.push(store);
    await store.migrate();
    return store;
  }

  async function seeded(rows: Rec[]): Promise<Store> {
    const store = await fresh();
    await store.createMany(items.name, rows);
    return store;
  }

  async function codes(store: Store, filter: Filter, query: Omit<FindQuery, 'where'> = {}): Promise<string[]> {
    const page = await store.find<Rec>(items.name, { limit: 10_000, ...query, where: filter });
    const out = page.items.map((r) => r.code as string);
    const n = await store.count(items.name, filter);
    expect(n, `count() must agree with find() for ${JSON.stringify(filter)}`).toBe(out.length);
    return query.sort ? out : out.sort();
  }

  /** Skips a test, saying why, when the store declares it lacks a capability (store.capabilities). */
  function skipWithout(store: Store, need: keyof StoreCapabilities, skip: (condition: boolean, note?: string) => void) {
    skip(!store.capabilities[need], `skipped: ${store.name} declares capabilities.${need} false`);
  }

  describe(`Store conformance: ${options.name}`, () => {
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });

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

    describe('filters', () => {
      // qty: 1..6 and null; name with a null; active true/false/null; customFields with region/score.
      const rows = (): Rec[] => [
        item(1, { name: 'Alpha', customFields: { region: 'north', score: 10 } }),
        item(2, { name: 'beta', customFields: { region: 'south', score: 2.5 } }),
        item(3, { name: null, customFields: { region: 'north' } }),
        item(4, { name: 'Gamma ACME', active: null, customFields: { score: -1 } }),
        item(5, { name: 'delta acme', at: null, customFields: {} }),
        item(6, { name: 'Epsilon', qty: null, price: null, customFields: { region: null } }),
      ];

      it('eq and ne, including null (ne holds for null values)', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.eq('name', 'Alpha'))).toEqual(['C0001']);
        expect(await codes(store, where.eq('name', null))).toEqual(['C0003']);
        expect(await codes(store, where.ne('name', 'Alpha'))).toEqual(['C0002', 'C0003', 'C0004', 'C0005', 'C0006']);
        expect(await codes(store, where.ne('name', null))).toEqual(['C0001', 'C0002', 'C0004', 'C0005', 'C0006']);
        expect(await codes(store, where.ne('qty', 3))).toEqual(['C0001', 'C0002', 'C0004', 'C0005', 'C0006']);
      });

      it('eq on booleans and dates', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.eq('active', true))).toEqual(['C0002', 'C0006']);
        expect(await codes(store, where.eq('active', false))).toEqual(['C0001', 'C0003', 'C0005']);
        expect(await codes(store, where.ne('active', true))).toEqual(['C0001', 'C0003', 'C0004', 'C0005']);
        expect(await codes(store, where.eq('at', item(2).at as Date))).toEqual(['C0002']);
      });

      it('lt, lte, gt, gte on integers, floats, dates and strings never match null', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.lt('qty', 3))).toEqual(['C0001', 'C0002']);
        expect(await codes(store, where.lte('qty', 3))).toEqual(['C0001', 'C0002', 'C0003']);
        expect(await codes(store, where.gt('qty', 4))).toEqual(['C0005']);
        expect(await codes(store, where.gte('price', 4.5))).toEqual(['C0004', 'C0005']);
        expect(await codes(store, where.lt('at', item(3).at as Date))).toEqual(['C0001', 'C0002']);
        expect(await codes(store, where.gte('at', item(5).at as Date))).toEqual(['C0006']);
        expect(await codes(store, where.gt('name', 'Z'))).toEqual(['C0002', 'C0005']);
        expect(await codes(store, where.lt('name', 'B'))).toEqual(['C0001']);
      });

      it('in and not in (not in holds for null values; an empty list matches nothing)', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.in('qty', [1, 3, 99]))).toEqual(['C0001', 'C0003']);
        expect(await codes(store, where.not(where.in('qty', [1, 3])))).toEqual(['C0002', 'C0004', 'C0005', 'C0006']);
        expect(await codes(store, where.in('name', ['beta', 'Epsilon']))).toEqual(['C0002', 'C0006']);
        expect(await codes(store, where.in('qty', []))).toEqual([]);
        expect(await codes(store, where.not(where.in('qty', [])))).toHaveLength(6);
      });

      it('contains is literal and case-sensitive unless ignoreCase; not contains holds for null', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.contains('name', 'acme'))).toEqual(['C0005']);
        expect(await codes(store, where.contains('name', 'acme', true))).toEqual(['C0004', 'C0005']);
        expect(await codes(store, where.contains('name', 'ALPHA', true))).toEqual(['C0001']);
        expect(await codes(store, where.not(where.contains('name', 'acme', true)))).toEqual(['C0001', 'C0002', 'C0003', 'C0006']);
      });

      it('isNull, not isNull, and not(eq) which holds for null', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.isNull('at'))).toEqual(['C0005']);
        expect(await codes(store, where.not(where.isNull('qty')))).toEqual(['C0001', 'C0002', 'C0003', 'C0004', 'C0005']);
        expect(await codes(store, where.not(where.eq('active', true)))).toEqual(['C0001', 'C0003', 'C0004', 'C0005']);
        expect(await codes(store, where.not(where.lt('qty', 3)))).toEqual(['C0003', 'C0004', 'C0005', 'C0006']);
      });

      it('and, or and not nest with two-valued logic', async () => {
        const store = await seeded(rows());
        const f = where.or(where.and(where.gte('qty', 2), where.lte('qty', 3)), where.eq('name', 'Epsilon'));
        expect(await codes(store, f)).toEqual(['C0002', 'C0003', 'C0006']);
        expect(await codes(store, where.not(f))).toEqual(['C0001', 'C0004', 'C0005']);
        expect(await codes(store, where.and())).toHaveLength(6);
        expect(await codes(store, where.or())).toEqual([]);
        expect(await codes(store, where.not(where.and(where.eq('active', false), where.gt('qty', 2))))).toEqual(['C0001', 'C0002', 'C0004', 'C0006']);
      });

      it('custom-field JSON paths compare strings and numbers', async () => {
        const store = await seeded(rows());
        expect(await codes(store, where.eq('customFields.region', 'north'))).toEqual(['C0001', 'C0003']);
        expect(await codes(store, where.ne('customFields.region', 'north'))).toEqual(['C0002', 'C0004', 'C0005', 'C0006']);
        expect(await codes(store, where.isNull('customFields.region'))).toEqual(['C0004', 'C0005', 'C0006']);
        expect(await codes(store, where.gt('customFields.score', 2))).toEqual(['C0001', 'C0002']);
        expect(await codes(store, where.lte('customFields.score', 2.5))).toEqual(['C0002', 'C0004']);
        expect(await codes(store, where.eq('customFields.score', 10))).toEqual(['C0001']);
        expect(await codes(store, where.in('customFields.region', ['south', 'west']))).toEqual(['C0002']);
        expect(await codes(store, where.contains('customFields.region', 'OR', true))).toEqual(['C0001', 'C0003']);
      });

      it('an unknown field is a VALIDATION error', async () => {
        const store = await seeded(rows());
        await expectCode(store.find(items.name, { where: where.eq('nope', 1) }), 'VALIDATION');
      });
    });

    describe('literal values: unicode and SQL metacharacters', () => {
      const nasty = [
        "'; DROP TABLE conf_items; --",
        '100% sure',
        'a_b',
        'ab',
        'say "hi"',
        "O'Brien",
        'back\\slash',
        '😀 emoji',
        'Zażółć gęślą jaźń',
        'Ștefan Țăranu',
        '中文',
        'שלום',
        '$1 ?',
      ];

      it('are stored exactly and matched literally by eq, in and contains', async () => {
        const store = await seeded(nasty.map((name, i) => item(i, { name, body: name, customFields: { note: name } })));
        for (const [i, name] of nasty.entries()) {
          const id = `it-${pad(i)}`;
          expect((await store.get<Rec>(items.name, id))?.name).toBe(name);
          const row = await options.inspect(items.name, id);
          expect(row!.name).toBe(name);
          expect(raw.json(row!.customFields)).toEqual({ note: name });
          expect(await codes(store, where.eq('name', name))).toEqual([`C${pad(i)}`]);
          expect(await codes(store, where.eq('customFields.note', name))).toEqual([`C${pad(i)}`]);
        }
        expect(await codes(store, where.contains('name', '%'))).toEqual([`C${pad(1)}`]);
        expect(await codes(store, where.contains('body', '_b'))).toEqual([`C${pad(2)}`]);
        expect(await codes(store, where.contains('name', '\\'))).toEqual([`C${pad(6)}`]);
        expect(await codes(store, where.contains('name', "'"))).toEqual([`C${pad(0)}`, `C${pad(5)}`]);
        expect(await codes(store, where.contains('name', '😀'))).toEqual([`C${pad(7)}`]);
        expect(await codes(store, where.contains('name', 'ółć'))).toEqual([`C${pad(8)}`]);
        // Case-insensitive search folds Polish and Romanian letters too, as JavaScript does.
        expect(await codes(store, where.contains('name', 'ZAŻÓŁĆ GĘŚLĄ', true))).toEqual([`C${pad(8)}`]);
        expect(await codes(store, where.contains('name', 'ștefan ȚĂRANU', true))).toEqual([`C${pad(9)}`]);
        expect(await codes(store, where.contains('customFields.note', 'JAŹŃ', true))).toEqual([`C${pad(8)}`]);
        expect(await codes(store, where.not(where.contains('name', 'ŻÓŁ', true)))).not.toContain(`C${pad(8)}`);
        expect(await codes(store, where.contains('name', 'ŻÓŁ'))).toEqual([]);
        expect(await codes(store, where.in('name', ['a_b', '$1 ?']))).toEqual([`C${pad(2)}`, `C${pad(12)}`]);
        expect(await store.count(items.name)).toBe(nasty.length);
      });
    });

    describe('dates and JSON', () => {
      it('dates round-trip to the millisecond, before and after 1970', async () => {
        const store = await fresh();
        const dates = ['2026-03-01T12:34:56.789Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2099-12-31T23:59:59.001Z'];
        for (const [i, iso] of dates.entries()) await store.create(items.name, item(i, { at: new Date(iso) }));
        for (const [i, iso] of dates.entries()) {
          const rec = await store.get<Rec>(items.name, `it-${pad(i)}`);
          expect(rec?.at).toBeInstanceOf(Date);
          expect((rec?.at as Date).toISOString()).toBe(iso);
          expect(raw.ms((await options.inspect(items.name, `it-${pad(i)}`))!.at)).toBe(new Date(iso).getTime());
        }
        expect(await codes(store, where.gt('at', new Date('2026-03-01T12:34:56.788Z')))).toEqual(['C0000', 'C0003']);
        expect(await codes(store, where.gt('at', new Date('2026-03-01T12:34:56.789Z')))).toEqual(['C0003']);
      });

      it('JSON values round-trip (objects, arrays, unicode, numbers, booleans, nulls)', async () => {
        const store = await fresh();
        const value = { list: [1, 2.5, -3, 'x', null, false], deep: { a: { b: ['ż', '😀'] } }, empty: {}, t: true, q: '"\'\\' };
        await store.create(items.name, item(1, { customFields: value, tags: ['one'] }));
        const rec = await store.get<Rec>(items.name, 'it-0001');
        expect(rec?.customFields).toEqual(value);
        expect(rec?.tags).toEqual(['one']);
        expect(raw.json((await options.inspect(items.name, 'it-0001'))!.customFields)).toEqual(value);
      });
    });

    describe('sort and cursor pagination', () => {
      const mixed = (): Rec[] => [item(1, { qty: 2 }), item(2, { qty: null }), item(3, { qty: 1 }), item(4, { qty: 2 }), item(5, { qty: null })];

      it('sorts ascending with nulls first and id as tie-breaker', async () => {
        const store = await seeded(mixed());
        expect(await codes(store, where.and(), { sort: [{ field: 'qty' }] })).toEqual(['C0002', 'C0005', 'C0003', 'C0001', 'C0004']);
      });

      it('sorts descending with nulls last', async () => {
        const store = await seeded(mixed());
        expect(await codes(store, where.and(), { sort: [{ field: 'qty', direction: 'desc' }] })).toEqual(['C0004', 'C0001', 'C0003', 'C0005', 'C0002']);
      });

      it('sorts by several fields and by strings in code-point order', async () => {
        const store = await seeded([
          item(1, { name: 'b', qty: 1 }),
          item(2, { name: 'B', qty: 1 }),
          item(3, { name: 'a', qty: 2 }),
          item(4, { name: 'ä', qty: 1 }),
        ]);
        expect(await codes(store, where.and(), { sort: [{ field: 'qty' }, { field: 'name', direction: 'desc' }] })).toEqual([
          'C0004',
          'C0001',
          'C0002',
          'C0003',
        ]);
        expect(await codes(store, where.and(), { sort: [{ field: 'name' }] })).toEqual(['C0002', 'C0003', 'C0001', 'C0004']);
      });

      async function pageThrough(store: Store, query: FindQuery, between?: (page: number) => Promise<void>): Promise<string[]> {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const res = await store.find<Rec>(items.name, { ...query, ...(cursor ? { cursor } : {}) });
          seen.push(...res.items.map((r) => r.id));
          if (!res.nextCursor) return seen;
          expect(res.items).toHaveLength(query.limit!);
          cursor = res.nextCursor;
          await between?.(page);
        }
        throw new Error('pagination did not end');
      }

      // 250 rows, qty in 0..6 or null (many ties), dates with ties too.
      const many = (): Rec[] =>
        Array.from({ length: 250 }, (_, i) => item(i, { qty: i % 8 === 7 ? null : i % 7, at: i % 5 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + (i % 4))) }));

      for (const sort of [
        [{ field: 'qty' }],
        [{ field: 'qty', direction: 'desc' as const }],
        [{ field: 'at', direction: 'desc' as const }, { field: 'qty' }],
        [{ field: 'active' }, { field: 'at' }],
      ]) {
        it(`pages through 250 rows with ties, no duplicates, no gaps (sort ${JSON.stringify(sort)})`, async () => {
          const store = await seeded(many());
          const all = (await store.find<Rec>(items.name, { sort, limit: 1000 })).items.map((r) => r.id);
          expect(all).toHaveLength(250);
          const paged = await pageThrough(store, { sort, limit: 17 });
          expect(paged).toEqual(all);
          const filtered = await pageThrough(store, { sort, limit: 9, where: where.ne('qty', 3) });
          expect(filtered).toEqual((await store.find<Rec>(items.name, { sort, limit: 1000, where: where.ne('qty', 3) })).items.map((r) => r.id));
        });
      }

      it('pages stay consistent when a row is inserted between pages', async () => {
        const store = await seeded(many());
        const sort = [{ field: 'qty' }];
        const paged = await pageThrough(store, { sort, limit: 20 }, async (page) => {
          if (page !== 2) return;
          // One row sorting before the position reached (not seen), one after it (seen once).
          await store.create(items.name, item(900, { qty: null }));
          await store.create(items.name, item(901, { qty: 6 }));
        });
        expect(new Set(paged).size).toBe(paged.length);
        expect(paged).toContain('it-0901');
        expect(paged).not.toContain('it-0900');
        expect(paged).toHaveLength(251);
      });

      it('a malformed cursor is a VALIDATION error', async () => {
        const store = await seeded(mixed());
        await expectCode(store.find(items.name, { cursor: 'not-a-cursor' }), 'VALIDATION');
      });
    });

    describe('transactions', () => {
      it('commits everything written inside', async ({ skip }) => {
        const store = await fresh();
        skipWithout(store, 'transactions', skip);
        const result = await store.transaction(async (tx) => {
          await tx.create(items.name, item(1));
          await tx.create(events.name, { id: 'e1', version: 1, itemId: 'it-0001', kind: 'made', at: new Date(), amount: 1, weight: null });
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.count(items.name)).toBe(1);
        expect(await options.inspect(events.name, 'e1')).not.toBeNull();
      });

      it('a failed transaction leaves no trace', async ({ skip }) => {
        const store = await seeded([item(1), item(2)]);
        skipWithout(store, 'transactions', skip);
        const seqBefore = await store.nextSequence('rollback-seq');
        const boom = new Error('boom');
        await expect(
          store.transaction(async (tx) => {
            await tx.create(items.name, item(3));
            await tx.update(items.name, 'it-0001', { name: 'changed' }, 1);
            await tx.delete(items.name, 'it-0002');
            await tx.createMany(events.name, [{ id: 'e1', version: 1, itemId: 'x', kind: 'k', at: new Date(), amount: 1, weight: 1 }]);
            await tx.deleteWhere(items.name, where.eq('code', 'C0001'));
            expect(await tx.count(items.name)).toBe(1);
            await tx.nextSequence('rollback-seq');
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.get(items.name, 'it-0001')).toEqual(item(1));
        expect(await store.get(items.name, 'it-0002')).toEqual(item(2));
        expect(await store.get(items.name, 'it-0003')).toBeNull();
        expect(await options.inspect(items.name, 'it-0003')).toBeNull();
        expect(await store.count(events.name)).toBe(0);
        expect(await store.nextSequence('rollback-seq')).toBe(seqBefore + 1);
      });

      it('a nested transaction joins the outer one', async ({ skip }) => {
        const store = await fresh();
        skipWithout(store, 'transactions', skip);
        await expect(
          store.transaction(async (tx) => {
            await tx.create(items.name, item(1));
            await tx.transaction(async (inner) => {
              await inner.create(items.name, item(2));
              expect(await inner.count(items.name)).toBe(2);
            });
            throw new Error('outer fails');
          }),
        ).rejects.toThrow('outer fails');
        expect(await store.count(items.name)).toBe(0);
        await store.transaction(async (tx) => {
          await tx.transaction((inner) => inner.create(items.name, item(5)));
          expect(await tx.get(items.name, 'it-0005')).not.toBeNull();
        });
        expect(await store.count(items.name)).toBe(1);
      });

      it('concurrent transactions do not see or undo each other', async ({ skip }) => {
        const store = await fresh();
        skipWithout(store, 'transactions', skip);
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.transaction(async (tx) => {
              await tx.create(items.name, item(i));
              await new Promise((r) => setTimeout(r, 1));
              if (i % 2) throw new Error(`fail ${i}`);
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
        expect((await store.find<Rec>(items.name, { sort: [{ field: 'qty' }] })).items.map((r) => r.qty)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      });
    });

    describe('sequences', () => {
      it('starts at 1 and counts per name', async () => {
        const store = await fresh();
        expect(await store.nextSequence('a')).toBe(1);
        expect(await store.nextSequence('a')).toBe(2);
        expect(await store.nextSequence('b/2026')).toBe(1);
        expect(await store.nextSequence('a')).toBe(3);
      });

      it('takes a block of values at once', async () => {
        const store = await fresh();
        expect(await store.nextSequence('blk', 5)).toBe(5);
        expect(await store.nextSequence('blk')).toBe(6);
        expect(await store.transaction((tx) => tx.nextSequence('blk', 100))).toBe(106);
        expect(await store.nextSequence('new', 3)).toBe(3);
        for (const bad of [0, -1, 1.5, Number.NaN]) {
          await expect(store.nextSequence('blk', bad)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining(`got ${bad}`) });
        }
        expect(await store.nextSequence('blk')).toBe(107);
      });

      it('parallel blocks never overlap', async () => {
        const store = await fresh();
        const ends = await Promise.all(Array.from({ length: 50 }, (_, i) => store.transaction((tx) => tx.nextSequence('par', (i % 5) + 1))));
        const taken = ends.flatMap((end, i) => Array.from({ length: (i % 5) + 1 }, (_, k) => end - k));
        expect(taken.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      });

      it('1,000 parallel transactions get 1,000 distinct consecutive values', async () => {
        const store = await fresh();
        const values = await Promise.all(Array.from({ length: 1000 }, () => store.transaction((tx) => tx.nextSequence('k'))));
        expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      });

      it('a value taken in a rolled-back transaction is given out again', async ({ skip }) => {
        const store = await fresh();
        skipWithout(store, 'transactions', skip);
        expect(await store.nextSequence('r')).toBe(1);
        await expect(
          store.transaction(async (tx) => {
            expect(await tx.nextSequence('r')).toBe(2);
            throw new Error('undo');
          }),
        ).rejects.toThrow('undo');
        expect(await store.nextSequence('r')).toBe(2);
      });
    });

    describe('aggregate', () => {
      const ev = (n: number, kind: string, iso: string, amount: number, weight: number | null) => ({
        id: `ev-${pad(n)}`,
        version: 1,
        itemId: 'x',
        kind,
        at: new Date(iso),
        amount,
        weight,
      });
      const sample = () => [
        ev(1, 'call', '2026-01-31T23:59:59.999Z', 10, 1),
        ev(2, 'call', '2026-02-01T00:00:00.000Z', 20, null),
        ev(3, 'mail', '2026-02-14T10:00:00.000Z', 5, 3),
        ev(4, 'call', '2026-02-28T10:00:00.000Z', 30, 5),
        ev(5, 'mail', '2025-12-01T10:00:00.000Z', 1, null),
      ];
      const byGroup = (rows: Array<{ group: Record<string, unknown> }>) =>
        [...rows].sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));

      it('count, sum, min, max and avg grouped by a field', async () => {
        const store = await fresh();
        await store.createMany(events.name, sample());
        const rows = await store.aggregate(events.name, {
          groupBy: ['kind'],
          measures: {
            n: { fn: 'count' },
            total: { fn: 'sum', field: 'amount' },
            low: { fn: 'min', field: 'amount' },
            high: { fn: 'max', field: 'amount' },
            mean: { fn: 'avg', field: 'amount' },
            w: { fn: 'sum', field: 'weight' },
          },
        });
        expect(byGroup(rows)).toEqual([
          { group: { kind: 'call' }, values: { n: 3, total: 60, low: 10, high: 30, mean: 20, w: 6 } },
          { group: { kind: 'mail' }, values: { n: 2, total: 6, low: 1, high: 5, mean: 3, w: 3 } },
        ]);
      });

      it('groups dates by UTC month, year and day, with a filter', async () => {
        const store = await fresh();
        await store.createMany(events.name, sample());
        const months = await store.aggregate(events.name, {
          where: where.eq('kind', 'call'),
          groupBy: [{ field: 'at', granularity: 'month' }],
          measures: { n: { fn: 'count' }, total: { fn: 'sum', field: 'amount' } },
        });
        expect(byGroup(months)).toEqual([
          { group: { at: '2026-01' }, values: { n: 1, total: 10 } },
          { group: { at: '2026-02' }, values: { n: 2, total: 50 } },
        ]);
        const years = await store.aggregate(events.name, { groupBy: [{ field: 'at', granularity: 'year' }, 'kind'], measures: { n: { fn: 'count' } } });
        expect(byGroup(years)).toEqual([
          { group: { at: '2025', kind: 'mail' }, values: { n: 1 } },
          { group: { at: '2026', kind: 'call' }, values: { n: 3 } },
          { group: { at: '2026', kind: 'mail' }, values: { n: 1 } },
        ]);
        const days = await store.aggregate(events.name, {
          where: where.lt('amount', 11),
          groupBy: [{ field: 'at', granularity: 'day' }],
          measures: { n: { fn: 'count' } },
        });
        expect(byGroup(days)).toEqual([
          { group: { at: '2025-12-01' }, values: { n: 1 } },
          { group: { at: '2026-01-31' }, values: { n: 1 } },
          { group: { at: '2026-02-14' }, values: { n: 1 } },
        ]);
      });

      it('of no rows: one row with count 0, sum 0 and null min/max/avg; no groups when grouped', async () => {
        const store = await fresh();
        const measures = {
          n: { fn: 'count' as const },
          s: { fn: 'sum' as const, field: 'amount' },
          lo: { fn: 'min' as const, field: 'amount' },
          hi: { fn: 'max' as const, field: 'amount' },
          avg: { fn: 'avg' as const, field: 'amount' },
        };
        expect(await store.aggregate(events.name, { measures })).toEqual([{ group: {}, values: { n: 0, s: 0, lo: null, hi: null, avg: null } }]);
        expect(await store.aggregate(events.name, { groupBy: ['kind'], measures })).toEqual([]);
      });
    });

    describeHostileQueries({ fresh, seeded, codes });

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
