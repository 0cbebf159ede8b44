import { describe, expect, it } from 'vitest';
import { HAND_OVER_KINDS, type AuditEntry, type Campaign, type Offer, type Opportunity, type Partner, type Stage, type Task } from '@rapport/core';
import { all, rejects, team } from './setup.js';

/** Anna owns some of everything: open and closed tasks, stages, partners, an opportunity, an offer, a campaign. */
async function annasBook() {
  const t = await team();
  const { crm, anna, bartek } = t;
  const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', ownerId: anna.id });
  const orzel = await crm.partners.create({ code: 'ORZEL', name: 'Orzeł', ownerId: bartek.id });
  const open = await crm.tasks.create({
    subject: 'Oferta dla Zefira',
    partnerId: zefir.id,
    ownerId: anna.id,
    stages: [{ subject: 'Telefon' }, { subject: 'Spotkanie' }],
  });
  const started = await crm.tasks.start((await crm.tasks.create({ subject: 'Wdrożenie', ownerId: anna.id })).id);
  const done = await crm.tasks.complete((await crm.tasks.create({ subject: 'Stara sprawa', ownerId: anna.id })).id);
  const bartekTask = await crm.tasks.create({ subject: 'Sprawa Bartka', ownerId: bartek.id, stages: [{ subject: 'Etap Anny', ownerId: anna.id }] });
  const opp = await crm.opportunities.create({ partnerId: zefir.id, ownerId: anna.id, amount: 100_000, currency: 'PLN' });
  const offer = await crm.offers.create({
    partnerId: zefir.id,
    ownerId: anna.id,
    currency: 'PLN',
    lines: [{ item: 'Licencja', quantity: 1, unitPrice: 5000, vatRate: 23 }],
  });
  const campaign = await crm.campaigns.create({ code: 'WIOSNA', name: 'Wiosna', ownerId: anna.id });
  return { ...t, zefir, orzel, open, started, done, bartekTask, opp, offer, campaign };
}

const ownedBy = async <T extends { ownerId: string | null }>(store: Parameters<typeof all>[0], collection: string, ownerId: string) =>
  (await all<T & { id: string }>(store, collection)).filter((r) => r.ownerId === ownerId);

