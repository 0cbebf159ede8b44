/**
 * What an operator's CRM delivers on `events$`, and that an operator's CRM cannot turn into one
 * with more rights (`as(null)`, `as(otherId)`) unless they are an administrator.
 */
import { describe, expect, it } from 'vitest';
import { firstValueFrom, type Subscription } from 'rxjs';
import type { DomainEvent } from '@rapport/core';
import { rejects, team } from './setup.js';

const SECRET = 'Poufne';

/** Anna, Bartek and Celina, salespeople of one group: they see each other's open tasks, not private ones. */
async function office() {
  const t = await team();
  const { root, anna, bartek } = t;
  const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
  const sales = await root.groups.create({ name: 'Sprzedaż' });
  for (const op of [anna, bartek, celina]) {
    await root.roles.grant(op.id, 'salesperson');
    await root.groups.addMember(sales.id, op.id);
  }
  return { ...t, celina, asAnna: root.as(anna.id), asBartek: root.as(bartek.id), asCelina: root.as(celina.id) };
}

/** Collects what an observable delivers until `stop()`; waits for the deliveries in flight first. */
function collect(source: { events$: import('rxjs').Observable<DomainEvent> }) {
  const got: DomainEvent[] = [];
  const sub: Subscription = source.events$.subscribe((e) => got.push(e));
  return {
    got,
    async stop() {
      await new Promise((r) => setTimeout(r, 50));
      sub.unsubscribe();
      return got;
    },
  };
}

const about = (events: DomainEvent[], id: string) => events.filter((e) => JSON.stringify(e).includes(id));

describe('access: events$ of an operator', () => {
  it('carries the events of records the operator may see, never those of another’s private task', async () => {
    const o = await office();
    const bartek = collect(o.asBartek);
    const anna = collect(o.asAnna);
    const host = collect(o.root);
    const open = await o.asAnna.tasks.create({ subject: 'Telefon do Zefira' });
    const secret = await o.asAnna.tasks.create({ subject: `${SECRET} negocjacje`, private: true });
    await o.asAnna.tasks.addStage(secret.id, { subject: `${SECRET} etap` });
    await o.asAnna.tasks.addNote(secret.id, `${SECRET} notatka`);
    await o.asAnna.tasks.update(secret.id, { description: `${SECRET} opis` });
    await o.asAnna.tasks.addNote(open.id, 'notatka jawna');
    const seen = await bartek.stop();
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    expect(about(seen, secret.id)).toEqual([]);
    expect(about(seen, open.id).map((e) => e.type)).toEqual(['task.created', 'entry.added']);
    expect(about(await anna.stop(), secret.id).length).toBeGreaterThanOrEqual(4);
    expect(about(await host.stop(), secret.id).length).toBeGreaterThanOrEqual(4);
  });

  it('a delegate of a subtask gets its events, never its parent’s', async () => {
    const o = await office();
    const parent = await o.asAnna.tasks.create({ subject: `${SECRET} główne`, private: true });
    const sub = await o.asAnna.tasks.create({ subject: 'Podzadanie', parentId: parent.id, private: true });
    const celina = collect(o.asCelina);
    await o.asAnna.tasks.delegate(sub.id, o.celina.id, { revealParent: false });
    await o.asAnna.tasks.addNote(parent.id, `${SECRET} notatka rodzica`);
    await o.asAnna.tasks.update(parent.id, { description: `${SECRET} opis rodzica` });
    await o.asCelina.tasks.addNote(sub.id, 'moja notatka');
    const seen = await celina.stop();
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    expect(seen.filter((e) => e.type.startsWith('task.') && (e as { task?: { id: string } }).task?.id === parent.id)).toEqual([]);
    expect(about(seen, sub.id).length).toBeGreaterThan(0);
  });

  it('notifications reach their operator only', async () => {
    const o = await office();
    const bartek = collect(o.asBartek);
    await o.root.notifications.deliver({ operatorId: o.anna.id, kind: 'test', title: `${SECRET} dla Anny` });
    await o.root.notifications.deliver({ operatorId: o.bartek.id, kind: 'test', title: 'dla Bartka' });
    const seen = await bartek.stop();
    expect(seen.map((e) => e.type)).toEqual(['notification.created']);
    expect(JSON.stringify(seen)).not.toContain(SECRET);
  });
});

describe('access: no escalation through crm.as', () => {
  it('an operator’s CRM may not act as the host or as another operator', async () => {
    const o = await office();
    const secret = await o.asAnna.tasks.create({ subject: `${SECRET} negocjacje`, private: true });
    await rejects(o.asBartek.as(null).tasks.get(secret.id), 'FORBIDDEN');
    await rejects(o.asBartek.as(null).store.find('tasks', { limit: 10 }), 'FORBIDDEN');
    await rejects(o.asBartek.as(null).store.count('audit'), 'FORBIDDEN');
    await rejects(o.asBartek.as(o.anna.id).tasks.get(secret.id), 'FORBIDDEN');
    await rejects(o.asBartek.as(o.anna.id).tasks.create({ subject: 'w jej imieniu' }), 'FORBIDDEN');
    await rejects(o.asBartek.as(o.anna.id).as(null).tasks.list(), 'FORBIDDEN');
    await rejects(firstValueFrom(o.asBartek.as(null).events$), 'FORBIDDEN');
    // Modules that read beneath the rules after their own check (the host passes every check).
    await rejects(o.asBartek.as(null).rules.list(), 'FORBIDDEN');
    await rejects(o.asBartek.as(null).access.upgrade(), 'FORBIDDEN');
    // Nor does it report or check the host's permissions as if they were the operator's.
    await rejects(o.asBartek.as(null).access.effective(), 'FORBIDDEN', 'may not act as the trusted host');
    await rejects(o.asBartek.as(null).access.can('tasks', 'delete'), 'FORBIDDEN');
    // Acting as oneself again is no escalation.
    expect((await o.asAnna.as(o.anna.id).tasks.get(secret.id)).id).toBe(secret.id);
    // A manager is not an administrator either.
    await rejects(o.crm.as(null).tasks.list(), 'FORBIDDEN');
  });

  it('an administrator may act as anyone, and the host may', async () => {
    const o = await office();
    const secret = await o.asAnna.tasks.create({ subject: `${SECRET} negocjacje`, private: true });
    await o.root.roles.grant(o.admin.id, 'administrator');
    const asAdmin = o.root.as(o.admin.id);
    await rejects(asAdmin.tasks.get(secret.id), 'NOT_FOUND');
    expect((await asAdmin.as(o.anna.id).tasks.get(secret.id)).id).toBe(secret.id);
    expect((await asAdmin.as(null).store.count('audit')) > 0).toBe(true);
    expect(await asAdmin.as(null).access.effective()).toMatchObject({ host: true, operatorId: null, administrator: true });
    expect(await asAdmin.access.effective()).toMatchObject({ host: false, operatorId: o.admin.id });
    expect((await o.root.as(o.anna.id).tasks.get(secret.id)).id).toBe(secret.id);
  });
});
