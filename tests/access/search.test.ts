/**
 * Full-text search as an operator (decisions 0150, 0151): `crm.search`, the `search` filter in the
 * operator's store and in views go through the same scoped reads, so a private task (and its notes)
 * is never found, ranked or counted for someone else.
 */
import { describe, expect, it } from 'vitest';
import { SEARCH_COUNT_CAP, where } from '@rapport/core';
import { rejects, team } from './setup.js';

/** Anna and Bartek, salespeople of one group: he sees her open tasks, not her private one. */
async function office() {
  const t = await team();
  const { root, anna, bartek } = t;
  for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
  const sales = await root.groups.create({ name: 'Sprzedaż' });
  for (const op of [anna, bartek]) await root.groups.addMember(sales.id, op.id);
  const asAnna = root.as(anna.id);
  const asBartek = root.as(bartek.id);
  const exact = await asAnna.tasks.create({ subject: 'Enova', description: 'Telefon w sprawie licencji' });
  t.clock.advance(60_000);
  const open = await asAnna.tasks.create({ subject: 'Wdrożenie systemu', description: 'Klient pyta o enova365 i ședință' });
  t.clock.advance(60_000);
  const secret = await asAnna.tasks.create({ subject: 'Poufne: wdrożenie enova, negocjacje', private: true });
  await asAnna.tasks.addNote(open.id, 'Notatka: enova działa');
  await asAnna.tasks.addNote(secret.id, 'Notatka poufna: enova rabat 30%');
  const partner = await root.partners.create({ code: 'ZOLC', name: 'Żółć Sp. z o.o.' });
  const person = await root.persons.create({ partnerId: partner.id, firstName: 'Ștefan', lastName: 'Popescu', emails: ['stefan.popescu@firma.ro'] });
  return { ...t, asAnna, asBartek, exact, open, secret, partner, person };
}

