import { describe, expect, it } from 'vitest';
import type { AuditEntry, Task, TimelineItem } from '@rapport/core';
import { rejects, team } from './setup.js';

/** A team with groups: anna and celina in "north", bartek alone; anna and bartek salespeople. */
async function sales() {
  const t = await team();
  const celina = await t.root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
  const north = await t.root.groups.create({ name: 'north' });
  await t.root.groups.addMember(north.id, t.anna.id);
  await t.root.groups.addMember(north.id, celina.id);
  for (const op of [t.anna, t.bartek, celina]) await t.root.roles.grant(op.id, 'salesperson');
  await t.root.roles.grant(t.admin.id, 'administrator');
  const partner = await t.root.partners.create({ code: 'ZEFIR', name: 'Zefir' });
  return { ...t, celina, north, partner, asAnna: t.root.as(t.anna.id), asBartek: t.root.as(t.bartek.id), asCelina: t.root.as(celina.id) };
}

const numbers = (tasks: Task[]) => tasks.map((t) => t.subject).sort();

describe('access: roles and scopes', () => {
  it('a salesperson lists their own and their groups’ tasks, with exact counts and full pages', async () => {
    const { root, anna, bartek, celina, asAnna, asBartek } = await sales();
    for (let i = 0; i < 3; i++) await root.tasks.create({ subject: `anna ${i}`, ownerId: anna.id });
    for (let i = 0; i < 3; i++) await root.tasks.create({ subject: `bartek ${i}`, ownerId: bartek.id });
    await root.tasks.create({ subject: 'celina 0', ownerId: celina.id });
    expect(numbers((await asAnna.tasks.list()).items)).toEqual(['anna 0', 'anna 1', 'anna 2', 'celina 0']);
    expect(numbers((await asBartek.tasks.list()).items)).toEqual(['bartek 0', 'bartek 1', 'bartek 2']);
    expect(await asAnna.store.count('tasks')).toBe(4);
    // Pages of two: full pages, and the cursor carries on inside the rule.
    const first = await asAnna.tasks.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await asAnna.tasks.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(2);
    expect(numbers([...first.items, ...second.items])).toEqual(['anna 0', 'anna 1', 'anna 2', 'celina 0']);
    const rows = await asAnna.store.aggregate('tasks', { groupBy: ['ownerId'], measures: { n: { fn: 'count' } } });
    expect(rows.map((r) => [r.group.ownerId, r.values.n]).sort()).toEqual([
      [anna.id, 3],
      [celina.id, 1],
    ]);
  });

  it('a task out of reach is NOT_FOUND to read and to write, and a visible one not theirs is FORBIDDEN to assign', async () => {
    const { root, anna, bartek, celina, asAnna } = await sales();
    const other = await root.tasks.create({ subject: 'bartek', ownerId: bartek.id });
    await rejects(asAnna.tasks.get(other.id), 'NOT_FOUND', other.id);
    await rejects(asAnna.tasks.update(other.id, { subject: 'mine' }), 'NOT_FOUND');
    await rejects(asAnna.tasks.stages(other.id), 'NOT_FOUND');
    const group = await root.tasks.create({ subject: 'celina', ownerId: celina.id });
    // salesperson: tasks.update group, tasks.assign own.
    expect((await asAnna.tasks.update(group.id, { subject: 'celina (seen by anna)' })).subject).toBe('celina (seen by anna)');
    await rejects(
      asAnna.tasks.assign(group.id, anna.id),
      'FORBIDDEN',
      'operator anna@firma.pl may not assign tasks',
      group.number,
      'role salesperson grants tasks.assign scope own',
    );
    expect((await root.tasks.get(group.id)).ownerId).toBe(celina.id);
  });

  it('roles add up: the widest scope of any role counts', async () => {
    const { root, anna, asAnna } = await sales();
    const auditor = await root.roles.create({ name: 'auditor', permissions: { tasks: { read: 'all' } } });
    await root.roles.grant(anna.id, auditor.id);
    const effective = await asAnna.access.effective();
    expect(effective.roles.sort()).toEqual(['auditor', 'salesperson']);
    expect(effective.permissions.tasks).toMatchObject({ read: 'all', update: 'group', assign: 'own' });
    expect(effective.groups.map((g) => g.name)).toEqual(['north']);
    expect(await asAnna.access.can('tasks', 'delete')).toBe(true);
    expect(await asAnna.access.can('campaigns', 'update')).toBe(false);
  });

  it('an operator without any role acts with the default role (manager): everything but access administration', async () => {
    const { root, anna } = await team();
    const crm = root.as(anna.id);
    expect((await crm.access.effective()).roles).toEqual(['manager']);
    await rejects(crm.roles.grant(anna.id, 'administrator'), 'FORBIDDEN', 'only the administrator role');
    await rejects(crm.groups.create({ name: 'x' }), 'FORBIDDEN');
  });

  it('changes of roles and group members are audited and take effect at once', async () => {
    const { root, store, bartek, north, asBartek } = await sales();
    const task = await root.tasks.create({ subject: 'north', ownerId: (await root.groups.members(north.id))[0]! });
    await rejects(asBartek.tasks.get(task.id), 'NOT_FOUND');
    await root.groups.addMember(north.id, bartek.id);
    expect((await asBartek.tasks.get(task.id)).id).toBe(task.id);
    await root.groups.removeMember(north.id, bartek.id);
    await rejects(asBartek.tasks.get(task.id), 'NOT_FOUND');
    const audit = (await store.find<AuditEntry>('audit', { limit: 1000 })).items;
    expect(audit.filter((a) => a.entityType === 'group' && a.field === 'members').map((a) => [a.from, a.to])).toContainEqual([null, bartek.id]);
    expect(audit.filter((a) => a.entityType === 'group' && a.field === 'members').map((a) => [a.from, a.to])).toContainEqual([bartek.id, null]);
    expect(audit.some((a) => a.entityType === 'operator' && a.field === 'roles' && a.to === 'salesperson')).toBe(true);
  });

  it('legacy groups strings of operators become group records', async () => {
    const { root } = await team();
    const op = await root.operators.create({ name: 'Dorota', email: 'dorota@firma.pl', groups: ['serwis'] });
    expect((await root.groups.groupsOf(op.id)).map((g) => g.name)).toEqual(['serwis']);
    expect(await root.groups.upgradeLegacy()).toBe(0);
  });
});

