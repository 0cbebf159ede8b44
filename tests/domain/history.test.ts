import { describe, expect, it } from 'vitest';
import { RapportError, type Store, type TimelineItem } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { all, rejects, setup, snapshot } from './setup.js';

async function pageAll(fetch: (before?: string) => Promise<{ items: TimelineItem[]; nextCursor: string | null }>) {
  const seen: TimelineItem[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await fetch(cursor);
    seen.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return seen;
}

describe('partner history', () => {
  for (const stepMs of [1000, 0]) {
    it(`pages 120 items newest first with no gaps or duplicates (clock step ${stepMs} ms)`, async () => {
      const { crm, store } = await setup({ stepMs });
      const p = await crm.partners.create({ code: 'Z', name: 'Z' });
      const t = await crm.tasks.create({ subject: 'x', partnerId: p.id });
      for (let i = 0; i < 118; i++) await crm.tasks.addNote(t.id, `note ${i}`);
      const expected = (await all<TimelineItem>(store, 'timeline'))
        .filter((x) => x.partnerId === p.id)
        .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
      expect(expected).toHaveLength(120);
      const seen = await pageAll((before) => crm.history.forPartner(p.id, { limit: 7, ...(before ? { before } : {}) }));
      expect(seen.map((x) => x.id)).toEqual(expected.map((x) => x.id));
      expect(seen[0]!.title).toBe('note 117');
      expect(seen.at(-1)!.kind).toBe('partner.created');
    });
  }

  it('keeps the person history apart from other persons of the partner', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    const jan = await crm.persons.create({ partnerId: p.id, firstName: 'Jan', lastName: 'Fiszka' });
    const ewa = await crm.persons.create({ partnerId: p.id, firstName: 'Ewa', lastName: 'Kos' });
    const t = await crm.tasks.create({ subject: 'Call Jan', personId: jan.id });
    await crm.tasks.create({ subject: 'Call Ewa', personId: ewa.id });
    const janItems = await pageAll((before) => crm.history.forPerson(jan.id, { limit: 1, ...(before ? { before } : {}) }));
    expect(janItems.map((i) => [i.kind, i.subjectId])).toEqual([
      ['task.created', t.id],
      ['person.created', jan.id],
    ]);
    expect((await crm.history.forPartner(p.id)).items).toHaveLength(5);
  });

  it('refuses history of an unknown partner or person with NOT_FOUND', async () => {
    const { crm } = await setup();
    await rejects(crm.history.forPartner('missing'), 'NOT_FOUND', 'partner', '"missing"');
    await rejects(crm.history.forPerson('missing'), 'NOT_FOUND', 'person', '"missing"');
  });

  it('finds the history of an e-mail address by the person who has it', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const jan = await crm.persons.create({ partnerId: p.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@gmail.com'] });
    const h = await crm.history.forEmail(' JAN@Gmail.com ');
    expect(h.address).toBe('jan@gmail.com');
    expect(h.person?.id).toBe(jan.id);
    expect(h.partner?.id).toBe(p.id);
    expect(h.items.map((i) => i.kind)).toEqual(['person.created', 'partner.created']);
  });

  it('finds the history of an unknown address at a partner domain', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
    const h = await crm.history.forEmail('nowy@ZEFIR.pl');
    expect(h.person).toBeNull();
    expect(h.partner?.id).toBe(p.id);
    expect(h.items.map((i) => i.kind)).toEqual(['partner.created']);
  });

  it('finds a partner by one of its own addresses', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emails: ['biuro@zefir-firma.pl'] });
    expect((await crm.history.forEmail('Biuro@zefir-firma.pl')).partner?.id).toBe(p.id);
  });

  it('gives a person without a partner their own history', async () => {
    const { crm } = await setup();
    const anna = await crm.persons.create({ firstName: 'Anna', lastName: 'Solo', emails: ['anna@solo.pl'] });
    const h = await crm.history.forEmail('anna@solo.pl');
    expect(h).toMatchObject({ person: { id: anna.id }, partner: null });
    expect(h.items.map((i) => i.kind)).toEqual(['person.created']);
  });

  it('does not match a free-mail domain to a partner', async () => {
    const { crm } = await setup();
    await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'], emails: ['zefir@gmail.com'] });
    const h = await crm.history.forEmail('someone.else@gmail.com');
    expect(h).toMatchObject({ person: null, partner: null, items: [], nextCursor: null });
  });

  it('answers an unknown address with nulls and no items, and refuses a malformed one', async () => {
    const { crm } = await setup();
    expect(await crm.history.forEmail('nobody@nowhere.example')).toEqual({
      address: 'nobody@nowhere.example',
      person: null,
      partner: null,
      items: [],
      nextCursor: null,
    });
    await rejects(crm.history.forEmail('nobody'), 'VALIDATION', 'email', '"nobody"');
  });
});

