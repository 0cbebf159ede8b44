import { describe, expect, it } from 'vitest';
import { TASK_STATUSES, TRANSITIONS, type AuditEntry, type Task, type TaskStatus } from '@rapport/core';
import { all, rejects, setup, snapshot } from './setup.js';

async function world() {
  const s = await setup();
  const zefir = await s.crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
  const jan = await s.crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.fiszka@zefir.pl'] });
  return { ...s, zefir, jan };
}

/** Puts a fresh task into `status` along an allowed path. */
async function taskIn(crm: Awaited<ReturnType<typeof setup>>['crm'], status: TaskStatus): Promise<Task> {
  const t = await crm.tasks.create({ subject: `task in ${status}` });
  if (status === 'open') return t;
  return crm.tasks.setStatus(t.id, status);
}

describe('task creation', () => {
  it('numbers the first task of the default register 0001/2026/CRM and records who created it', async () => {
    const { crm, admin } = await setup();
    const t = await crm.tasks.create({ subject: 'Informacje o systemie enova' });
    expect(t).toMatchObject({
      number: '0001/2026/CRM',
      status: 'open',
      priority: 'normal',
      createdBy: admin.id,
      ownerId: admin.id,
      doneAt: null,
      private: false,
    });
  });

  it('defaults the owner to the acting operator and keeps an explicit owner', async () => {
    const { crm, admin } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    expect((await crm.tasks.create({ subject: 'a' })).ownerId).toBe(admin.id);
    expect((await crm.tasks.create({ subject: 'b', ownerId: ewa.id })).ownerId).toBe(ewa.id);
    expect((await crm.tasks.create({ subject: 'c', ownerId: null })).ownerId).toBe(admin.id);
  });

  it('refuses an empty subject', async () => {
    const { crm, store } = await setup();
    await rejects(crm.tasks.create({ subject: '' }), 'VALIDATION', 'task.subject');
    await rejects(crm.tasks.create({ subject: '   ' }), 'VALIDATION', 'task.subject');
    await rejects(crm.tasks.create({} as never), 'VALIDATION', 'task.subject');
    expect(await all(store, 'tasks')).toHaveLength(0);
  });

  it('refuses a due date before the planned start, naming both', async () => {
    const { crm } = await setup();
    await rejects(
      crm.tasks.create({ subject: 'x', plannedAt: '2026-01-05T00:00:00Z', dueAt: '2026-01-02T00:00:00Z' }),
      'VALIDATION',
      'task.dueAt',
      '2026-01-02T00:00:00.000Z',
      '2026-01-05T00:00:00.000Z',
    );
    const t = await crm.tasks.create({ subject: 'x', plannedAt: '2026-01-05', dueAt: '2026-01-05' });
    await rejects(crm.tasks.update(t.id, { dueAt: '2026-01-01' }), 'VALIDATION', 'task.dueAt');
    await rejects(crm.tasks.update(t.id, { plannedAt: '2026-02-01' }), 'VALIDATION', 'task.dueAt');
  });

  it('refuses invalid dates such as 2026-02-30 instead of rolling them over', async () => {
    const { crm } = await setup();
    for (const bad of ['2026-02-30', ' 2026-02-30', '2026-13-01', '2026-02-29', 'tomorrow', '2026-01-01T25:00:00Z', '']) {
      await rejects(crm.tasks.create({ subject: 'x', dueAt: bad }), 'VALIDATION', 'task.dueAt', JSON.stringify(bad));
    }
    await rejects(crm.tasks.create({ subject: 'x', plannedAt: new Date(NaN) }), 'VALIDATION', 'task.plannedAt', 'Invalid Date');
    expect((await crm.tasks.create({ subject: 'leap', dueAt: '2028-02-29' })).dueAt?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('reads a date-time without an offset as UTC, whatever the host time zone', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', dueAt: '2026-05-04 10:30', plannedAt: '2026-05-04T09:00:00' });
    expect(t.dueAt?.toISOString()).toBe('2026-05-04T10:30:00.000Z');
    expect(t.plannedAt?.toISOString()).toBe('2026-05-04T09:00:00.000Z');
  });

  it('refuses unknown partner, person, owner, register and parent ids with NOT_FOUND naming field and id', async () => {
    const { crm, store } = await setup();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ partnerId: 'p-missing' }, 'task.partnerId'],
      [{ personId: 'x-missing' }, 'task.personId'],
      [{ ownerId: 'o-missing' }, 'task.ownerId'],
      [{ registerId: 'r-missing' }, 'task.registerId'],
      [{ registerCode: 'NOPE' }, 'task.registerCode'],
      [{ parentId: 't-missing' }, 'task.parentId'],
    ];
    for (const [extra, field] of cases) {
      const value = Object.values(extra)[0] as string;
      await rejects(crm.tasks.create({ subject: 'x', ...extra }), 'NOT_FOUND', field, value.toUpperCase() === value ? value : value);
    }
    expect(await all(store, 'tasks')).toHaveLength(0);
    await rejects(crm.tasks.get('nope'), 'NOT_FOUND', '"nope"');
  });

  it('refuses a task owned by an unknown acting operator', async () => {
    const { root } = await setup();
    await rejects(root.as('ghost').tasks.create({ subject: 'x' }), 'NOT_FOUND', '"ghost"');
  });

  it('refuses a bad priority and accepts the known ones', async () => {
    const { crm } = await setup();
    await rejects(crm.tasks.create({ subject: 'x', priority: 'asap' as never }), 'VALIDATION', 'task.priority', '"asap"');
    for (const priority of ['low', 'normal', 'high', 'urgent'] as const)
      expect((await crm.tasks.create({ subject: priority, priority })).priority).toBe(priority);
    const t = await crm.tasks.create({ subject: 'x', priority: undefined });
    expect(t.priority).toBe('normal');
  });

  it('keeps the private flag and refuses a non-boolean', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'secret', private: true });
    expect(t.private).toBe(true);
    expect((await crm.tasks.update(t.id, { private: false })).private).toBe(false);
    await rejects(crm.tasks.create({ subject: 'x', private: 'yes' as never }), 'VALIDATION', 'task.private', '"yes"');
  });

  it('fills in the partner of the contact person', async () => {
    const { crm, zefir, jan } = await world();
    const t = await crm.tasks.create({ subject: 'Call', personId: jan.id });
    expect(t.partnerId).toBe(zefir.id);
    expect(t.personId).toBe(jan.id);
  });

  it('refuses a contact person who works at another partner than the task', async () => {
    const { crm, jan } = await world();
    const other = await crm.partners.create({ code: 'OTHER', name: 'Other' });
    await rejects(crm.tasks.create({ subject: 'x', partnerId: other.id, personId: jan.id }), 'VALIDATION', 'task.personId', jan.id);
    const t = await crm.tasks.create({ subject: 'x', personId: jan.id });
    await rejects(crm.tasks.update(t.id, { partnerId: other.id }), 'VALIDATION', 'task.personId');
    // Changing both together is fine.
    expect((await crm.tasks.update(t.id, { partnerId: other.id, personId: null })).partnerId).toBe(other.id);
  });

  it('refuses an inactive register', async () => {
    const { crm } = await setup();
    const reg = await crm.registers.create({ code: 'OLD', name: 'Old' });
    await crm.registers.update(reg.id, { active: false });
    await rejects(crm.tasks.create({ subject: 'x', registerId: reg.id }), 'VALIDATION', 'task.registerId', 'OLD');
  });

  it('creates a task with stages in one go, in order', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }, { subject: 'three' }] });
    const stages = await crm.tasks.stages(t.id);
    expect(stages.map((s) => [s.position, s.subject, s.status])).toEqual([
      [1, 'one', 'open'],
      [2, 'two', 'open'],
      [3, 'three', 'open'],
    ]);
  });

  it('finds a task by its number and lists tasks by owner, partner and search', async () => {
    const { crm, admin, zefir } = await world();
    const a = await crm.tasks.create({ subject: 'Oferta dla Zefira', partnerId: zefir.id });
    await crm.tasks.create({ subject: 'Inne' });
    expect((await crm.tasks.findByNumber(a.registerId, a.number))?.id).toBe(a.id);
    expect((await crm.tasks.list({ partnerId: zefir.id })).items.map((t) => t.id)).toEqual([a.id]);
    expect((await crm.tasks.list({ search: 'zefir' })).items.map((t) => t.id)).toEqual([a.id]);
    expect((await crm.tasks.list({ ownerId: admin.id })).items).toHaveLength(2);
  });
});

