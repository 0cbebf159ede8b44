import { describe, expect, it } from 'vitest';
import { expectCode, item, items, type Rec } from '../fixtures.js';
import { where } from '../../store/filter.js';
import type { FindQuery, Store } from '../../store/store.js';
import type { Suite } from './suite.js';

/** Sort orders and keyset cursors. */
export function describePaging({ seeded, codes }: Suite): void {
  describe('sort and cursor pagination', () => {
    const mixed = (): Rec[] => [item(1, { qty: 2 }), item(2, { qty: null }), item(3, { qty: 1 }), item(4, { qty: 2 }), item(5, { qty: null })];

    it('sorts ascending with nulls last and id as tie-breaker', async () => {
      const store = await seeded(mixed());
      expect(await codes(store, where.and(), { sort: [{ field: 'qty' }] })).toEqual(['C0003', 'C0001', 'C0004', 'C0002', 'C0005']);
    });

    it('sorts descending with nulls first (the reverse of ascending)', async () => {
      const store = await seeded(mixed());
      expect(await codes(store, where.and(), { sort: [{ field: 'qty', direction: 'desc' }] })).toEqual(['C0005', 'C0002', 'C0004', 'C0001', 'C0003']);
    });

    it('keeps nulls last when the filter bounds the sorted field', async () => {
      const store = await seeded(mixed());
      const lte2 = where.or(where.lte('qty', 2), where.isNull('qty'));
      expect(await codes(store, lte2, { sort: [{ field: 'qty' }] })).toEqual(['C0003', 'C0001', 'C0004', 'C0002', 'C0005']);
      expect(await codes(store, where.gte('qty', 1), { sort: [{ field: 'qty', direction: 'desc' }] })).toEqual(['C0004', 'C0001', 'C0003']);
    });

    it('sorts by a value inside JSON with nulls last, and pages through it', async () => {
      const store = await seeded([1, 2, 3, 4, 5].map((n) => item(n, { customFields: n % 2 ? { rank: 10 - n } : {} })));
      const sort = [{ field: 'customFields.rank' }];
      expect(await codes(store, where.ne('code', 'none'), { sort })).toEqual(['C0005', 'C0003', 'C0001', 'C0002', 'C0004']);
      const first = await store.find<Rec>(items.name, { where: where.ne('code', 'none'), sort, limit: 3 });
      const rest = await store.find<Rec>(items.name, { where: where.ne('code', 'none'), sort, limit: 3, cursor: first.nextCursor! });
      expect(rest.items.map((r) => r.code)).toEqual(['C0002', 'C0004']);
    });

    it('refuses a cursor of the earlier nulls-first format with VALIDATION', async () => {
      const store = await seeded(mixed());
      const old = Buffer.from(JSON.stringify([null, 'it-0002']), 'utf8').toString('base64url');
      const err = await expectCode(store.find(items.name, { sort: [{ field: 'qty' }], cursor: old }), 'VALIDATION');
      expect(err.message).toMatch(/first page/);
    });

    it('sorts by several fields and by strings in code-point order', async () => {
      const store = await seeded([
        item(1, { name: 'b', qty: 1 }),
        item(2, { name: 'B', qty: 1 }),
        item(3, { name: 'a', qty: 2 }),
        item(4, { name: 'ä', qty: 1 }),
      ]);
      expect(await codes(store, where.and(), { sort: [{ field: 'qty' }, { field: 'name', direction: 'desc' }] })).toEqual(['C0004', 'C0001', 'C0002', 'C0003']);
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
        // One row sorting before the position reached (not seen), two after it (seen once each).
        await store.create(items.name, item(900, { qty: 0 }));
        await store.create(items.name, item(901, { qty: 6 }));
        await store.create(items.name, item(902, { qty: null }));
      });
      expect(new Set(paged).size).toBe(paged.length);
      expect(paged).toContain('it-0901');
      expect(paged.at(-1)).toBe('it-0902');
      expect(paged).not.toContain('it-0900');
      expect(paged).toHaveLength(252);
    });

    it('select reads only the listed fields plus id and the sort fields, filters on the others, and pages', async () => {
      const store = await seeded(many());
      const sort = [{ field: 'at', direction: 'desc' as const }];
      const query: FindQuery = { sort, select: ['code', 'customFields'], where: where.and(where.ne('qty', 3), where.eq('active', true)) };
      const full = (await store.find<Rec>(items.name, { ...query, select: undefined, limit: 1000 })).items;
      const first = await store.find<Rec>(items.name, { ...query, limit: 10 });
      expect(first.items.map((r) => Object.keys(r).sort())).toEqual(Array(10).fill(['at', 'code', 'customFields', 'id']));
      expect(first.items).toEqual(full.slice(0, 10).map((r) => ({ id: r.id, code: r.code, at: r.at, customFields: r.customFields })));
      expect(await pageThrough(store, { ...query, limit: 10 })).toEqual(full.map((r) => r.id));
      await expectCode(store.find(items.name, { select: ['nope'] }), 'VALIDATION');
      await expectCode(store.find(items.name, { select: ['customFields.a'] }), 'VALIDATION');
      await expectCode(store.find(items.name, { select: [] }), 'VALIDATION');
    });

    it('a malformed cursor is a VALIDATION error', async () => {
      const store = await seeded(mixed());
      await expectCode(store.find(items.name, { cursor: 'not-a-cursor' }), 'VALIDATION');
    });
  });
}
