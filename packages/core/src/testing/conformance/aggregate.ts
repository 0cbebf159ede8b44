import { describe, expect, it } from 'vitest';
import { events, pad } from '../fixtures.js';
import { where } from '../../store/filter.js';
import type { Suite } from './suite.js';

/** Grouped counts and sums. */
export function describeAggregate({ fresh }: Suite): void {
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
}