describe('task status', () => {
  const pairs = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s follows the transition table', async (from, to) => {
    const { crm } = await setup();
    const t = await taskIn(crm, from);
    if (TRANSITIONS[from].includes(to)) {
      const saved = await crm.tasks.setStatus(t.id, to);
      expect(saved.status).toBe(to);
    } else {
      await rejects(crm.tasks.setStatus(t.id, to), 'VALIDATION', 'task.status', from, to);
      expect((await crm.tasks.get(t.id)).status).toBe(from);
    }
  });

  it('refuses an unknown status', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    await rejects(crm.tasks.setStatus(t.id, 'finished' as never), 'VALIDATION', 'task.status', '"finished"');
  });

  it('sets doneAt on completion and clears it on reopen', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    const done = await crm.tasks.complete(t.id, { doneAt: '2026-03-05T12:00:00Z' });
    expect(done.doneAt?.toISOString()).toBe('2026-03-05T12:00:00.000Z');
    const reopened = await crm.tasks.reopen(t.id);
    expect(reopened.doneAt).toBeNull();
    expect(reopened.status).toBe('open');
    const now = await crm.tasks.complete(t.id);
    expect(now.doneAt).toBeInstanceOf(Date);
    await rejects(
      crm.tasks.reopen(t.id).then(() => crm.tasks.complete(t.id, { doneAt: '2026-02-30' })),
      'VALIDATION',
      'task.doneAt',
      '2026-02-30',
    );
  });

  it('cancelling keeps doneAt empty and records the reason on the timeline', async () => {
    const { crm, zefir } = await world();
    const t = await crm.tasks.create({ subject: 'x', partnerId: zefir.id });
    const c = await crm.tasks.cancel(t.id, { reason: 'klient zrezygnował' });
    expect(c.status).toBe('cancelled');
    expect(c.doneAt).toBeNull();
    const [item] = (await crm.history.forPartner(zefir.id)).items;
    expect(item).toMatchObject({ kind: 'task.cancelled', data: { reason: 'klient zrezygnował', from: 'open', to: 'cancelled' } });
  });
});

