import { describe, expect, it } from 'vitest';
import { where } from '../../store/filter.js';
import { MAX_SEARCH_LENGTH } from '../../store/search.js';
import { events, expectCode, item, items, type Rec } from '../fixtures.js';
import type { Suite } from './suite.js';

/** The `search` filter (store/search.ts): the same answers from an index and from a linear scan. */
export function describeSearch({ seeded, fresh, codes }: Suite): void {
  describe('full-text search', () => {
    const rows = (): Rec[] => [
      item(1, { name: 'Żółć i gęślą jaźń', body: 'Spotkanie w ŁODZI' }),
      item(2, { name: 'Ședință de lucru', body: null }),
      item(3, { name: 'Şedinţă cu Ştefan', body: 'forma cu sedilă' }),
      item(4, { name: 'ENOVA wdrożenie', body: 'Oferta dla enova365' }),
      item(5, { name: null, body: 'Notatka: kontakt jan.kowalski@example.com', tags: ['Anna.Nowak@firma.pl', 'VIP'] }),
      item(6, { name: 'Comarch Optima', body: 'e-mail do klienta; NEAR(x) "quoted" * - OR'.repeat(3) }),
    ];

    it('folds Polish and Romanian diacritics (cedilla and comma below) and case', async () => {
      const store = await seeded(rows());
      expect(await codes(store, where.search('zolc'))).toEqual(['C0001']);
      expect(await codes(store, where.search('ŻÓŁĆ'))).toEqual(['C0001']);
      expect(await codes(store, where.search('lodzi'))).toEqual(['C0001']);
      expect(await codes(store, where.search('sedinta'))).toEqual(['C0002', 'C0003']);
      expect(await codes(store, where.search('ședință'))).toEqual(['C0002', 'C0003']);
      expect(await codes(store, where.search('şedinţă'))).toEqual(['C0002', 'C0003']);
      expect(await codes(store, where.search('stefan'))).toEqual(['C0003']);
    });

    it('matches every word as a prefix of a word in any search field, JSON lists included', async () => {
      const store = await seeded(rows());
      expect(await codes(store, where.search('enov'))).toEqual(['C0004']);
      expect(await codes(store, where.search('enova365'))).toEqual(['C0004']);
      expect(await codes(store, where.search('wdroz ofert'))).toEqual(['C0004']);
      expect(await codes(store, where.search('wdroz comarch'))).toEqual([]);
      expect(await codes(store, where.search('kowalski'))).toEqual(['C0005']);
      expect(await codes(store, where.search('jan.kowalski@example'))).toEqual(['C0005']);
      expect(await codes(store, where.search('nowak firma'))).toEqual(['C0005']);
      expect(await codes(store, where.search('vip'))).toEqual(['C0005']);
      expect(await codes(store, where.search('nowa'))).toEqual(['C0005']);
      // A word inside another word is not a prefix.
      expect(await codes(store, where.search('nova'))).toEqual([]);
    });

    it('negates exactly, and combines with other filters, sort and pages', async () => {
      const store = await seeded(rows());
      expect(await codes(store, where.not(where.search('sedinta')))).toEqual(['C0001', 'C0004', 'C0005', 'C0006']);
      expect(await codes(store, where.and(where.search('sedinta'), where.gt('qty', 2)))).toEqual(['C0003']);
      expect(await codes(store, where.or(where.search('enova'), where.eq('qty', 1)))).toEqual(['C0001', 'C0004']);
      const first = await store.find<Rec>(items.name, { where: where.search('sedinta'), sort: [{ field: 'qty', direction: 'desc' }], limit: 1 });
      expect(first.items.map((r) => r.code)).toEqual(['C0003']);
      const second = await store.find<Rec>(items.name, {
        where: where.search('sedinta'),
        sort: [{ field: 'qty', direction: 'desc' }],
        limit: 1,
        cursor: first.nextCursor!,
      });
      expect(second.items.map((r) => r.code)).toEqual(['C0002']);
      const groups = await store.aggregate(items.name, { where: where.search('sedinta'), measures: { n: { fn: 'count' }, q: { fn: 'sum', field: 'qty' } } });
      expect(groups).toEqual([{ group: {}, values: { n: 2, q: 5 } }]);
    });

    it('follows every write: create, update, updateWhere, delete, deleteWhere', async () => {
      const store = await seeded(rows());
      await store.create(items.name, item(7, { name: 'Nowe zadanie Ştefănescu' }));
      expect(await codes(store, where.search('stefanescu'))).toEqual(['C0007']);
      await store.update(items.name, 'it-0004', { name: 'Asseco migracja' }, 1);
      expect(await codes(store, where.search('asseco migr'))).toEqual(['C0004']);
      // The old name's words are gone; the body's stay.
      expect(await codes(store, where.search('wdrozenie'))).toEqual([]);
      expect(await codes(store, where.search('enova365 asseco'))).toEqual(['C0004']);
      await store.update(items.name, 'it-0004', { qty: 40 }, 2);
      expect(await codes(store, where.search('asseco'))).toEqual(['C0004']);
      expect(await store.updateWhere(items.name, where.search('sedinta'), { body: 'przeniesione spotkanie' })).toBe(2);
      expect(await codes(store, where.search('przeniesione'))).toEqual(['C0002', 'C0003']);
      expect(await codes(store, where.search('sedila'))).toEqual([]);
      await store.delete(items.name, 'it-0001');
      expect(await codes(store, where.search('zolc'))).toEqual([]);
      expect(await store.deleteWhere(items.name, where.search('przeniesione'))).toBe(2);
      expect(await codes(store, where.search('sedinta'))).toEqual([]);
      expect(await codes(store, where.not(where.search('zzz')))).toEqual(['C0004', 'C0005', 'C0006', 'C0007']);
    });

    it('takes hostile text as words: quotes, FTS and tsquery syntax never reach the database', async () => {
      const store = await seeded(rows());
      const hostile = [
        '"',
        '"NEAR(',
        'NEAR(x',
        '*',
        '-',
        'enova OR comarch',
        'enova AND NOT comarch',
        "o'brien",
        '\\',
        ':*',
        '!enova',
        'enova & | ! ( )',
        '^enova',
        '{name}: enova',
        'name:enova',
        "'; DROP TABLE conf_items; --",
        '\u0000enova',
        '💥 enova',
      ];
      for (const q of hostile) {
        const n = (await codes(store, where.search(q))).length;
        expect(n, q).toBeLessThanOrEqual(6);
      }
      expect(await codes(store, where.search('"NEAR("'))).toEqual(['C0006']);
      expect(await codes(store, where.search('enova OR comarch'))).toEqual([]);
      expect(await codes(store, where.search('*enova*'))).toEqual(['C0004']);
      expect(await codes(store, where.search('-enova'))).toEqual(['C0004']);
      expect(await codes(store, where.search('e-mail'))).toEqual(['C0006']);
      // Separators only: no word, so nothing matches (and its negation is everything).
      expect(await codes(store, where.search('*"-:()'))).toEqual([]);
      expect(await codes(store, where.not(where.search('  ')))).toHaveLength(6);
      // Long text up to the limit is words; beyond it, VALIDATION (never a database error).
      expect(await codes(store, where.search(`enova ${'x'.repeat(MAX_SEARCH_LENGTH - 6)}`))).toEqual([]);
      expect(await codes(store, where.search(`${'ab'.repeat(300)} enova`))).toEqual([]);
      await expectCode(store.find(items.name, { where: where.search('x'.repeat(MAX_SEARCH_LENGTH + 1)) }), 'VALIDATION');
      await expectCode(store.count(items.name, where.search(Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '))), 'VALIDATION');
      await expectCode(store.find(items.name, { where: { op: 'search', value: 42 } as never }), 'VALIDATION');
      // One-letter words only would read nearly every record: VALIDATION; beside a longer word they are prefixes.
      await expectCode(store.find(items.name, { where: where.search('a') }), 'VALIDATION');
      await expectCode(store.count(items.name, where.search('j k')), 'VALIDATION');
      expect(await codes(store, where.search('jan k'))).toEqual(['C0005']);
    });

    it('counts at most `atMost` matches when asked, exactly otherwise', async () => {
      const store = await seeded(rows());
      expect(await store.count(items.name, where.search('sedinta'))).toBe(2);
      expect(await store.count(items.name, where.search('sedinta'), { atMost: 1 })).toBe(1);
      expect(await store.count(items.name, where.search('sedinta'), { atMost: 5 })).toBe(2);
      expect(await store.count(items.name, undefined, { atMost: 4 })).toBe(4);
      // With other conditions, on the search fields too (a store may read the matches first).
      expect(await store.count(items.name, where.and(where.search('sedinta'), where.gt('qty', 2)), { atMost: 5 })).toBe(1);
      expect(await store.count(items.name, where.and(where.search('sedinta'), where.ne('name', null), where.not(where.isNull('body'))), { atMost: 5 })).toBe(1);
      expect(await store.count(items.name, where.and(where.search('sedinta'), where.not(where.search('stefan'))), { atMost: 5 })).toBe(1);
      await expectCode(store.count(items.name, undefined, { atMost: 0 }), 'VALIDATION');
      await expectCode(store.count(items.name, undefined, { atMost: 1.5 }), 'VALIDATION');
    });

    it('is VALIDATION on a collection without search fields', async () => {
      const store = await fresh();
      await expectCode(store.find(events.name, { where: where.search('call') }), 'VALIDATION');
    });
  });
}
