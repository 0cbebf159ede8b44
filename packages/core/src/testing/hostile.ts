import { describe, expect, it } from 'vitest';
import { where, type Filter } from '../store/filter.js';
import type { AggregateQuery, FindQuery, Store } from '../store/store.js';
import { events, expectCode, item, items, pad, type Rec } from './fixtures.js';

/** What the hostile-query tests borrow from the suite: fresh and seeded stores, a checked find. */
export interface SuiteHelpers {
  fresh(): Promise<Store>;
  seeded(rows: Rec[]): Promise<Store>;
  codes(store: Store, filter: Filter, query?: Omit<FindQuery, 'where'>): Promise<string[]>;
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * Queries a caller may forge (an API passes them through): each store answers VALIDATION or the
 * one result the filter semantics define (store/filter.ts), never a database error or a leak.
 */
export function describeHostileQueries({ fresh, seeded, codes }: SuiteHelpers): void {
  describe('hostile and ill-typed queries', () => {
    it('aggregate allows only count, sum, min, max and avg, and nothing else reaches the database', async () => {
      const store = await fresh();
      await store.createMany(events.name, [
        { id: 'ev-1', version: 1, itemId: 'x', kind: 'call', at: new Date('2026-01-02T00:00:00Z'), amount: 5, weight: null },
      ]);
      const hostile = ['pg_sleep', 'sum(amount)) FROM conf_events; --', 'SUM', 'count(*) AS m0, (SELECT 1)', 'group_concat', 'constructor', '__proto__', ''];
      for (const fn of hostile) {
        await expectCode(store.aggregate(events.name, { measures: { m: { fn, field: 'amount' } } } as unknown as AggregateQuery), 'VALIDATION');
      }
      // A measure of a field that is not a number column, or unknown.
      await expectCode(store.aggregate(events.name, { measures: { m: { fn: 'sum', field: 'kind' } } }), 'VALIDATION');
      await expectCode(store.aggregate(events.name, { measures: { m: { fn: 'max', field: 'nope' } } }), 'VALIDATION');
      expect(await store.aggregate(events.name, { measures: { m: { fn: 'sum', field: 'amount' } } })).toEqual([{ group: {}, values: { m: 5 } }]);
    });

    it('an unknown granularity, or one on a field that is not a date, is VALIDATION', async () => {
      const store = await fresh();
      for (const granularity of ['week', 'hour', "day') --", '', 'constructor']) {
        await expectCode(
          store.aggregate(events.name, { groupBy: [{ field: 'at', granularity }], measures: { n: { fn: 'count' } } } as unknown as AggregateQuery),
          'VALIDATION',
        );
      }
      await expectCode(store.aggregate(events.name, { groupBy: [{ field: 'amount', granularity: 'day' }], measures: { n: { fn: 'count' } } }), 'VALIDATION');
    });

    it('aggregate grouped by a JSON path with a filter binds every value in its place', async () => {
      const store = await seeded([
        item(1, { customFields: { region: 'north', score: 10 } }),
        item(2, { customFields: { region: 'south', score: 10 } }),
        item(3, { customFields: { region: 'north', score: 2 } }),
        item(4, { customFields: { region: 'north' } }),
        item(5, { customFields: {} }),
        item(6, { qty: null, customFields: { region: null } }),
      ]);
      const sorted = (rows: Array<{ group: Record<string, unknown> }>) =>
        [...rows].sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)));
      const byRegion = await store.aggregate(items.name, {
        where: where.and(where.gte('qty', 2), where.ne('customFields.region', 'east')),
        groupBy: ['customFields.region'],
        measures: { n: { fn: 'count' }, q: { fn: 'sum', field: 'qty' } },
      });
      expect(sorted(byRegion)).toEqual(
        [
          { group: { 'customFields.region': 'north' }, values: { n: 2, q: 7 } },
          { group: { 'customFields.region': 'south' }, values: { n: 1, q: 2 } },
          { group: { 'customFields.region': null }, values: { n: 1, q: 5 } },
        ].sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group))),
      );
      // Two JSON groups and a JSON filter: numbers stay numbers, a JSON null groups with a missing key.
      const byBoth = await store.aggregate(items.name, {
        where: where.eq('customFields.region', 'north'),
        groupBy: ['customFields.region', 'customFields.score'],
        measures: { n: { fn: 'count' } },
      });
      expect(sorted(byBoth)).toEqual(
        [
          { group: { 'customFields.region': 'north', 'customFields.score': 10 }, values: { n: 1 } },
          { group: { 'customFields.region': 'north', 'customFields.score': 2 }, values: { n: 1 } },
          { group: { 'customFields.region': 'north', 'customFields.score': null }, values: { n: 1 } },
        ].sort((a, b) => JSON.stringify(a.group).localeCompare(JSON.stringify(b.group))),
      );
    });

    it('Object.prototype names are unknown fields everywhere, and absent keys inside JSON', async () => {
      const store = await seeded([item(1), item(2, { customFields: { region: 'north' } })]);
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
        await expectCode(store.find(items.name, { where: where.eq(name, 'x') }), 'VALIDATION');
        await expectCode(store.find(items.name, { where: where.not(where.isNull(name)) }), 'VALIDATION');
        await expectCode(store.count(items.name, where.ne(name, 'x')), 'VALIDATION');
        await expectCode(store.find(items.name, { sort: [{ field: name }] }), 'VALIDATION');
        await expectCode(store.aggregate(items.name, { groupBy: [name], measures: { n: { fn: 'count' } } }), 'VALIDATION');
        await expectCode(store.aggregate(items.name, { measures: { s: { fn: 'sum', field: name } } }), 'VALIDATION');
        expect(await codes(store, where.not(where.isNull(`customFields.${name}`))), `customFields.${name}`).toEqual([]);
        expect(await codes(store, where.isNull(`customFields.${name}`))).toEqual(['C0001', 'C0002']);
      }
      // Array indexes and odd keys are not JSON paths.
      for (const path of ['tags.0', 'customFields.a b', 'customFields.a"b', 'customFields.', 'customFields.$']) {
        await expectCode(store.find(items.name, { where: where.eq(path, 'x') }), 'VALIDATION');
      }
    });

    it('a column is compared only with values of its type', async () => {
      const store = await seeded([item(1), item(10)]);
      const bad: Filter[] = [
        where.eq('qty', '10'),
        where.lt('qty', '9'),
        where.in('qty', [1, '10']),
        where.eq('qty', 1.5),
        where.eq('name', 10),
        where.gt('price', '1'),
        where.eq('active', 1),
        where.lt('at', '2026-02-01T00:00:00Z'),
        where.eq('customFields', 'x'),
        where.contains('qty', '1'),
        where.eq('qty', Number.NaN),
        where.eq('at', new Date('nonsense')),
        where.eq('name', { toString: () => 'x' } as unknown as string),
      ];
      for (const f of bad) await expectCode(store.find(items.name, { where: f }), 'VALIDATION');
      expect(await codes(store, where.lt('qty', 9))).toEqual(['C0001']);
    });

    it('inside JSON a value matches only values of its own type', async () => {
      const store = await seeded([
        item(1, { customFields: { v: 10 } }),
        item(2, { customFields: { v: '10' } }),
        item(3, { customFields: { v: true } }),
        item(4, { customFields: { v: 1 } }),
        item(5, { customFields: { v: 'true' } }),
        item(6, { customFields: { v: null, when: '2026-01-01T00:00:00.000Z' } }),
      ]);
      expect(await codes(store, where.eq('customFields.v', 10))).toEqual(['C0001']);
      expect(await codes(store, where.eq('customFields.v', '10'))).toEqual(['C0002']);
      expect(await codes(store, where.eq('customFields.v', true))).toEqual(['C0003']);
      expect(await codes(store, where.eq('customFields.v', 1))).toEqual(['C0004']);
      expect(await codes(store, where.gt('customFields.v', 5))).toEqual(['C0001']);
      expect(await codes(store, where.lt('customFields.v', '2'))).toEqual(['C0002']);
      expect(await codes(store, where.gte('customFields.v', false))).toEqual(['C0003']);
      expect(await codes(store, where.in('customFields.v', [10, 'true']))).toEqual(['C0001', 'C0005']);
      expect(await codes(store, where.contains('customFields.v', '1'))).toEqual(['C0002']);
      expect(await codes(store, where.ne('customFields.v', 10))).toEqual(['C0002', 'C0003', 'C0004', 'C0005', 'C0006']);
      expect(await codes(store, where.not(where.in('customFields.v', ['10', 1])))).toEqual(['C0001', 'C0003', 'C0005', 'C0006']);
      expect(await codes(store, where.not(where.contains('customFields.v', '1')))).toEqual(['C0001', 'C0003', 'C0004', 'C0005', 'C0006']);
      expect(await codes(store, where.eq('customFields.when', new Date('2026-01-01T00:00:00.000Z')))).toEqual(['C0006']);
    });

    it('a forged cursor is VALIDATION, whatever it holds', async () => {
      const store = await seeded([1, 2, 3].map((n) => item(n)));
      const byAt = { sort: [{ field: 'at' }], limit: 1 };
      const forged = [
        cursorOf([{ x: 1 }, 'it-0001']),
        cursorOf([{ d: 'abc' }, 'it-0001']),
        cursorOf([{ d: 1e300 }, 'it-0001']),
        cursorOf(['not a date', 'it-0001']),
        cursorOf([1, 2]),
        cursorOf([[1], 'it-0001']),
        cursorOf({ a: 1 }),
        cursorOf([null]),
        cursorOf('x'),
        'not-a-cursor',
        '%%%',
      ];
      for (const cursor of forged) await expectCode(store.find(items.name, { ...byAt, cursor }), 'VALIDATION');
      // A cursor of another sort order (qty, a number where name holds strings).
      const first = await store.find<Rec>(items.name, { sort: [{ field: 'qty' }], limit: 1 });
      await expectCode(store.find(items.name, { sort: [{ field: 'name' }], limit: 1, cursor: first.nextCursor! }), 'VALIDATION');
      // A real one still works.
      const page = await store.find<Rec>(items.name, byAt);
      expect((await store.find<Rec>(items.name, { ...byAt, cursor: page.nextCursor! })).items.map((r) => r.id)).toEqual([`it-${pad(2)}`]);
    });
  });
}