describe('operators.handOver', () => {
  it('moves everything the operator owns to the other one and counts it per kind', async () => {
    const { crm, store, anna, bartek } = await annasBook();
    const counts = await crm.operators.handOver(anna.id, bartek.id);
    // 3 tasks; 2 stages of the open task (they default to its owner) + 1 stage of Bartek's task; 1 partner.
    expect(counts).toEqual({ tasks: 3, stages: 3, partners: 1, opportunities: 1, offers: 1, campaigns: 1 });
    for (const kind of HAND_OVER_KINDS) expect(await ownedBy(store, kind, anna.id), kind).toEqual([]);
    expect((await ownedBy<Partner>(store, 'partners', bartek.id)).map((p) => p.code).sort()).toEqual(['ORZEL', 'ZEFIR']);
  });

  it('with openOnly leaves closed work with its owner and moves partners (which have no status)', async () => {
    const { crm, store, anna, bartek, done, started } = await annasBook();
    const counts = await crm.operators.handOver(anna.id, bartek.id, { openOnly: true });
    expect(counts.tasks).toBe(2);
    expect(counts.partners).toBe(1);
    expect((await ownedBy<Task>(store, 'tasks', anna.id)).map((x) => x.id)).toEqual([done.id]);
    expect((await crm.tasks.get(started.id)).ownerId).toBe(bartek.id);
  });

  it('moves only the kinds asked for', async () => {
    const { crm, store, anna, bartek } = await annasBook();
    const counts = await crm.operators.handOver(anna.id, bartek.id, { kinds: ['partners', 'opportunities'] });
    expect(counts).toEqual({ tasks: 0, stages: 0, partners: 1, opportunities: 1, offers: 0, campaigns: 0 });
    expect(await ownedBy<Task>(store, 'tasks', anna.id)).toHaveLength(3);
    expect(await ownedBy<Stage>(store, 'stages', anna.id)).toHaveLength(3);
    expect(await ownedBy<Offer>(store, 'offers', anna.id)).toHaveLength(1);
    expect(await ownedBy<Campaign>(store, 'campaigns', anna.id)).toHaveLength(1);
    expect(await ownedBy<Opportunity>(store, 'opportunities', bartek.id)).toHaveLength(1);
  });

  it('audits every moved record and the hand-over itself, with who did it', async () => {
    const { crm, store, admin, anna, bartek, zefir, open } = await annasBook();
    const before = (await all<AuditEntry>(store, 'audit')).length;
    await crm.operators.handOver(anna.id, bartek.id);
    const added = (await all<AuditEntry>(store, 'audit')).slice(before);
    const moves = added.filter((a) => a.field === 'ownerId');
    expect(moves).toHaveLength(10);
    expect(moves.every((a) => a.from === anna.id && a.to === bartek.id && a.actorId === admin.id)).toBe(true);
    expect(moves.some((a) => a.entityType === 'partner' && a.entityId === zefir.id)).toBe(true);
    expect(moves.some((a) => a.entityType === 'task' && a.entityId === open.id)).toBe(true);
    const summary = added.find((a) => a.entityType === 'operator' && a.field === 'handOver');
    expect(summary).toMatchObject({ entityId: anna.id, actorId: admin.id, to: { to: bartek.id, openOnly: false, counts: { tasks: 3, partners: 1 } } });
    // The task's history on the partner says it changed hands.
    const page = await crm.history.forPartner(zefir.id, { limit: 50 });
    expect(page.items.some((i) => i.kind === 'task.assigned' && i.subjectId === open.id)).toBe(true);
  });

  it('moves more records than one batch holds, each batch its own transaction', async () => {
    const { crm, store, anna, bartek } = await team();
    const tasks = Array.from({ length: 450 }, (_, i) => ({ subject: `zadanie ${i}`, ownerId: anna.id }));
    for (const input of tasks) await crm.tasks.create(input);
    const counts = await crm.operators.handOver(anna.id, bartek.id, { kinds: ['tasks'] });
    expect(counts.tasks).toBe(450);
    expect(await ownedBy<Task>(store, 'tasks', anna.id)).toEqual([]);
    expect(await ownedBy<Task>(store, 'tasks', bartek.id)).toHaveLength(450);
  }, 120_000);

  it('refuses a hand-over to oneself, to a deactivated operator, of unknown kinds or operators, and changes nothing', async () => {
    const { crm, store, anna, bartek } = await annasBook();
    const before = await all<Task>(store, 'tasks');
    await rejects(crm.operators.handOver(anna.id, anna.id), 'VALIDATION', 'handOver.to', 'anna@firma.pl');
    await rejects(crm.operators.handOver(anna.id, bartek.id, { kinds: ['invoices' as never] }), 'VALIDATION', 'handOver.kinds[0]', 'invoices');
    await rejects(crm.operators.handOver(anna.id, bartek.id, { kinds: [] }), 'VALIDATION', 'handOver.kinds');
    await rejects(crm.operators.handOver(anna.id, 'nobody'), 'NOT_FOUND', 'handOver.to', 'nobody');
    await crm.operators.update(bartek.id, { active: false });
    await rejects(crm.operators.handOver(anna.id, bartek.id), 'VALIDATION', 'deactivated', 'bartek@firma.pl');
    expect(await all<Task>(store, 'tasks')).toEqual(before);
  });

  it('takes over from a deactivated operator (someone who left)', async () => {
    const { crm, anna, bartek, zefir } = await annasBook();
    await crm.operators.update(anna.id, { active: false });
    await crm.operators.handOver(anna.id, bartek.id, { kinds: ['partners'] });
    expect((await crm.partners.get(zefir.id)).ownerId).toBe(bartek.id);
  });
});

