import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, steppingClock } from '@rapport/core';

describe('seed example', () => {
  it('registers the enova event 0001/2026/CRM with two stages and shows it in the partner history', async () => {
    const crm = createCrm({ store: memoryStore(), clock: steppingClock('2026-10-31T09:55:00Z') });
    const admin = await crm.operators.create({ name: 'Administrator', email: 'admin@firma.pl' });
    const as = crm.as(admin.id);
    const zefir = await as.partners.create({ code: 'zefir', name: 'Zefir J. Nowak i E. Nowak', emailDomains: ['zefir.pl'] });
    const jan = await as.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['Jan.Fiszka@zefir.pl'] });
    const task = await as.tasks.create({
      subject: 'Informacje o systemie enova',
      personId: jan.id,
      dueAt: '2026-11-02T10:02:00Z',
      stages: [{ subject: 'Wysłać materiały pocztą' }, { subject: 'Wysłać prezentację e-mailem' }],
    });
    expect(task.number).toBe('0001/2026/CRM');
    expect(task.partnerId).toBe(zefir.id);
    const [first] = await as.tasks.stages(task.id);
    await as.tasks.completeStage(first!.id);
    const done = await as.tasks.complete(task.id);
    expect(done.status).toBe('done');
    expect((await as.tasks.stages(task.id)).every((s) => s.status === 'done')).toBe(true);
    const history = await as.history.forEmail('jan.fiszka@ZEFIR.pl');
    expect(history.partner?.code).toBe('ZEFIR');
    expect(history.items.map((i) => i.kind)).toEqual(['task.done', 'stage.completed', 'stage.completed', 'task.created', 'person.created', 'partner.created']);
  });
});
