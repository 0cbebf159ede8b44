import { describe, expect, it } from 'vitest';
import { createCrm, memoryBlobStore, memoryStore, steppingClock } from '@rapport/core';

describe('e-mails in the partner history', () => {
  it('a message to several people of one partner shows once in its timeline and once in each person’s', async () => {
    const crm = createCrm({ store: memoryStore(), blobs: memoryBlobStore(), clock: steppingClock('2026-03-02T08:00:00Z'), mail: { ownDomains: ['firma.pl'] } });
    const anna = await crm.operators.create({ name: 'Anna Admin', email: 'anna@firma.pl' });
    const me = crm.as(anna.id);
    const zefir = await me.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.', emailDomains: ['zefir.pl'] });
    const jan = await me.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] });
    const ewa = await me.persons.create({ partnerId: zefir.id, firstName: 'Ewa', lastName: 'Nowak', emails: ['ewa@zefir.pl'] });
    const result = await me.emails.ingest({
      messageId: '<plan-1@firma.pl>',
      from: { name: 'Anna', address: 'anna@firma.pl' },
      to: [{ name: 'Jan', address: 'jan@zefir.pl' }],
      cc: [{ name: 'Ewa', address: 'ewa@zefir.pl' }],
      date: new Date('2026-03-01T10:00:00Z'),
      subject: 'Implementation plan',
      text: 'Attached.',
    });
    expect(result.status).toBe('imported');
    const emailItems = async (items: Promise<{ items: Array<{ subjectType: string }> }>) => (await items).items.filter((i) => i.subjectType === 'email');
    expect(await emailItems(me.history.forPartner(zefir.id))).toHaveLength(1);
    expect(await emailItems(me.history.forPerson(jan.id))).toHaveLength(1);
    expect(await emailItems(me.history.forPerson(ewa.id))).toHaveLength(1);
  });
});
