import { describe, expect, it } from 'vitest';
import { expectCode, item, items, pad, type Rec } from '../fixtures.js';
import { where } from '../../store/filter.js';
import { raw } from './suite.js';
import type { Suite } from './suite.js';

/** Filters, literal values that look like SQL or are not ASCII, dates and JSON values. */
export function describeFilters({ options, fresh, seeded, codes }: Suite): void {
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

    it('long in and not in lists (hundreds of ids, as access rules make) answer as short ones do, for every type', async () => {
      const store = await seeded(rows());
      // 300 values that match nothing, then the ones that match.
      const many = <T>(hits: T[], miss: (i: number) => T): T[] => [...Array.from({ length: 300 }, (_, i) => miss(i)), ...hits];
      const qty = many([1, 3], (i) => 1000 + i);
      const names = many(['beta', "it's", 'Epsilon'], (i) => `żółw ${i} '; --`);
      const prices = many([2.5, 4.5], (i) => i + 0.25);
      const dates = many([item(2).at as Date], (i) => new Date(Date.UTC(2020, 0, 1) + i));
      expect(await codes(store, where.in('qty', qty))).toEqual(['C0001', 'C0003']);
      expect(await codes(store, where.not(where.in('qty', qty)))).toEqual(['C0002', 'C0004', 'C0005', 'C0006']);
      // Beneath an OR, as a rule's branches are (a SQL store may compile it differently there).
      expect(await codes(store, where.or(where.eq('name', 'Epsilon'), where.in('qty', qty)))).toEqual(['C0001', 'C0003', 'C0006']);
      expect(await codes(store, where.in('name', names))).toEqual(['C0002', 'C0006']);
      expect(await codes(store, where.not(where.in('name', names)))).toEqual(['C0001', 'C0003', 'C0004', 'C0005']);
      expect(await codes(store, where.in('price', prices))).toEqual(['C0002', 'C0004']);
      expect(await codes(store, where.in('at', dates))).toEqual(['C0002']);
      const yes = many([true], () => true);
      const no = many([false], () => false);
      const codeList = many(['C0001', 'C0005'], (i) => `Z${i}`);
      expect(await codes(store, where.in('active', yes))).toEqual(['C0002', 'C0006']);
      expect(await codes(store, where.not(where.in('active', no)))).toEqual(['C0002', 'C0004', 'C0006']);
      expect(await store.count(items.name, where.in('code', codeList))).toBe(2);
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
}
