import { describe, expect, it } from 'vitest';
import { where, type Filter } from '../../store/filter.js';
import { shares } from '../../domain/access-schema.js';
import { Schema } from '../../store/schema.js';
import { expectCode, item, items, type Rec } from '../fixtures.js';
import type { Suite } from './suite.js';

// Core's own grant rows (`shares`): a store keeps core's collections as the migrations made them.
const grants = shares;

let n = 0;
const grant = (kind: string, recordId: string, principal: string, level: 'read' | 'edit') => ({
  id: `g-${++n}`,
  version: 1,
  kind,
  recordId,
  principal,
  level,
  source: 'share',
  createdBy: null,
  createdAt: new Date(Date.UTC(2026, 0, 1)),
});

/** `granted`: a lookup of grant rows in the same query, as access rules use it for "shared with me". */
export function describeGrants({ fresh, codes }: Suite): void {
  describe('granted (grant rows looked up in the query)', () => {
    const names: Record<number, string | null> = { 2: 'beta', 3: null, 6: 'Epsilon' };
    const rows = (): Rec[] => [1, 2, 3, 4, 5, 6].map((i) => item(i, i in names ? { name: names[i] } : {}));

    async function store() {
      const s = await fresh(new Schema([items, grants]));
      await s.createMany(items.name, rows());
      await s.createMany('shares', [
        grant('tasks', 'it-0001', 'o:a', 'read'),
        grant('tasks', 'it-0002', 'g:x', 'edit'),
        grant('tasks', 'it-0003', 'o:b', 'edit'),
        grant('partners', 'it-0004', 'o:a', 'edit'),
        grant('tasks', 'beta', 'o:a', 'read'),
      ]);
      return s;
    }

    it('holds for records a grant row of the kind gives to one of the principals, at the level asked or above', async () => {
      const s = await store();
      const mine = ['o:a', 'g:x'];
      expect(await codes(s, where.granted('id', 'tasks', mine, 'read'))).toEqual(['C0001', 'C0002']);
      expect(await codes(s, where.granted('id', 'tasks', mine, 'edit'))).toEqual(['C0002']);
      expect(await codes(s, where.granted('id', 'partners', mine, 'read'))).toEqual(['C0004']);
      expect(await codes(s, where.not(where.granted('id', 'tasks', mine, 'read')))).toEqual(['C0003', 'C0004', 'C0005', 'C0006']);
      // Beneath an OR, as a rule's branches are; with many principals (a member of 50 groups).
      const many = [...Array.from({ length: 40 }, (_, i) => `g:other-${i}`), 'o:a'];
      expect(await codes(s, where.or(where.eq('name', 'Epsilon'), where.granted('id', 'tasks', many, 'read')))).toEqual(['C0001', 'C0006']);
      expect(await codes(s, where.granted('id', 'tasks', [], 'read'))).toEqual([]);
      expect(await codes(s, where.not(where.granted('id', 'tasks', [], 'read')))).toHaveLength(6);
    });

    it('reads the grant rows as they are now, and a null field is granted nothing', async () => {
      const s = await store();
      expect(await codes(s, where.granted('id', 'tasks', ['o:c'], 'read'))).toEqual([]);
      await s.create('shares', grant('tasks', 'it-0005', 'o:c', 'read'));
      expect(await codes(s, where.granted('id', 'tasks', ['o:c'], 'read'))).toEqual(['C0005']);
      expect(await codes(s, where.granted('name', 'tasks', ['o:a'], 'read'))).toEqual(['C0002']);
      expect(await codes(s, where.not(where.granted('name', 'tasks', ['o:a'], 'read')))).toEqual(['C0001', 'C0003', 'C0004', 'C0005', 'C0006']);
      expect(await codes(s, where.granted('id', 'tasks', ["o:a' OR 1=1 --", 'g:x'], 'read'))).toEqual(['C0002']);
    });

    it('refuses kinds, levels and fields outside its closed lists, and a schema without grant rows', async () => {
      const s = await store();
      const bad = (f: Partial<Extract<Filter, { op: 'granted' }>>) =>
        ({ op: 'granted', field: 'id', kind: 'tasks', principals: ['o:a'], level: 'read', ...f }) as unknown as Filter;
      await expectCode(s.find(items.name, { where: bad({ kind: 'operators' as never }) }), 'VALIDATION');
      await expectCode(s.find(items.name, { where: bad({ level: 'admin' as never }) }), 'VALIDATION');
      await expectCode(s.find(items.name, { where: bad({ field: 'qty' }) }), 'VALIDATION');
      await expectCode(s.find(items.name, { where: bad({ field: 'nope' }) }), 'VALIDATION');
      await expectCode(s.count(items.name, bad({ principals: [1 as never] })), 'VALIDATION');
      const plain = await fresh();
      await expectCode(plain.find(items.name, { where: where.granted('id', 'tasks', ['o:a'], 'read') }), 'VALIDATION');
    });
  });
}
