import { describe, expect, it } from 'vitest';
import { createCrm, type Clock } from '@rapport/core';
import { rejects } from './setup.js';
import { testStore } from '../support/stores.js';

/** A CRM whose clock the test sets: tasks are opened and closed on the days the test says. */
async function office() {
  const store = await testStore();
  let now = new Date('2026-03-02T08:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const root = createCrm({ store, clock });
  const at = (iso: string) => (now = new Date(iso));
  const ewa = await root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl', groups: ['sales'] });
  const piotr = await root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl', groups: ['sales'] });
  const ola = await root.operators.create({ name: 'Ola', email: 'ola@firma.pl', groups: ['service'] });
  return { crm: root.as(ewa.id), at, ewa, piotr, ola };
}

describe('per-day tracking', () => {
  it('counts per operator and day the tasks opened, resolved, overdue and unresolved at the end of the day', async () => {
    const { crm, at, ewa, piotr } = await office();
    at('2026-03-02T09:00:00Z');
    const a = await crm.tasks.create({ subject: 'a', ownerId: ewa.id, dueAt: '2026-03-03T12:00:00Z' });
    const b = await crm.tasks.create({ subject: 'b', ownerId: ewa.id, dueAt: '2026-03-05T12:00:00Z' });
    await crm.tasks.create({ subject: 'c', ownerId: piotr.id });
    at('2026-03-03T10:00:00Z');
    await crm.tasks.complete(b.id);
    const cancelled = await crm.tasks.create({ subject: 'd', ownerId: ewa.id, dueAt: '2026-03-03T11:00:00Z' });
    await crm.tasks.cancel(cancelled.id);
    at('2026-03-04T10:00:00Z');
    await crm.tasks.complete(a.id);

    const { rows, columns } = await crm.tracking.daily({ groups: ['sales'], from: '2026-03-02', to: '2026-03-04' });
    expect(columns.map((c) => c.field)).toEqual(['day', 'operatorName', 'opened', 'resolved', 'overdue', 'unresolved']);
    const pick = (name: string) => rows.filter((r) => r.operatorName === name).map((r) => [r.day, r.opened, r.resolved, r.overdue, r.unresolved]);
    expect(pick('Ewa')).toEqual([
      ['2026-03-02', 2, 0, 0, 2],
      ['2026-03-03', 1, 1, 1, 1], // a is overdue at the end of the 3rd; d was cancelled
      ['2026-03-04', 0, 1, 0, 0],
    ]);
    expect(pick('Piotr')).toEqual([
      ['2026-03-02', 1, 0, 0, 1],
      ['2026-03-03', 0, 0, 0, 1],
      ['2026-03-04', 0, 0, 0, 1],
    ]);
    expect(rows.some((r) => r.operatorName === 'Ola')).toBe(false);
  });

  it('cuts days at midnight of the zone asked for', async () => {
    const { crm, at, ewa } = await office();
    at('2026-03-02T23:30:00Z'); // already the 3rd in Warsaw
    await crm.tasks.create({ subject: 'late', ownerId: ewa.id });
    const utc = await crm.tracking.daily({ operators: [ewa.id], from: '2026-03-02', to: '2026-03-03' });
    const warsaw = await crm.tracking.daily({ operators: [ewa.id], from: '2026-03-02', to: '2026-03-03', timeZone: 'Europe/Warsaw' });
    expect(utc.rows.map((r) => r.opened)).toEqual([1, 0]);
    expect(warsaw.rows.map((r) => r.opened)).toEqual([0, 1]);
  });

  it('refuses a reversed or too long period', async () => {
    const { crm } = await office();
    await rejects(crm.tracking.daily({ from: '2026-03-05', to: '2026-03-01' }), 'VALIDATION', 'tracking.to');
    await rejects(crm.tracking.daily({ from: '2026-01-01', to: '2026-12-31' }), 'VALIDATION', 'tracking.to', '92 days');
  });
});

describe('workload', () => {
  it('gives open, overdue and due-this-week tasks per operator and the open ones weighted by priority', async () => {
    const { crm, at, ewa, piotr } = await office();
    at('2026-03-04T09:00:00Z'); // a Wednesday
    await crm.tasks.create({ subject: 'late', ownerId: ewa.id, priority: 'urgent', dueAt: '2026-03-03T09:00:00Z' });
    await crm.tasks.create({ subject: 'friday', ownerId: ewa.id, priority: 'high', dueAt: '2026-03-06T09:00:00Z' });
    await crm.tasks.create({ subject: 'next week', ownerId: ewa.id, priority: 'low', dueAt: '2026-03-10T09:00:00Z' });
    const done = await crm.tasks.create({ subject: 'done', ownerId: ewa.id, priority: 'urgent' });
    await crm.tasks.complete(done.id);
    await crm.tasks.create({ subject: 'p', ownerId: piotr.id });
    const { rows } = await crm.tracking.workload({ groups: ['sales'] });
    const byName = Object.fromEntries(rows.map((r) => [r.operatorName, [r.open, r.overdue, r.dueThisWeek, r.weighted]]));
    expect(byName).toEqual({ Ewa: [3, 1, 2, 5 + 3 + 1], Piotr: [1, 0, 0, 2] });
    const custom = await crm.tracking.workload({ operators: [ewa.id], weights: { urgent: 10 } });
    expect(custom.rows[0]!.weighted).toBe(10 + 3 + 1);
    await rejects(crm.tracking.workload({ weights: { urgent: -1 } }), 'VALIDATION', 'tracking.weights.urgent');
  });
});
