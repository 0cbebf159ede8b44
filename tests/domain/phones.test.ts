import { describe, expect, it } from 'vitest';
import { createCrm, steppingClock } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { rejects, setup } from './setup.js';

describe('phone numbers', () => {
  it('stores persons’, partners’ and operators’ numbers in E.164, whatever the spelling', async () => {
    const { crm } = await setup();
    const p = await crm.persons.create({ firstName: 'Jan', lastName: 'Fiszka', phones: ['+48 601 220 310', '+48601220310', '+40 722-123-456'] });
    expect(p.phones).toEqual(['+48601220310', '+40722123456']);
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', phones: ['+48 61 842 17 30'] });
    expect(zefir.phones).toEqual(['+48618421730']);
    const op = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl', phone: '+48 (601) 220-311' });
    expect(op.phone).toBe('+48601220311');
    expect((await crm.operators.update(op.id, { phone: null })).phone).toBeNull();
  });

  it('refuses an invalid number when saved, naming the field and the number, and keeps the record', async () => {
    const { crm } = await setup();
    await rejects(crm.persons.create({ firstName: 'Jan', lastName: 'F', phones: ['+48 12'] }), 'VALIDATION', 'person.phones[0]', '+48 12');
    const p = await crm.persons.create({ firstName: 'Jan', lastName: 'F', phones: ['+48 601 220 310'] });
    await rejects(crm.persons.update(p.id, { phones: ['call me'] }), 'VALIDATION', 'person.phones[0]', 'call me');
    expect((await crm.persons.get(p.id)).phones).toEqual(['+48601220310']);
    await rejects(crm.operators.create({ name: 'X', email: 'x@firma.pl', phone: '601 220 310' }), 'VALIDATION', 'operator.phone', 'country');
    await rejects(crm.partners.create({ code: 'A', name: 'A', phones: ['12345'] }), 'VALIDATION', 'partner.phones[0]');
  });

  it('reads a number without + in the configured country', async () => {
    const crm = createCrm({ store: await testStore(), clock: steppingClock('2026-03-02T08:00:00Z'), settings: { phoneCountry: 'RO' } });
    const p = await crm.persons.create({ firstName: 'Ion', lastName: 'Popescu', phones: ['0722 123 456'] });
    expect(p.phones).toEqual(['+40722123456']);
  });
});
