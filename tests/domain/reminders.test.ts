import { describe, expect, it } from 'vitest';
import { createCrm, createScheduler, type Clock, type Mailer, type MailMessage } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { rejects } from './setup.js';

function manualClock(start: string) {
  let t = new Date(start).getTime();
  const clock: Clock & { set(iso: string): void } = { now: () => new Date(t), set: (iso) => void (t = new Date(iso).getTime()) };
  return clock;
}

async function world() {
  const clock = manualClock('2026-03-01T08:00:00Z');
  const root = createCrm({ store: await testStore(), clock });
  const ewa = await root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl', phone: '+48601220310' });
  const piotr = await root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl' });
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    async send(m) {
      sent.push(m);
      return { messageId: m.messageId!, accepted: [String(m.to)], rejected: [] };
    },
  };
  const sms: Array<{ to: string; text: string }> = [];
  const worker = createScheduler(root, { mailer, sms: { send: async (m) => (sms.push(m), { id: `s${sms.length}` }) } });
  const inbox = async (operatorId: string) => (await root.notifications.list({ operatorId })).items;
  return { clock, root, ewa, piotr, worker, sent, sms, inbox, asEwa: root.as(ewa.id) };
}

describe('task reminders', () => {
  it('reminds the owner in-app a day before the due date, once', async () => {
    const { clock, root, ewa, worker, inbox } = await world();
    const task = await root.tasks.create({ subject: 'Oddzwonić do Zefir', ownerId: ewa.id, dueAt: '2026-03-05T10:00:00Z' });
    await root.reminders.set(task.id, [{ channel: 'inapp', before: { days: 1 } }]);
    expect((await root.scheduler.get(`reminder:${task.id}:0`))?.nextRunAt).toEqual(new Date('2026-03-04T10:00:00Z'));
    clock.set('2026-03-04T09:59:00Z');
    await worker.runOnce();
    expect(await inbox(ewa.id)).toEqual([]);
    clock.set('2026-03-04T10:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    const items = await inbox(ewa.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'reminder', title: `Reminder: ${task.number} Oddzwonić do Zefir`, subjectId: task.id });
  });

  it('applies the owner’s defaults to every new task, however it is created, and to nobody else’s', async () => {
    const { root, ewa, piotr, asEwa } = await world();
    await root.reminders.setDefaults(ewa.id, [{ channel: 'inapp', before: { hours: 2 } }, { channel: 'email' }]);
    const byHand = await asEwa.tasks.create({ subject: 'by hand', dueAt: '2026-03-05T10:00:00Z' });
    const assigned = await root.as(piotr.id).tasks.create({ subject: 'from Piotr', ownerId: ewa.id, dueAt: '2026-03-06T10:00:00Z' });
    const piotrs = await root.as(piotr.id).tasks.create({ subject: 'Piotr’s own', dueAt: '2026-03-06T10:00:00Z' });
    expect(await root.reminders.get(byHand.id)).toHaveLength(2);
    expect((await root.scheduler.get(`reminder:${assigned.id}:0`))?.nextRunAt).toEqual(new Date('2026-03-06T08:00:00Z'));
    expect((await root.scheduler.get(`reminder:${assigned.id}:1`))?.nextRunAt).toEqual(new Date('2026-03-06T10:00:00Z'));
    expect(await root.reminders.get(piotrs.id)).toEqual([]);
    expect(await root.scheduler.get(`reminder:${piotrs.id}:0`)).toBeNull();
  });

  it('re-plans on a new due date, cancels on completion and cancellation, plans again on re-opening', async () => {
    const { root, ewa } = await world();
    const task = await root.tasks.create({ subject: 'x', ownerId: ewa.id, dueAt: '2026-03-05T10:00:00Z' });
    await root.reminders.set(task.id, [{ channel: 'inapp', before: { hours: 1 } }]);
    const key = `reminder:${task.id}:0`;
    await root.tasks.update(task.id, { dueAt: '2026-03-07T10:00:00Z' });
    expect((await root.scheduler.get(key))?.nextRunAt).toEqual(new Date('2026-03-07T09:00:00Z'));
    await root.tasks.complete(task.id);
    expect(await root.scheduler.get(key)).toBeNull();
    await root.tasks.reopen(task.id);
    expect((await root.scheduler.get(key))?.nextRunAt).toEqual(new Date('2026-03-07T09:00:00Z'));
    await root.tasks.cancel(task.id);
    expect(await root.scheduler.get(key)).toBeNull();
  });

  it('fires once a reminder whose time has passed, and not again when something else changes', async () => {
    const { root, ewa, worker, inbox } = await world();
    const task = await root.tasks.create({ subject: 'late', ownerId: ewa.id, dueAt: '2026-02-20T10:00:00Z' });
    await root.reminders.set(task.id, [{ channel: 'inapp', before: { days: 3 } }]);
    await worker.runOnce();
    expect(await inbox(ewa.id)).toHaveLength(1);
    await root.tasks.update(task.id, { subject: 'late (edited)' });
    await root.reminders.set(task.id, [{ channel: 'inapp', before: { days: 3 } }]);
    await worker.runOnce();
    expect(await inbox(ewa.id)).toHaveLength(1);
  });

  it('reminds stage owners and watchers by e-mail and SMS (to those with a phone), using the default template', async () => {
    const { clock, root, ewa, piotr, worker, sent, sms } = await world();
    await root.templates.create({
      name: 'Reminder',
      channel: 'email',
      recordKind: 'task',
      language: 'en',
      subject: 'Due: {{ task.subject }}',
      body: 'Hello {{ recipient.name }}',
      isDefault: true,
    });
    const task = await root.tasks.create({
      subject: 'Spotkanie',
      ownerId: ewa.id,
      plannedAt: '2026-03-03T09:00:00Z',
      dueAt: '2026-03-03T10:00:00Z',
      stages: [{ subject: 'prepare', ownerId: piotr.id }],
    });
    await root.reminders.set(task.id, [
      { channel: 'email', who: ['stage_owners', ewa.id], anchor: 'planned', before: { minutes: 30 } },
      { channel: 'sms', who: ['owner', 'stage_owners'] },
    ]);
    clock.set('2026-03-03T10:00:00Z');
    await worker.runOnce();
    expect(sent.map((m) => [m.to, m.subject, m.text]).sort()).toEqual([
      ['ewa@firma.pl', 'Due: Spotkanie', 'Hello Ewa'],
      ['piotr@firma.pl', 'Due: Spotkanie', 'Hello Piotr'],
    ]);
    // Piotr has no phone: only Ewa gets the SMS.
    expect(sms.map((m) => m.to)).toEqual(['+48601220310']);
  });

  it('words each reminder in its recipient’s language and writes dates in their time zone', async () => {
    const { clock, root, ewa, piotr, worker, inbox, sent } = await world();
    await root.operators.update(ewa.id, { language: 'pl', timeZone: 'Europe/Warsaw' });
    await root.operators.update(piotr.id, { language: 'ro' });
    await rejects(root.operators.update(piotr.id, { language: 'de' as never }), 'VALIDATION', 'operator.language');
    await rejects(root.operators.update(piotr.id, { timeZone: 'Mars/Olympus' }), 'VALIDATION', 'operator.timeZone');
    await root.templates.create({
      name: 'Przypomnienie',
      channel: 'email',
      recordKind: 'task',
      language: 'pl',
      subject: 'Przypomnienie: {{ task.subject }}',
      body: 'Termin: {{ task.dueAt | date: "%Y-%m-%d %H:%M" }}',
      isDefault: true,
    });
    await root.templates.create({
      name: 'Reminder',
      channel: 'email',
      recordKind: 'task',
      language: 'en',
      subject: 'Reminder: {{ task.subject }}',
      body: 'Due: {{ task.dueAt | date: "%Y-%m-%d %H:%M" }}',
      isDefault: true,
    });
    const task = await root.tasks.create({ subject: 'Zefir', ownerId: ewa.id, dueAt: '2026-03-05T10:00:00Z' });
    await root.reminders.set(task.id, [
      { channel: 'inapp', who: ['owner', piotr.id] },
      { channel: 'email', who: ['owner', piotr.id] },
    ]);
    clock.set('2026-03-05T10:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    expect((await inbox(ewa.id)).map((n) => [n.title, n.body])).toEqual([[`Przypomnienie: ${task.number} Zefir`, 'Termin 2026-03-05 11:00 Europe/Warsaw']]);
    expect((await inbox(piotr.id)).map((n) => [n.title, n.body])).toEqual([[`Memento: ${task.number} Zefir`, 'Termen 2026-03-05 10:00 UTC']]);
    // Piotr writes Romanian, which has no template: the English default, in UTC.
    expect(sent.map((m) => [m.to, m.subject, m.text]).sort()).toEqual([
      ['ewa@firma.pl', 'Przypomnienie: Zefir', 'Termin: 2026-03-05 11:00'],
      ['piotr@firma.pl', 'Reminder: Zefir', 'Due: 2026-03-05 10:00'],
    ]);
  });

  it('never reminds a watcher about a task they may not see', async () => {
    const { root, ewa, piotr, worker, inbox } = await world();
    const task = await root.tasks.create({ subject: 'Rabat — poufne', ownerId: ewa.id, private: true, dueAt: '2026-02-20T10:00:00Z' });
    await root.reminders.set(task.id, [{ channel: 'inapp', who: ['owner', piotr.id] }]);
    await worker.runOnce();
    expect(await inbox(ewa.id)).toHaveLength(1);
    expect(await inbox(piotr.id)).toEqual([]);
  });

  it('refuses rules that are not rules, naming the field', async () => {
    const { root, ewa } = await world();
    const task = await root.tasks.create({ subject: 'x', ownerId: ewa.id });
    await rejects(root.reminders.set(task.id, [{ channel: 'pigeon' } as never]), 'VALIDATION', 'reminders[0].channel');
    await rejects(root.reminders.set(task.id, [{ channel: 'inapp', before: { days: -1 } }]), 'VALIDATION', 'reminders[0].before.days');
    await rejects(root.reminders.set(task.id, [{ channel: 'inapp', who: [] }]), 'VALIDATION', 'reminders[0].who');
  });
});

describe('individual notifications (watch)', () => {
  it('notifies the watching operator about a record at the time they chose, once, and only while they may see it', async () => {
    const { clock, root, ewa, piotr, worker, inbox, asEwa } = await world();
    const zefir = await root.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    await asEwa.notifications.watch({ type: 'partner', id: zefir.id }, { when: '2026-03-02T09:00:00Z', note: 'Zapytać o płatność' });
    const secret = await root.tasks.create({ subject: 'poufne', ownerId: ewa.id, private: true });
    await rejects(root.as(piotr.id).notifications.watch({ type: 'task', id: secret.id }, { when: '2026-03-02T09:00:00Z' }), 'NOT_FOUND');
    await rejects(root.notifications.watch({ type: 'partner', id: zefir.id }, { when: '2026-03-02T09:00:00Z' }), 'VALIDATION', 'crm.as');
    await worker.runOnce();
    expect(await inbox(ewa.id)).toEqual([]);
    clock.set('2026-03-02T09:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    expect((await inbox(ewa.id)).map((n) => [n.kind, n.title, n.body])).toEqual([['watch', 'Reminder: ZEFIR Zefir', 'Zapytać o płatność']]);
  });
});