describe('access: private tasks, shares, registers', () => {
  it('a private task is its owner’s, creator’s, stage owners’ and sharees’ only — not an administrator’s — and the host sees it', async () => {
    const { root, admin, anna, bartek, celina, asAnna, asBartek, asCelina } = await sales();
    const asAdmin = root.as(admin.id);
    const secret = await asAnna.tasks.create({ subject: 'secret', private: true, stages: [{ subject: 'call', ownerId: bartek.id }] });
    expect((await asAnna.tasks.get(secret.id)).id).toBe(secret.id);
    expect((await asBartek.tasks.get(secret.id)).id).toBe(secret.id);
    // Celina is in anna's group, the administrator sees everything else: neither sees this.
    await rejects(asCelina.tasks.get(secret.id), 'NOT_FOUND');
    await rejects(asAdmin.tasks.get(secret.id), 'NOT_FOUND');
    expect((await asAdmin.tasks.list()).items.map((t) => t.id)).not.toContain(secret.id);
    expect(await asAdmin.store.count('tasks', undefined)).toBe(0);
    expect((await root.tasks.get(secret.id)).id).toBe(secret.id);
    await asAnna.shares.share({ kind: 'tasks', id: secret.id }, { operatorId: celina.id }, 'read');
    expect((await asCelina.tasks.get(secret.id)).id).toBe(secret.id);
    // A read share is not an edit share.
    await rejects(asCelina.tasks.update(secret.id, { subject: 'x' }), 'FORBIDDEN', 'update tasks');
    expect((await asAnna.shares.list({ kind: 'tasks', id: secret.id })).map((s) => s.principal)).toEqual([`o:${celina.id}`]);
    await asAnna.shares.unshare({ kind: 'tasks', id: secret.id }, { operatorId: celina.id });
    await rejects(asCelina.tasks.get(secret.id), 'NOT_FOUND');
    void anna;
  });

  it('a share with a group opens a record to its members for edit', async () => {
    const { root, bartek, north, asAnna, asBartek } = await sales();
    const task = await root.tasks.create({ subject: 'bartek', ownerId: bartek.id });
    await asBartek.shares.share({ kind: 'tasks', id: task.id }, { groupId: north.id }, 'edit');
    expect((await asAnna.tasks.update(task.id, { subject: 'edited by anna' })).subject).toBe('edited by anna');
  });

  it('a restricted register’s tasks are its groups’ and operators’ only (and administrators’)', async () => {
    const { root, admin, anna, bartek, north, asAnna, asBartek } = await sales();
    const complaints = await root.registers.create({ code: 'REK', name: 'Complaints' });
    await root.registers.update(complaints.id, { restrictedTo: { groups: [north.id], operators: [] } });
    await root.roles.grant(bartek.id, 'manager');
    const task = await root.tasks.create({ subject: 'complaint', registerId: complaints.id, ownerId: null });
    expect((await asAnna.tasks.list({ registerId: complaints.id })).items).toHaveLength(0); // group scope: owner none of theirs
    await root.tasks.update(task.id, { ownerId: anna.id });
    expect((await asAnna.tasks.list({ registerId: complaints.id })).items).toHaveLength(1);
    // Bartek the manager reads all tasks, but not in a register closed to him.
    await rejects(asBartek.tasks.get(task.id), 'NOT_FOUND');
    expect((await root.as(admin.id).tasks.get(task.id)).id).toBe(task.id);
  });
});

