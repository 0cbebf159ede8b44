import { describe, expect, it } from 'vitest';
import type { AuditEntry, Task } from '@rapport/core';
import { all, rejects, team } from './setup.js';

describe('operators.substitute', () => {
  it('makes the deputy act for the absent operator from the first instant until the last, and no longer', async () => {
    const { crm, clock, anna, bartek } = await team({ start: '2026-03-02T08:00:00Z' });
    await crm.operators.substitute(anna.id, bartek.id, { from: '2026-03-09T00:00:00Z', until: '2026-03-14T00:00:00Z' });
    clock.at('2026-03-08T23:59:59.999Z');
    expect(await crm.operators.actingFor(bartek.id)).toEqual([]);
    clock.at('2026-03-09T00:00:00.000Z');
    expect(await crm.operators.actingFor(bartek.id)).toEqual([anna.id]);
    clock.at('2026-03-13T23:59:59.999Z');
    expect(await crm.operators.actingFor(bartek.id)).toEqual([anna.id]);
    clock.at('2026-03-14T00:00:00.000Z');
    expect(await crm.operators.actingFor(bartek.id)).toEqual([]);
    // Standing in is one way: the absent operator does not act for the deputy.
    clock.at('2026-03-10T12:00:00Z');
    expect(await crm.operators.actingFor(anna.id)).toEqual([]);
  });

  it('changes no owner: the absent operator keeps their records', async () => {
    const { crm, store, anna, bartek } = await team();
    const task = await crm.tasks.create({ subject: 'Sprawa Anny', ownerId: anna.id });
    await crm.operators.substitute(anna.id, bartek.id, { until: '2026-03-20T00:00:00Z' });
    expect((await all<Task>(store, 'tasks')).find((t) => t.id === task.id)?.ownerId).toBe(anna.id);
  });

  it('ends early when ended, and a substitution ended before it started never starts', async () => {
    const { crm, root, clock, anna, bartek } = await team({ start: '2026-03-02T08:00:00Z' });
    const third = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
    const now = await crm.operators.substitute(anna.id, bartek.id, { until: '2026-03-20T00:00:00Z' });
    const later = await crm.operators.substitute(anna.id, third.id, { from: '2026-03-10T00:00:00Z', until: '2026-03-20T00:00:00Z' });
    expect(await crm.operators.actingFor(bartek.id)).toEqual([anna.id]);
    clock.at('2026-03-05T10:00:00Z');
    const ended = await crm.operators.endSubstitution(now.id);
    expect(ended.endedAt?.toISOString()).toBe('2026-03-05T10:00:00.000Z');
    await crm.operators.endSubstitution(later.id);
    expect(await crm.operators.actingFor(bartek.id)).toEqual([]);
    clock.at('2026-03-12T00:00:00Z');
    expect(await crm.operators.actingFor(third.id)).toEqual([]);
    expect(await crm.operators.substitutions({ absentId: anna.id, activeAt: '2026-03-04T00:00:00Z' })).toEqual([expect.objectContaining({ id: now.id })]);
    expect((await crm.operators.substitutions({ deputyId: third.id })).map((s) => s.id)).toEqual([later.id]);
  });

  it('audits who set up and who ended a substitution', async () => {
    const { crm, store, admin, anna, bartek } = await team();
    const s = await crm.operators.substitute(anna.id, bartek.id, { until: '2026-03-20T00:00:00Z' });
    await crm.operators.endSubstitution(s.id);
    const trail = (await all<AuditEntry>(store, 'audit')).filter((a) => a.entityType === 'substitution' && a.entityId === s.id);
    expect(trail.map((a) => [a.field, a.actorId])).toEqual([
      ['created', admin.id],
      ['endedAt', admin.id],
    ]);
    expect(trail[0]!.to).toMatchObject({ absentId: anna.id, deputyId: bartek.id, until: '2026-03-20T00:00:00.000Z' });
  });

  it('refuses a period without an end, backwards or past, a deputy who is the absent one, and an overlapping one', async () => {
    const { crm, store, anna, bartek } = await team({ start: '2026-03-02T08:00:00Z' });
    await rejects(crm.operators.substitute(anna.id, bartek.id, {} as never), 'VALIDATION', 'substitution.until');
    await rejects(crm.operators.substitute(anna.id, bartek.id, { from: '2026-03-10', until: '2026-03-09' }), 'VALIDATION', 'substitution.until', 'after');
    await rejects(crm.operators.substitute(anna.id, bartek.id, { from: '2026-02-01', until: '2026-02-10' }), 'VALIDATION', 'already past');
    await rejects(crm.operators.substitute(anna.id, anna.id, { until: '2026-03-10' }), 'VALIDATION', 'substitution.deputyId', 'anna@firma.pl');
    await rejects(crm.operators.substitute(anna.id, 'nobody', { until: '2026-03-10' }), 'NOT_FOUND', 'substitution.deputyId');
    await crm.operators.substitute(anna.id, bartek.id, { from: '2026-03-05', until: '2026-03-10' });
    await rejects(crm.operators.substitute(anna.id, bartek.id, { from: '2026-03-09', until: '2026-03-12' }), 'CONFLICT', 'bartek@firma.pl', 'anna@firma.pl');
    // Back to back is not an overlap.
    await crm.operators.substitute(anna.id, bartek.id, { from: '2026-03-10', until: '2026-03-12' });
    expect(await all(store, 'substitutions')).toHaveLength(2);
  });
});

