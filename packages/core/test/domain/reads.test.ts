import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, steppingClock, type Store } from '@rapport/core';

/** A store that counts the transactions it is asked to open. */
function counting(inner: Store) {
  const counter = { transactions: 0 };
  const store: Store = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    transaction: <R>(fn: (tx: Store) => Promise<R>) => {
      counter.transactions++;
      return inner.transaction(fn);
    },
  });
  return { store, counter };
}

describe('reads', () => {
  it('look-ups and the history open no transaction (on SQLite that would be the writer lock)', async () => {
    const { store, counter } = counting(memoryStore());
    const crm = createCrm({ store, clock: steppingClock('2026-04-01T08:00:00Z') });
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
    const jan = await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] });
    const task = await crm.tasks.create({ subject: 'Call back', personId: jan.id });
    const before = counter.transactions;

    expect((await crm.history.forEmail('jan@zefir.pl')).partner?.id).toBe(zefir.id);
    expect((await crm.history.forEmail('someone@zefir.pl')).partner?.id).toBe(zefir.id);
    expect((await crm.partners.get(zefir.id)).code).toBe('ZEFIR');
    expect((await crm.partners.findByDomain('zefir.pl'))?.id).toBe(zefir.id);
    expect((await crm.persons.get(jan.id)).lastName).toBe('Fiszka');
    expect((await crm.persons.findByEmail('JAN@zefir.pl')).map((p) => p.id)).toEqual([jan.id]);
    expect((await crm.tasks.get(task.id)).number).toBe(task.number);
    await expect(crm.tasks.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    expect(counter.transactions).toBe(before);
  });
});