describe('stages', () => {
  it('adds stages in order, the new stage defaulting to the task owner and person', async () => {
    const { crm, admin, jan } = await world();
    const t = await crm.tasks.create({ subject: 'x', personId: jan.id });
    const s1 = await crm.tasks.addStage(t.id, { subject: 'Wysłać materiały', plannedAt: '2026-03-03' });
    const s2 = await crm.tasks.addStage(t.id, { subject: 'Zadzwonić' });
    expect([s1.position, s2.position]).toEqual([1, 2]);
    expect(s1).toMatchObject({ ownerId: admin.id, personId: jan.id, status: 'open', doneAt: null });
    expect(s1.plannedAt?.toISOString()).toBe('2026-03-03T00:00:00.000Z');
  });

  it('refuses a stage with an empty subject, unknown owner or unknown person', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    await rejects(crm.tasks.addStage(t.id, { subject: '' }), 'VALIDATION', 'stage.subject');
    await rejects(crm.tasks.addStage(t.id, { subject: 's', ownerId: 'nobody' }), 'NOT_FOUND', 'stage.ownerId', '"nobody"');
    await rejects(crm.tasks.addStage(t.id, { subject: 's', personId: 'nobody' }), 'NOT_FOUND', 'stage.personId', '"nobody"');
    await rejects(crm.tasks.addStage('no-task', { subject: 's' }), 'NOT_FOUND', '"no-task"');
    expect(await crm.tasks.stages(t.id)).toEqual([]);
  });

  it('completes stages in order: completing stage 2 before stage 1 is refused', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }] });
    const [s1, s2] = await crm.tasks.stages(t.id);
    await rejects(crm.tasks.completeStage(s2!.id), 'VALIDATION', 'stage', 'stage 1', '"one"');
    await crm.tasks.completeStage(s1!.id);
    expect((await crm.tasks.completeStage(s2!.id)).status).toBe('done');
    await rejects(crm.tasks.completeStage(s2!.id), 'VALIDATION', 'already done');
  });

  it('completing a stage leaves its task open', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }] });
    const [s1] = await crm.tasks.stages(t.id);
    const done = await crm.tasks.completeStage(s1!.id, { doneAt: '2026-03-04T10:00:00Z' });
    expect(done.doneAt?.toISOString()).toBe('2026-03-04T10:00:00.000Z');
    expect((await crm.tasks.get(t.id)).status).toBe('open');
  });

  it('closing a task closes its last open stage', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }] });
    const [s1] = await crm.tasks.stages(t.id);
    await crm.tasks.completeStage(s1!.id);
    const done = await crm.tasks.complete(t.id, { doneAt: '2026-03-06T15:00:00Z' });
    const stages = await crm.tasks.stages(t.id);
    expect(stages.map((s) => s.status)).toEqual(['done', 'done']);
    expect(stages[1]!.doneAt?.toISOString()).toBe(done.doneAt?.toISOString());
  });

  it('refuses closing a task with more than one open stage', async () => {
    const { crm, store } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }] });
    const before = await snapshot(store);
    await rejects(crm.tasks.complete(t.id), 'VALIDATION', 'task.status', '2 open stages', '"one"');
    expect(await snapshot(store)).toEqual(before);
    // Cancelling is allowed: nothing is claimed to be done.
    expect((await crm.tasks.cancel(t.id)).status).toBe('cancelled');
  });

  it('a closed task accepts no new stage and no stage completion', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x', stages: [{ subject: 'one' }, { subject: 'two' }] });
    const [s1] = await crm.tasks.stages(t.id);
    await crm.tasks.cancel(t.id);
    await rejects(crm.tasks.addStage(t.id, { subject: 'three' }), 'VALIDATION', 'accepts no new stage');
    await rejects(crm.tasks.completeStage(s1!.id), 'VALIDATION', 'cancelled');
    const done = await crm.tasks.create({ subject: 'y' });
    await crm.tasks.complete(done.id);
    await rejects(crm.tasks.addStage(done.id, { subject: 'late' }), 'VALIDATION', 'done');
  });
});