describe('access: history', () => {
  it('a partner history page leaves out items of tasks out of reach, pages stay full and cursors carry on', async () => {
    const { root, bartek, partner, asAnna } = await sales();
    const mine = [];
    for (let i = 0; i < 4; i++) {
      mine.push(await asAnna.tasks.create({ subject: `anna ${i}`, partnerId: partner.id }));
      await root.tasks.create({ subject: `hidden ${i}`, partnerId: partner.id, ownerId: bartek.id });
    }
    const first = await asAnna.history.forPartner(partner.id, { limit: 3 });
    expect(first.items).toHaveLength(3);
    const rest = await asAnna.history.forPartner(partner.id, { limit: 3, before: first.nextCursor! });
    const items: TimelineItem[] = [...first.items, ...rest.items];
    expect(items.map((i) => i.title).filter((t) => t.includes('hidden'))).toEqual([]);
    expect(items.filter((i) => i.kind === 'task.created')).toHaveLength(4);
    // Handing a hidden task to anna re-labels its history: it shows at once.
    const hidden = (await root.tasks.list({ ownerId: bartek.id })).items[0]!;
    await root.tasks.assign(hidden.id, (await asAnna.access.effective()).operatorId);
    const after = await asAnna.history.forPartner(partner.id, { limit: 50 });
    expect(
      after.items
        .filter((i) => i.subjectId === hidden.id)
        .map((i) => i.kind)
        .sort(),
    ).toEqual(['task.assigned', 'task.created']);
  });
});

describe('access: substitutions', () => {
  it('a deputy sees the absent operator’s own tasks during the substitution only', async () => {
    const { root, clock, anna, bartek, asBartek } = await sales();
    const task = await root.tasks.create({ subject: 'anna', ownerId: anna.id });
    await root.operators.substitute(anna.id, bartek.id, { from: '2026-03-09T00:00:00Z', until: '2026-03-14T00:00:00Z' });
    await rejects(asBartek.tasks.get(task.id), 'NOT_FOUND');
    clock.at('2026-03-09T00:00:00Z');
    expect((await asBartek.tasks.get(task.id)).id).toBe(task.id);
    expect((await asBartek.access.effective()).actingFor).toEqual([anna.id]);
    clock.at('2026-03-14T00:00:00Z');
    await rejects(asBartek.tasks.get(task.id), 'NOT_FOUND');
  });
});

describe('access: stages and entries go through their task', () => {
  it('adding or completing a stage or a note needs tasks.update on the task', async () => {
    const { root, bartek, anna } = await sales();
    const reader = await root.operators.create({ name: 'Reader', email: 'reader@firma.pl' });
    await root.roles.grant(reader.id, 'read-only');
    const asReader = root.as(reader.id);
    const task = await root.tasks.create({ subject: 'work', ownerId: bartek.id, stages: [{ subject: 'first' }] });
    const [stage] = await root.tasks.stages(task.id);
    await rejects(
      asReader.tasks.addStage(task.id, { subject: 'second' }),
      'FORBIDDEN',
      'may not update tasks',
      'role read-only grants tasks.update scope none',
    );
    await rejects(asReader.tasks.completeStage(stage!.id), 'FORBIDDEN', 'may not update tasks');
    await rejects(asReader.tasks.addNote(task.id, 'hello'), 'FORBIDDEN', 'may not update tasks');
    await rejects(root.as(anna.id).tasks.addStage(task.id, { subject: 'x' }), 'NOT_FOUND');
    expect(await root.tasks.stages(task.id)).toHaveLength(1);
    expect((await root.tasks.entries(task.id)).items).toHaveLength(0);
  });
});
