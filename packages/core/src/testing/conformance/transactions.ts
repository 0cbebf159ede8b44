import { describe, expect, it } from 'vitest';
import { events, item, items, type Rec } from '../fixtures.js';
import { where } from '../../store/filter.js';
import type { Suite } from './suite.js';

/** Transactions (skipped, saying why, when a store declares none) and sequences. */
export function describeTransactions({ options, fresh, seeded, skipWithout }: Suite): void {
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
}
