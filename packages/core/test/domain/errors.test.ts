import { describe, expect, it } from 'vitest';
import { isRapportError } from '@rapport/core';
import { all, setup } from './setup.js';

describe('error messages', () => {
  it('every refused input names the field and the value, and stores nothing', async () => {
    const { crm, store } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    const before = (await all(store, 'tasks')).length;
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      ['empty subject', () => crm.tasks.create({ subject: '' }), 'task.subject', '""'],
      ['long subject', () => crm.tasks.create({ subject: 'x'.repeat(501) }), 'task.subject', '501 characters'],
      ['bad date', () => crm.tasks.create({ subject: 'x', dueAt: '2026-02-30' }), 'task.dueAt', '"2026-02-30"'],
      ['bad priority', () => crm.tasks.create({ subject: 'x', priority: 'p0' as never }), 'task.priority', '"p0"'],
      ['bad custom field', () => crm.tasks.create({ subject: 'x', customFields: { 'a-b': 1 } }), 'task.customFields.a-b', 'custom field'],
      ['bad custom value', () => crm.tasks.create({ subject: 'x', customFields: { a: {} as never } }), 'task.customFields.a', '[object Object]'],
      ['unknown partner', () => crm.tasks.create({ subject: 'x', partnerId: 'P1' }), 'task.partnerId', '"P1"'],
      ['unknown parent', () => crm.tasks.create({ subject: 'x', parentId: 'T1' }), 'task.parentId', '"T1"'],
      ['bad transition', () => crm.tasks.reopen(t.id), 'task.status', 'open'],
      ['bad partner kind', () => crm.partners.create({ code: 'A', name: 'A', kind: 'x' as never }), 'partner.kind', '"x"'],
      ['negative employees', () => crm.partners.create({ code: 'A', name: 'A', employees: -1 }), 'partner.employees', '-1'],
      ['bad person e-mail', () => crm.persons.create({ firstName: 'A', lastName: 'B', emails: ['a@'] }), 'person.emails[0]', '"a@"'],
      ['bad register colour', () => crm.registers.create({ code: 'R', name: 'R', color: '#12' }), 'register.color', '"#12"'],
      ['bad stage date', () => crm.tasks.addStage(t.id, { subject: 's', plannedAt: 'soon' }), 'stage.plannedAt', '"soon"'],
      ['bad history cursor', () => crm.tasks.list({ cursor: 'garbage' }), 'cursor', 'garbage'],
    ];
    for (const [name, call, field, value] of cases) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRapportError(err), name).toBe(true);
      expect((err as Error).message, name).toContain(field);
      expect((err as Error).message, name).toContain(value);
    }
    expect((await all(store, 'tasks')).length).toBe(before);
  });

  it('a stale write names the record in the singular', async () => {
    const { crm } = await setup();
    const partner = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const opp = await crm.opportunities.create({ partnerId: partner.id, amount: 100, currency: 'EUR' });
    const stale = await crm.opportunities.update(opp.id, { amount: 200 }, { expectedVersion: opp.version + 5 }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(isRapportError(stale, 'CONFLICT')).toBe(true);
    expect(stale?.message).toBe(`opportunity ${opp.id} is at version ${opp.version}, not ${opp.version + 5}: reload it and apply the change again`);
  });
});
