import { describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { rejects } from './setup.js';

describe('access: the roles of an operator granted none', () => {
  it('are manager by default, and what the host configures (least privilege: salesperson)', async () => {
    const store = await testStore();
    const open = createCrm({ store });
    const strict = createCrm({ store, access: { defaultRoles: ['salesperson'] } });
    const anna = await open.operators.create({ name: 'Anna', email: 'anna@firma.pl' });
    const bartek = await open.operators.create({ name: 'Bartek', email: 'bartek@firma.pl' });
    const orzel = await open.partners.create({ code: 'ORZEL', name: 'Orzeł', ownerId: bartek.id });
    expect((await open.as(anna.id).access.effective()).roles).toEqual(['manager']);
    expect((await strict.as(anna.id).access.effective()).roles).toEqual(['salesperson']);
    expect(await open.as(anna.id).partners.update(orzel.id, { industry: 'IT' })).toMatchObject({ industry: 'IT' });
    await rejects(strict.as(anna.id).partners.update(orzel.id, { industry: 'Handel' }), 'FORBIDDEN', 'salesperson');
    // A granted role replaces the default.
    await open.roles.grant(anna.id, 'read-only');
    await rejects(open.as(anna.id).partners.update(orzel.id, { industry: 'Handel' }), 'FORBIDDEN', 'read-only');
    expect(() => createCrm({ store, access: { defaultRoles: [] } })).toThrow(/access.defaultRoles/);
  });
});
