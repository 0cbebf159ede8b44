import { describe, expect, it } from 'vitest';
import { where, type Filter } from '../../store/filter.js';
import { shares } from '../../domain/access-schema.js';
import { partners } from '../../domain/schema.js';
import { Schema } from '../../store/schema.js';
import { expectCode, item, items, type Rec } from '../fixtures.js';
import type { Suite } from './suite.js';

const at = new Date(Date.UTC(2026, 0, 1));
const partner = (n: number, ownerId: string | null) => ({
  id: `p-${n}`,
  version: 1,
  code: `P${n}`,
  name: `Partner ${n}`,
  kind: 'customer',
  emails: [],
  emailDomains: [],
  phones: [],
  ownerId,
  salesBlocked: false,
  customFields: {},
  createdAt: at,
  updatedAt: at,
});

/**
 * `readable`: rows whose field names a parent row the parent's filter admits, looked up in the
 * same query, as an operator's rule on campaign members reads their partners' rule.
 */
export function describeReadable({ fresh, codes }: Suite): void {
  describe('readable (a parent row admitted by its filter, looked up in the query)', () => {
    // Items 1–2 name partner 1 (owner a), 3 partner 2 (owner b), 4 partner 3 (shared with a), 5 a missing partner, 6 none.
    const parentOf: Record<number, string | null> = { 1: 'p-1', 2: 'p-1', 3: 'p-2', 4: 'p-3', 5: 'p-9', 6: null };

    async function store() {
      const s = await fresh(new Schema([items, partners, shares]));
      await s.createMany(
        items.name,
        [1, 2, 3, 4, 5, 6].map((i) => item(i, { name: parentOf[i] })),
      );
      await s.createMany('partners', [partner(1, 'a'), partner(2, 'b'), partner(3, 'b')]);
      await s.create('shares', {
        id: 'g-1',
        version: 1,
        kind: 'partners',
        recordId: 'p-3',
        principal: 'o:a',
        level: 'read',
        source: 'share',
        createdBy: null,
        createdAt: at,
      });
      return s;
    }

    const ownedByA = where.eq('ownerId', 'a');

    it('holds when the field names a parent row the filter admits, and its negation when it does not or is null', async () => {
      const s = await store();
      expect(await codes(s, where.readable('name', 'partners', ownedByA))).toEqual(['C0001', 'C0002']);
      expect(await codes(s, where.not(where.readable('name', 'partners', ownedByA)))).toEqual(['C0003', 'C0004', 'C0005', 'C0006']);
      // An access rule's shape: null or readable, with a grant lookup inside the parent's filter.
      const rule = where.or(ownedByA, where.granted('id', 'partners', ['o:a'], 'read'));
      expect(await codes(s, where.or(where.isNull('name'), where.readable('name', 'partners', rule)))).toEqual(['C0001', 'C0002', 'C0004', 'C0006']);
      expect(await codes(s, where.and(where.gt('qty', 1), where.readable('name', 'partners', rule)))).toEqual(['C0002', 'C0004']);
      // Any existing parent, and a filter that admits none.
      expect(await codes(s, where.readable('name', 'partners', where.and()))).toEqual(['C0001', 'C0002', 'C0003', 'C0004']);
      expect(await codes(s, where.readable('name', 'partners', where.in('id', [])))).toEqual([]);
      expect(await codes(s, where.not(where.readable('name', 'partners', where.in('id', []))))).toHaveLength(6);
    });

    it('reads the parent rows as they are now', async () => {
      const s = await store();
      const p2 = await s.get<Rec>('partners', 'p-2');
      await s.update('partners', 'p-2', { ownerId: 'a' }, p2!.version);
      expect(await codes(s, where.readable('name', 'partners', ownedByA))).toEqual(['C0001', 'C0002', 'C0003']);
    });

    it('refuses collections outside its closed list, non-text fields and filters invalid on the parent', async () => {
      const s = await store();
      const bad = (f: Partial<Extract<Filter, { op: 'readable' }>>) =>
        ({ op: 'readable', field: 'name', collection: 'partners', filter: ownedByA, ...f }) as unknown as Filter;
      await expectCode(s.find(items.name, { where: bad({ collection: 'shares' as never }) }), 'VALIDATION');
      await expectCode(s.find(items.name, { where: bad({ collection: 'opportunities' }) }), 'VALIDATION'); // not in this schema
      await expectCode(s.find(items.name, { where: bad({ field: 'qty' }) }), 'VALIDATION');
      await expectCode(s.count(items.name, bad({ filter: where.eq('nope', 1) })), 'VALIDATION');
      await expectCode(s.count(items.name, bad({ filter: where.eq('ownerId', 1) })), 'VALIDATION');
      await expectCode(s.find('partners', { where: bad({ field: 'id' }) }), 'VALIDATION'); // a collection is not its own parent
    });
  });
}