describe('operators.handOver under access rules', () => {
  it("moves the operator's private tasks too, and only operators' administrators may hand over", async () => {
    const { root, store, anna, bartek, admin } = await team();
    await root.roles.grant(admin.id, 'manager');
    for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
    const secret = await root.as(anna.id).tasks.create({ subject: 'Poufne', private: true });
    await rejects(root.as(bartek.id).operators.handOver(anna.id, bartek.id), 'FORBIDDEN', 'bartek@firma.pl', 'operators.update');
    expect((await all<Task>(store, 'tasks')).find((t) => t.id === secret.id)?.ownerId).toBe(anna.id);
    // A manager cannot read Anna's private task, and still hands it over with the rest.
    await rejects(root.as(admin.id).tasks.get(secret.id), 'NOT_FOUND');
    const counts = await root.as(admin.id).operators.handOver(anna.id, bartek.id, { kinds: ['tasks'] });
    expect(counts.tasks).toBe(1);
    expect((await root.as(bartek.id).tasks.get(secret.id)).ownerId).toBe(bartek.id);
    // Its history followed: the item of its creation is Bartek's to read now.
    const items = await all<{ taskId?: string; ownerId?: string }>(store, 'timeline');
    expect(items.filter((i) => i.taskId === secret.id).every((i) => i.ownerId === bartek.id)).toBe(true);
  });

  it("the new owner of a stage reaches the stage's task, as when a stage is added", async () => {
    const { root, anna, bartek, admin } = await team();
    const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
    for (const op of [anna, bartek, celina]) await root.roles.grant(op.id, 'salesperson');
    const task = await root.as(celina.id).tasks.create({ subject: 'Sprawa Celiny', stages: [{ subject: 'Etap Anny', ownerId: anna.id }] });
    await root.as(anna.id).tasks.get(task.id);
    await rejects(root.as(bartek.id).tasks.get(task.id), 'NOT_FOUND');
    await root.as(admin.id).operators.handOver(anna.id, bartek.id, { kinds: ['stages'] });
    expect((await root.as(bartek.id).tasks.get(task.id)).subject).toBe('Sprawa Celiny');
  });

  it('takes the old owner’s stage grants and the shares given to them along to the new owner', async () => {
    const { root, anna, bartek, store } = await team();
    const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
    for (const op of [anna, bartek, celina]) await root.roles.grant(op.id, 'salesperson');
    const asBartek = root.as(bartek.id);
    const staged = await asBartek.tasks.create({ subject: 'Poufny przetarg', private: true });
    await asBartek.tasks.addStage(staged.id, { subject: 'Etap Anny', ownerId: anna.id });
    const shared = await asBartek.tasks.create({ subject: 'Poufna reklamacja', private: true });
    await asBartek.shares.share({ kind: 'tasks', id: shared.id }, { operatorId: anna.id }, 'edit');
    for (const id of [staged.id, shared.id]) {
      expect((await root.as(anna.id).tasks.get(id)).id).toBe(id);
      await rejects(root.as(celina.id).tasks.get(id), 'NOT_FOUND');
    }

    await root.operators.handOver(anna.id, celina.id);
    for (const id of [staged.id, shared.id]) {
      await rejects(root.as(anna.id).tasks.get(id), 'NOT_FOUND');
      expect((await root.as(celina.id).tasks.get(id)).id).toBe(id);
    }
    expect(await root.as(celina.id).tasks.update(shared.id, { description: 'przejęta' })).toMatchObject({ description: 'przejęta' });
    const grants = (await all<{ principal: string; recordId: string; source: string }>(store, 'shares')).filter((g) => g.principal === `o:${anna.id}`);
    expect(grants).toEqual([]);
    const audit = await all<AuditEntry>(store, 'audit');
    expect(audit.some((e) => e.entityType === 'share' && e.from === `o:${anna.id}` && e.to === `o:${celina.id}`)).toBe(true);
    expect(audit.some((e) => e.entityType === 'task' && e.entityId === staged.id && e.field === 'stageGrant')).toBe(true);
  });

  it('with openOnly, the old owner keeps the grant of a task while a closed stage of it stays theirs', async () => {
    const { root, anna, bartek, store } = await team();
    for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
    const asBartek = root.as(bartek.id);
    const task = await asBartek.tasks.create({ subject: 'Poufny przetarg', private: true });
    const done = await asBartek.tasks.addStage(task.id, { subject: 'Zrobiony', ownerId: anna.id });
    await asBartek.tasks.addStage(task.id, { subject: 'Otwarty', ownerId: anna.id });
    await root.tasks.completeStage(done.id);
    await root.operators.handOver(anna.id, bartek.id, { openOnly: true });
    expect((await root.as(anna.id).tasks.get(task.id)).id).toBe(task.id);
    expect((await all<{ principal: string }>(store, 'shares')).filter((g) => g.principal === `o:${anna.id}`)).toHaveLength(1);
  });
});