/** A store whose writes to one collection fail once `armed` is set. */
async function failingStore(collection: string) {
  const inner = await testStore();
  const state = { armed: false };
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === 'create' || prop === 'createMany') {
          return (name: string, ...rest: unknown[]) => {
            if (state.armed && name === collection) return Promise.reject(new RapportError('STORAGE', `test store: writing ${name} failed`));
            return (target as any)[prop](name, ...rest);
          };
        }
        if (prop === 'transaction') return (fn: (tx: Store) => Promise<unknown>) => target.transaction((tx) => fn(wrap(tx)));
        return Reflect.get(target, prop, receiver);
      },
    });
  return { store: wrap(inner), state };
}

describe('one transaction per change', () => {
  it('a failed timeline write leaves no task, no audit, no timeline item and no used number', async () => {
    const { store, state } = await failingStore('timeline');
    const { crm, events } = await setup({ store });
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    await crm.tasks.create({ subject: 'first', partnerId: p.id });
    const before = await snapshot(store);
    const seen = events.length;
    state.armed = true;
    await rejects(crm.tasks.create({ subject: 'second', partnerId: p.id, stages: [{ subject: 's' }] }), 'STORAGE', 'timeline');
    expect(await snapshot(store)).toEqual(before);
    expect(events.length).toBe(seen);
    state.armed = false;
    expect((await crm.tasks.create({ subject: 'third', partnerId: p.id })).number).toBe('0002/2026/CRM');
  });

  it('an invalid stage inside create leaves no task, stage, audit or timeline', async () => {
    const { crm, store } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    const before = await snapshot(store);
    await rejects(
      crm.tasks.create({ subject: 'x', partnerId: p.id, stages: [{ subject: 'ok' }, { subject: 'bad', ownerId: 'ghost' }] }),
      'NOT_FOUND',
      '"ghost"',
    );
    expect(await snapshot(store)).toEqual(before);
  });

  it('a failed close leaves the stages and status as they were', async () => {
    const { store, state } = await failingStore('timeline');
    const { crm } = await setup({ store });
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    const t = await crm.tasks.create({ subject: 'x', partnerId: p.id, stages: [{ subject: 'one' }] });
    const before = await snapshot(store);
    state.armed = true;
    await rejects(crm.tasks.complete(t.id), 'STORAGE');
    expect(await snapshot(store)).toEqual(before);
  });
});

describe('events$', () => {
  it('publishes events after the commit, in order', async () => {
    const { crm, store, events } = await setup();
    const seenInStore: boolean[] = [];
    crm.events$.subscribe((e) => {
      if (e.type === 'task.created') void store.get('tasks', (e as { task: { id: string } }).task.id).then((r) => seenInStore.push(r !== null));
    });
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }] });
    await crm.tasks.complete(t.id);
    expect(events.map((e) => e.type)).toEqual(['register.created', 'task.created', 'stage.added', 'stage.completed', 'task.status_changed', 'task.closed']);
    await new Promise((r) => setTimeout(r, 0));
    expect(seenInStore).toEqual([true]);
  });

  it('publishes nothing when the change fails', async () => {
    const { crm, events } = await setup();
    const n = events.length;
    await rejects(crm.tasks.create({ subject: 'x', stages: [{ subject: 'ok' }, { subject: '' }] }), 'VALIDATION');
    await rejects(crm.partners.create({ code: 'A B', name: 'x' }), 'VALIDATION');
    expect(events.length).toBe(n);
  });
});