describe('subtask tree', () => {
  it('creates subtasks and moves a task under another parent and back to the top', async () => {
    const { crm } = await setup();
    const a = await crm.tasks.create({ subject: 'A' });
    const b = await crm.tasks.create({ subject: 'B', parentId: a.id });
    const c = await crm.tasks.create({ subject: 'C' });
    expect((await crm.tasks.subtasks(a.id)).map((t) => t.id)).toEqual([b.id]);
    await crm.tasks.move(c.id, b.id);
    expect((await crm.tasks.subtasks(b.id)).map((t) => t.id)).toEqual([c.id]);
    expect((await crm.tasks.move(c.id, null)).parentId).toBeNull();
  });

  it('refuses a move that would make a task its own ancestor', async () => {
    const { crm } = await setup();
    const a = await crm.tasks.create({ subject: 'A' });
    const b = await crm.tasks.create({ subject: 'B', parentId: a.id });
    const c = await crm.tasks.create({ subject: 'C', parentId: b.id });
    await rejects(crm.tasks.move(a.id, c.id), 'VALIDATION', 'task.parentId', 'own ancestor', c.id);
    await rejects(crm.tasks.move(a.id, a.id), 'VALIDATION', 'own ancestor');
    expect((await crm.tasks.get(a.id)).parentId).toBeNull();
  });

  it('refuses a closed parent on create and on move', async () => {
    const { crm } = await setup();
    const parent = await crm.tasks.create({ subject: 'P' });
    await crm.tasks.complete(parent.id);
    await rejects(crm.tasks.create({ subject: 'child', parentId: parent.id }), 'VALIDATION', 'task.parentId', 'done');
    const loose = await crm.tasks.create({ subject: 'loose' });
    await rejects(crm.tasks.move(loose.id, parent.id), 'VALIDATION', 'task.parentId', 'done');
  });

  it('refuses a move under an unknown parent', async () => {
    const { crm } = await setup();
    const a = await crm.tasks.create({ subject: 'A' });
    await rejects(crm.tasks.move(a.id, 'missing'), 'NOT_FOUND', '"missing"');
  });
});

