import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '@rapport/core';
import { rejects, setup } from './setup.js';

async function team() {
  const s = await setup();
  const ewa = await s.root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl', groups: ['sales'] });
  const piotr = await s.root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl', groups: ['sales'] });
  const ola = await s.root.operators.create({ name: 'Ola', email: 'ola@firma.pl', groups: ['service'] });
  return { ...s, ewa, piotr, ola, asEwa: s.root.as(ewa.id), asPiotr: s.root.as(piotr.id), asOla: s.root.as(ola.id) };
}

const subjects = (page: { items: Array<{ subject: string }> }) => page.items.map((t) => t.subject).sort();

describe('task inbox', () => {
  it('"for me" lists tasks I own and tasks whose open stage I own; "from me" those I created or handed over', async () => {
    const { asEwa, asPiotr, piotr, ewa } = await team();
    await asEwa.tasks.create({ subject: 'my own' });
    await asEwa.tasks.create({ subject: 'for piotr', ownerId: piotr.id });
    await asPiotr.tasks.create({ subject: 'piotr with ewa stage', stages: [{ subject: 'check', ownerId: ewa.id }] });
    const handed = await asPiotr.tasks.create({ subject: 'handed by ewa' });
    await asEwa.tasks.assign(handed.id, piotr.id); // to its current owner: nothing handed over
    const mine = await asPiotr.tasks.create({ subject: 'piotr gives to ewa', ownerId: piotr.id });
    await asEwa.tasks.assign(mine.id, ewa.id);
    const back = await asPiotr.tasks.create({ subject: 'ewa hands back', ownerId: ewa.id });
    await asEwa.tasks.assign(back.id, piotr.id);

    expect(subjects(await asEwa.inbox.forMe())).toEqual(['my own', 'piotr gives to ewa', 'piotr with ewa stage']);
    expect(subjects(await asEwa.inbox.fromMe())).toEqual(['ewa hands back', 'for piotr']);
  });

  it('"for me" leaves out closed tasks unless asked', async () => {
    const { asEwa } = await team();
    const t = await asEwa.tasks.create({ subject: 'done already' });
    await asEwa.tasks.complete(t.id);
    expect(subjects(await asEwa.inbox.forMe())).toEqual([]);
    expect(subjects(await asEwa.inbox.forMe({ status: ['done'] }))).toEqual(['done already']);
  });

  it('records an answer by the assignee, a comment by another and a completion as responses for the issuer, with an event', async () => {
    const { asEwa, asPiotr, asOla, piotr, ola, events } = await team();
    const seen: DomainEvent[] = [];
    asEwa.events$.subscribe((e) => seen.push(e));
    const t = await asEwa.tasks.create({ subject: 'Oferta dla Zefir', ownerId: piotr.id });
    await asEwa.tasks.addNote(t.id, 'my own note is no response');
    await asPiotr.tasks.addNote(t.id, 'Wysłałem ofertę');
    await asOla.tasks.addNote(t.id, 'Klient dzwonił');
    await asPiotr.tasks.complete(t.id);
    const r = await asEwa.inbox.responses();
    expect(r.items.map((x) => [x.kind, x.responderId, x.summary])).toEqual([
      ['completed', piotr.id, `${t.number} Oferta dla Zefir`],
      ['comment', ola.id, 'Klient dzwonił'],
      ['answer', piotr.id, 'Wysłałem ofertę'],
    ]);
    expect(r.newCount).toBe(3);
    expect(seen.filter((e) => e.type === 'task.responded')).toHaveLength(3);
    expect(events.length).toBeGreaterThan(0);
    expect((await asPiotr.inbox.responses()).items).toEqual([]);
    const notes = await asEwa.notifications.list();
    expect(notes.items.filter((n) => n.kind === 'task.responded').map((n) => n.body)).toEqual([
      `${t.number} Oferta dla Zefir`,
      'Klient dzwonił',
      'Wysłałem ofertę',
    ]);
  });

  it('counts only what changed since the box was marked seen', async () => {
    const { asEwa, asPiotr, piotr } = await team();
    const a = await asEwa.tasks.create({ subject: 'a', ownerId: piotr.id });
    await asPiotr.tasks.addNote(a.id, 'first');
    await asEwa.inbox.markSeen('responses');
    await asPiotr.inbox.markSeen('for_me');
    expect((await asEwa.inbox.responses()).newCount).toBe(0);
    await asPiotr.tasks.addNote(a.id, 'second');
    await asEwa.tasks.create({ subject: 'b', ownerId: piotr.id });
    const fresh = await asEwa.inbox.responses({ onlyNew: true });
    expect(fresh.items.map((x) => x.summary)).toEqual(['second']);
    expect(fresh.seenAt).toBeInstanceOf(Date);
    const forPiotr = await asPiotr.inbox.forMe({ onlyNew: true });
    expect(subjects(forPiotr)).toEqual(['a', 'b']); // a changed (the note), b is new
    await asPiotr.inbox.markSeen('for_me');
    expect((await asPiotr.inbox.forMe()).newCount).toBe(0);
  });

  it('needs an acting operator and a known box', async () => {
    const { root, asEwa } = await team();
    await rejects(root.inbox.forMe(), 'VALIDATION', 'crm.as');
    await rejects(asEwa.inbox.markSeen('spam' as never), 'VALIDATION', 'inbox.box', 'spam');
  });
});

describe('launching one task to many', () => {
  it('gives each recipient (operators and group members) a linked task of their own, and the origin shows who responded and completed', async () => {
    const { asEwa, asPiotr, asOla, ewa, piotr, ola } = await team();
    const { origin, tasks } = await asEwa.tasks.launch(
      { subject: 'Inwentaryzacja', dueAt: '2026-03-20T12:00:00Z' },
      { to: { operators: [ola.id], groups: ['sales'] } },
    );
    expect(origin.ownerId).toBe(ewa.id);
    expect(tasks.map((t) => t.ownerId).sort()).toEqual([ewa.id, piotr.id, ola.id].sort());
    expect(tasks.every((t) => t.parentId === origin.id && t.subject === 'Inwentaryzacja')).toBe(true);
    const piotrs = tasks.find((t) => t.ownerId === piotr.id)!;
    const olas = tasks.find((t) => t.ownerId === ola.id)!;
    await asPiotr.tasks.addNote(piotrs.id, 'policzone');
    await asOla.tasks.complete(olas.id);
    const status = await asEwa.tasks.launchStatus(origin.id);
    expect(status.responded).toBe(2);
    expect(status.completed).toBe(1);
    expect(status.recipients.find((r) => r.operatorId === ola.id)).toMatchObject({ taskId: olas.id, status: 'done', responses: 1 });
    expect(status.recipients.find((r) => r.operatorId === ewa.id)).toMatchObject({ status: 'open', responses: 0 });
    expect(subjects(await asPiotr.inbox.forMe())).toEqual(['Inwentaryzacja']);
  });

  it('refuses a launch to nobody or to an unknown operator, and writes nothing', async () => {
    const { asEwa, store } = await team();
    await rejects(asEwa.tasks.launch({ subject: 'x' }, { to: { groups: ['nobody'] } }), 'VALIDATION', 'launch.to');
    await rejects(asEwa.tasks.launch({ subject: 'x' }, { to: { operators: ['01NOPE'] } }), 'NOT_FOUND', 'task.ownerId');
    expect(await store.count('tasks')).toBe(0);
    expect(await store.count('task_launches')).toBe(0);
  });
});