describe('a deputy at work (access rules)', () => {
  it("sees and works the absent operator's records from the first instant to the last, and not before or after", async () => {
    const { root, clock, anna, bartek } = await team({ start: '2026-03-02T08:00:00Z' });
    for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
    const task = await root.as(anna.id).tasks.create({ subject: 'Sprawa Anny', private: true });
    await root.operators.substitute(anna.id, bartek.id, { from: '2026-03-09T00:00:00Z', until: '2026-03-14T00:00:00Z' });
    const deputy = root.as(bartek.id);
    const sees = async () => (await deputy.tasks.list({ limit: 50 })).items.some((t) => t.id === task.id);

    clock.at('2026-03-08T23:59:59.999Z');
    expect(await sees()).toBe(false);
    await rejects(deputy.tasks.get(task.id), 'NOT_FOUND');
    clock.at('2026-03-09T00:00:00.000Z');
    expect(await sees()).toBe(true);
    expect((await deputy.access.effective()).actingFor).toEqual([anna.id]);
    // He works it; it stays Anna's, and the change is his.
    await deputy.tasks.addNote(task.id, 'Zastępstwo: oddzwoniłem');
    expect((await root.tasks.get(task.id)).ownerId).toBe(anna.id);
    expect((await root.tasks.entries(task.id)).items.at(-1)?.createdBy).toBe(bartek.id);
    clock.at('2026-03-13T23:59:59.999Z');
    expect(await sees()).toBe(true);
    clock.at('2026-03-14T00:00:00.000Z');
    expect(await sees()).toBe(false);
    await rejects(deputy.tasks.addNote(task.id, 'po terminie'), 'NOT_FOUND');
  });
});

describe('who arranges a substitution', () => {
  it('an operator names their own deputy; arranging one for someone else needs operators.update', async () => {
    const { root, anna, bartek } = await team();
    const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
    for (const op of [anna, bartek, celina]) await root.roles.grant(op.id, 'salesperson');
    const own = await root.as(anna.id).operators.substitute(anna.id, bartek.id, { until: '2026-03-20T00:00:00Z' });
    await rejects(
      root.as(celina.id).operators.substitute(anna.id, celina.id, { until: '2026-03-20T00:00:00Z' }),
      'FORBIDDEN',
      'celina@firma.pl',
      'operators.update',
    );
    await rejects(root.as(celina.id).operators.endSubstitution(own.id), 'FORBIDDEN');
    await root.as(anna.id).operators.endSubstitution(own.id);
  });
});