describe('access: full-text search', () => {
  it('crm.search never finds, ranks or counts a private task or its notes for another operator', async () => {
    const o = await office();
    const bartek = await o.asBartek.search('enova');
    expect(bartek.items.map((h) => [h.kind, h.id])).toEqual([
      ['tasks', o.exact.id],
      ['notes', expect.any(String)],
      ['tasks', o.open.id],
    ]);
    expect(bartek.counts).toEqual({
      tasks: { count: 2, exact: true },
      notes: { count: 1, exact: true },
      partners: { count: 0, exact: true },
      persons: { count: 0, exact: true },
      emails: { count: 0, exact: true },
    });
    expect(JSON.stringify(bartek)).not.toContain('oufn');

    const anna = await o.asAnna.search('enova', { kinds: ['tasks', 'notes'] });
    expect(anna.counts).toEqual({ tasks: { count: 3, exact: true }, notes: { count: 2, exact: true } });
    expect(anna.items.map((h) => h.id)).toContain(o.secret.id);
    expect(await o.asBartek.search('poufne')).toMatchObject({ items: [], counts: { tasks: { count: 0, exact: true }, notes: { count: 0, exact: true } } });
  });

  it('counts stop at 1,000 and say so; a private match beyond what Bartek sees is not counted for him', async () => {
    const o = await office();
    const model = (await o.store.get<Record<string, unknown> & { id: string; version: number }>('tasks', o.open.id))!;
    const many = Array.from({ length: SEARCH_COUNT_CAP - 1 }, (_, i) => ({ ...model, id: `${model.id}-m${i}`, number: `M${i}`, subject: `Masowe ${i}` }));
    await o.store.createMany('tasks', many);
    await o.asAnna.tasks.create({ subject: 'Masowe poufne', private: true });
    // Bartek sees the 999; Anna also her private one: 1,000, still exact.
    expect((await o.asBartek.search('masowe', { kinds: ['tasks'] })).counts).toEqual({ tasks: { count: SEARCH_COUNT_CAP - 1, exact: true } });
    expect((await o.asAnna.search('masowe', { kinds: ['tasks'] })).counts).toEqual({ tasks: { count: SEARCH_COUNT_CAP, exact: true } });
    await o.asAnna.tasks.create({ subject: 'Masowe jeszcze jedno' });
    expect((await o.asBartek.search('masowe', { kinds: ['tasks'] })).counts).toEqual({ tasks: { count: SEARCH_COUNT_CAP, exact: true } });
    const anna = await o.asAnna.search('masowe', { kinds: ['tasks'] });
    expect(anna.counts).toEqual({ tasks: { count: SEARCH_COUNT_CAP, exact: false } });
    expect(anna.ranked).toBe(200);
    await rejects(o.asAnna.search('m'), 'VALIDATION');
  });

  it('the search filter in the operator store and in views holds the same rule, counts included', async () => {
    const o = await office();
    expect(await o.asBartek.store.count('tasks', where.search('wdrozenie'))).toBe(1);
    expect(await o.asAnna.store.count('tasks', where.search('wdrozenie'))).toBe(2);
    expect((await o.asBartek.store.find('task_entries', { where: where.search('notatka') })).items).toHaveLength(1);
    const groups = await o.asBartek.store.aggregate('tasks', { where: where.search('enova'), groupBy: ['private'], measures: { n: { fn: 'count' } } });
    expect(groups).toEqual([{ group: { private: false }, values: { n: 2 } }]);
    const view = await o.asBartek.views.run({ kind: 'tasks', filter: { op: 'search', value: 'wdroz' }, columns: [{ field: 'subject' }] });
    expect(view.rows.map((r) => r.id)).toEqual([o.open.id]);
    const viewAnna = await o.asAnna.views.run({
      kind: 'tasks',
      filter: { op: 'search', value: 'wdroz' },
      columns: [{ field: 'subject' }],
      sort: [{ field: 'createdAt', direction: 'asc' }],
      formats: [{ when: { op: 'search', value: 'poufne' }, style: { bold: true } }],
    });
    expect(viewAnna.rows.map((r) => [r.id, r.style])).toEqual([
      [o.open.id, null],
      [o.secret.id, { bold: true }],
    ]);
  });

  it('folds diacritics and finds partners and persons by name and e-mail, ranked by how the words match', async () => {
    const o = await office();
    expect((await o.crm.search('zolc')).items.map((h) => [h.kind, h.id])).toEqual([['partners', o.partner.id]]);
    expect((await o.crm.search('ŞTEFAN')).items.map((h) => [h.kind, h.title])).toEqual([['persons', 'Ștefan Popescu']]);
    expect((await o.crm.search('popescu@firma')).items.map((h) => h.id)).toEqual([o.person.id]);
    expect((await o.crm.search('sedinta')).items.map((h) => h.id)).toEqual([o.open.id]);
    // A whole word of the subject ranks above a prefix in the description, newer first among equals.
    const ranked = await o.asAnna.search('enova', { kinds: ['tasks'] });
    expect(ranked.items.map((h) => [h.id, h.score])).toEqual([
      [o.secret.id, 4],
      [o.exact.id, 4],
      [o.open.id, 1],
    ]);
    expect((await o.asAnna.search('enov', { kinds: ['tasks'] })).items.map((h) => h.score)).toEqual([3, 3, 1]);
  });

  it('pages with a cursor without gaps or repeats, and refuses hostile options', async () => {
    const o = await office();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await o.asAnna.search('enova', { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((h) => h.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);

    for (const q of ['"NEAR(', '*', '-', "o'brien OR 1=1", '\\', 'enova & !x | y:*', '💥']) {
      const r = await o.asBartek.search(q);
      expect(r.items.map((h) => h.id)).not.toContain(o.secret.id);
    }
    expect((await o.asBartek.search('***')).items).toEqual([]);
    await rejects(o.asBartek.search('x'.repeat(1001)), 'VALIDATION');
    await rejects(o.asBartek.search('enova', { limit: 0 }), 'VALIDATION');
    await rejects(o.asBartek.search('enova', { limit: 51 }), 'VALIDATION');
    await rejects(o.asBartek.search('enova', { kinds: ['tasks', 'audit'] as never }), 'VALIDATION');
    await rejects(o.asBartek.search('enova', { cursor: 'eyJvIjotMX0' }), 'VALIDATION');
    const first = await o.asAnna.search('enova', { limit: 1 });
    await rejects(o.asAnna.search('enov', { limit: 1, cursor: first.nextCursor! }), 'VALIDATION');
  });

  it('shows and ranks an e-mail by when it was sent, not by when it was imported', async () => {
    const o = await office();
    const mail = (n: number, sent: string) => ({
      messageId: `<wycena-${n}@zolc.pl>`,
      from: { name: 'Ștefan Popescu', address: 'stefan.popescu@firma.ro' },
      to: [{ name: 'Anna', address: o.anna.email }],
      date: new Date(sent),
      subject: `Wycena ${n}`,
      text: 'W załączeniu wycena.',
    });
    // The older message is imported last (a mailbox read newest first).
    await o.crm.emails.ingest(mail(2, '2026-03-02T10:00:00Z'), { source: { account: 'imap:x', mailbox: 'INBOX', uidValidity: 1, uid: 2 } });
    o.clock.advance(60_000);
    await o.crm.emails.ingest(mail(1, '2026-03-01T10:00:00Z'), { source: { account: 'imap:x', mailbox: 'INBOX', uidValidity: 1, uid: 1 } });
    const hits = (await o.crm.search('wycena', { kinds: ['emails'] })).items;
    expect(hits.map((h) => [h.title, h.at.toISOString()])).toEqual([
      ['Wycena 2', '2026-03-02T10:00:00.000Z'],
      ['Wycena 1', '2026-03-01T10:00:00.000Z'],
    ]);
  });
});
