/**
 * Stages, task entries and the audit through an operator's own store (`crm.as(op).store`): stages
 * and entries carry their task's access fields and are filtered by the task's rule in the same
 * read (decision 0103); the audit is closed to operators' store reads.
 */
import { describe, expect, it } from 'vitest';
import type { Stage } from '@rapport/core';
import { where } from '@rapport/core';
import { coreSchema } from '@rapport/core/store';
import { rejects, team } from './setup.js';

const SECRET = 'Poufne';

/** Collections only modules read (beneath the rules): FORBIDDEN through an operator's store (decision 0104). */
const NOT_OPEN = [
  'audit',
  'notification_rules',
  'record_watches',
  'mail_runs',
  'mail_run_recipients',
  'jobs',
  'outbox',
  'mail_checkpoints',
  'mail_quarantine',
  'contact_keys',
  'email_locations',
  'reminder_settings',
  'task_responses',
  'task_launches',
];

/** Anna and Bartek, salespeople of one group: he sees her open tasks, not her private one. */
async function office() {
  const t = await team();
  const { root, anna, bartek } = t;
  for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
  const sales = await root.groups.create({ name: 'Sprzedaż' });
  for (const op of [anna, bartek]) await root.groups.addMember(sales.id, op.id);
  const asAnna = root.as(anna.id);
  const asBartek = root.as(bartek.id);
  const open = await asAnna.tasks.create({ subject: 'Telefon do Zefira' });
  const secret = await asAnna.tasks.create({ subject: `${SECRET} negocjacje`, private: true });
  for (const task of [open, secret]) {
    await asAnna.tasks.addStage(task.id, { subject: `etap ${task.subject}`, plannedAt: new Date('2026-03-03T09:00:00Z') });
    await asAnna.tasks.addNote(task.id, `notatka ${task.subject}`);
  }
  return { ...t, asAnna, asBartek, open, secret };
}

describe('access: stages, entries and audit through the operator store', () => {
  it('finds, counts and aggregates of stages and entries hold only those of tasks the operator may read', async () => {
    const o = await office();
    for (const collection of ['stages', 'task_entries']) {
      expect(await o.asBartek.store.count(collection, where.eq('taskId', o.secret.id)), collection).toBe(0);
      expect((await o.asBartek.store.find(collection, { where: where.eq('taskId', o.secret.id) })).items, collection).toEqual([]);
      expect(await o.asBartek.store.count(collection, where.eq('taskId', o.open.id)), collection).toBeGreaterThan(0);
      expect(await o.asAnna.store.count(collection, where.eq('taskId', o.secret.id)), collection).toBeGreaterThan(0);
      const rows = await o.asBartek.store.aggregate(collection, { groupBy: ['taskId'], measures: { n: { fn: 'count' } } });
      expect(rows.map((r) => r.group.taskId)).toEqual([o.open.id]);
      expect(await o.asBartek.store.get(collection, (await o.store.find(collection, { where: where.eq('taskId', o.secret.id) })).items[0]!.id)).toBeNull();
    }
    // A cross-task read by stage owner and date: one page of one, full, never her private stage.
    const page = await o.asBartek.store.find<Stage>('stages', { where: where.eq('ownerId', o.anna.id), limit: 1 });
    expect(page.items.map((s) => s.taskId)).toEqual([o.open.id]);
    expect(page.nextCursor ?? null).toBeNull();
    expect(JSON.stringify((await o.asBartek.store.find('task_entries', { limit: 100 })).items)).not.toContain(SECRET);
  });

  it('a task turning private (and back) takes its stages and entries along in the same change', async () => {
    const o = await office();
    await o.asAnna.tasks.update(o.open.id, { private: true });
    expect(await o.asBartek.store.count('stages')).toBe(0);
    expect(await o.asBartek.store.count('task_entries')).toBe(0);
    await o.asAnna.tasks.update(o.open.id, { private: false });
    expect(await o.asBartek.store.count('stages')).toBe(1);
    expect(await o.asBartek.store.count('task_entries')).toBe(1);
  });

  it('the owner of a stage on a private task sees that task’s stages; nobody writes the copied fields', async () => {
    const o = await office();
    await o.asAnna.tasks.addStage(o.secret.id, { subject: 'dla Bartka', ownerId: o.bartek.id });
    expect(await o.asBartek.store.count('stages', where.eq('taskId', o.secret.id))).toBe(2);
    const [stage] = (await o.asAnna.store.find<Stage>('stages', { where: where.eq('taskId', o.secret.id), limit: 1 })).items;
    await rejects(o.asAnna.store.update('stages', stage!.id, { taskPrivate: false }, stage!.version), 'FORBIDDEN');
    await rejects(o.asAnna.store.updateWhere('task_entries', where.eq('taskId', o.secret.id), { taskOwnerId: o.bartek.id }), 'FORBIDDEN');
  });

  it('the audit is closed to operators’ store reads; auditTrail gives the trail of a task they may read only', async () => {
    const o = await office();
    await rejects(o.asBartek.store.find('audit', { limit: 10 }), 'FORBIDDEN');
    await rejects(o.asBartek.store.count('audit'), 'FORBIDDEN');
    await rejects(o.asBartek.store.aggregate('audit', { measures: { n: { fn: 'count' } } }), 'FORBIDDEN');
    await rejects(o.asAnna.store.deleteWhere('audit', where.eq('entityId', o.secret.id)), 'FORBIDDEN');
    expect((await o.asAnna.tasks.auditTrail(o.secret.id)).length).toBeGreaterThan(0);
    await rejects(o.asBartek.tasks.auditTrail(o.secret.id), 'NOT_FOUND');
    expect((await o.asBartek.tasks.auditTrail(o.open.id)).length).toBeGreaterThan(0);
    expect(await o.root.store.count('audit')).toBeGreaterThan(0);
  });

  it('upgrade copies the task fields onto stages and entries written before', async () => {
    const o = await office();
    const none = { taskOwnerId: null, taskCreatorId: null, taskPrivate: null, taskRegisterId: null };
    expect(await o.store.updateWhere('stages', where.eq('taskId', o.secret.id), none)).toBe(1);
    expect(await o.store.updateWhere('task_entries', where.eq('taskId', o.secret.id), none)).toBe(1);
    expect(await o.root.access.upgrade()).toMatchObject({ taskChildren: 2 });
    expect(await o.asBartek.store.count('stages', where.eq('taskId', o.secret.id))).toBe(0);
    expect(await o.root.access.upgrade()).toMatchObject({ taskChildren: 0 });
  });

  it('every core collection has its treatment for operators; any other is closed to them', async () => {
    const o = await office();
    for (const { name } of coreSchema.collections) {
      if (NOT_OPEN.includes(name)) await rejects(o.asBartek.store.count(name), 'FORBIDDEN', name);
      else await expect(o.asBartek.store.count(name), name).resolves.toBeGreaterThanOrEqual(0);
    }
    await rejects(o.asBartek.store.find('host_secrets', { limit: 1 }), 'FORBIDDEN');
    await rejects(o.asBartek.store.get('host_secrets', 'x'), 'FORBIDDEN');
    await rejects(o.asBartek.store.create('host_secrets', { id: 'x', version: 1 }), 'FORBIDDEN');
  });
});