describe('audit', () => {
  it('records status, owner, due date and stage changes with actor, from and to', async () => {
    const { crm, admin, root } = await setup();
    const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    const t = await crm.tasks.create({ subject: 'x', dueAt: '2026-04-01T00:00:00Z', stages: [{ subject: 'one' }] });
    await crm.tasks.assign(t.id, ewa.id);
    await root.as(ewa.id).tasks.update(t.id, { dueAt: '2026-04-10T00:00:00Z' });
    await crm.tasks.start(t.id);
    await crm.tasks.complete(t.id);
    const trail = await crm.tasks.auditTrail(t.id);
    const rows = trail.map((a) => [a.entityType, a.field, a.from, a.to, a.actorId]);
    const stageId = (await crm.tasks.stages(t.id))[0]!.id;
    expect(rows).toEqual([
      ['task', 'stage', null, { stageId, position: 1, subject: 'one', status: 'open' }, admin.id],
      ['task', 'ownerId', admin.id, ewa.id, admin.id],
      ['task', 'dueAt', '2026-04-01T00:00:00.000Z', '2026-04-10T00:00:00.000Z', ewa.id],
      ['task', 'status', 'open', 'in_progress', admin.id],
      ['stage', 'status', 'open', 'done', admin.id],
      ['task', 'stage', { stageId, status: 'open' }, { stageId, position: 1, status: 'done' }, admin.id],
      ['task', 'status', 'in_progress', 'done', admin.id],
    ]);
    expect(trail.every((a: AuditEntry) => a.at instanceof Date)).toBe(true);
  });

  it('does not audit fields that did not change', async () => {
    const { crm, admin } = await setup();
    const t = await crm.tasks.create({ subject: 'x', dueAt: '2026-04-01T00:00:00Z' });
    await crm.tasks.update(t.id, { ownerId: admin.id, dueAt: '2026-04-01T00:00:00Z', subject: 'y' });
    expect(await crm.tasks.auditTrail(t.id)).toEqual([]);
  });
});

describe('optimistic concurrency', () => {
  it('a stale expectedVersion is a CONFLICT and leaves the task unchanged', async () => {
    const { crm, store } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    await crm.tasks.update(t.id, { subject: 'y' }, { expectedVersion: 1 });
    const before = await snapshot(store);
    await rejects(crm.tasks.update(t.id, { subject: 'z' }, { expectedVersion: 1 }), 'CONFLICT', t.id, 'version 2');
    await rejects(crm.tasks.complete(t.id, { expectedVersion: 1 }), 'CONFLICT', t.id);
    expect(await snapshot(store)).toEqual(before);
  });

  it('of two concurrent updates from the same version exactly one wins', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    const results = await Promise.allSettled([
      crm.tasks.update(t.id, { subject: 'first' }, { expectedVersion: t.version }),
      crm.tasks.update(t.id, { subject: 'second' }, { expectedVersion: t.version }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason.code).toBe('CONFLICT');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Task>).value;
    expect((await crm.tasks.get(t.id)).subject).toBe(winner.subject);
  });

  it('concurrent updates of different fields without expectedVersion all land', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    await Promise.all([
      crm.tasks.update(t.id, { subject: 'new subject' }),
      crm.tasks.update(t.id, { priority: 'high' }),
      crm.tasks.update(t.id, { description: 'details' }),
      crm.tasks.update(t.id, { private: true }),
    ]);
    const now = await crm.tasks.get(t.id);
    expect(now).toMatchObject({ subject: 'new subject', priority: 'high', description: 'details', private: true, version: 5 });
  });
});
