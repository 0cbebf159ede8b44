import { describe, expect, it } from 'vitest';
import { createCrm, createScheduler, where, type Clock, type Mailer, type MailMessage, type ReportFunction, type Job } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { rejects } from './setup.js';

function manualClock(start: string) {
  let t = new Date(start).getTime();
  const clock: Clock & { set(iso: string): void } = { now: () => new Date(t), set: (iso) => void (t = new Date(iso).getTime()) };
  return clock;
}

async function world(reports: Record<string, ReportFunction> = {}) {
  const clock = manualClock('2026-03-02T08:00:00Z');
  const root = createCrm({ store: await testStore(), clock, reports });
  const ewa = await root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl', phone: '+48601220310' });
  const piotr = await root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl' });
  const anna = await root.operators.create({ name: 'Anna', email: 'anna@firma.pl' });
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    async send(m) {
      sent.push(m);
      return { messageId: m.messageId!, accepted: [String(m.to)], rejected: [] };
    },
  };
  const worker = createScheduler(root, { mailer });
  const inbox = async (operatorId: string) => (await root.notifications.list({ operatorId })).items;
  const complaints = await root.registers.create({ code: 'REK', name: 'Complaints', numberPattern: 'REK/{seq:3}' });
  return { clock, root, ewa, piotr, anna, worker, sent, inbox, complaints };
}

describe('automatic notification rules', () => {
  it('notifies a group once when a complaint is done, not for other registers or statuses', async () => {
    const { root, ewa, piotr, anna, worker, inbox, complaints } = await world();
    const quality = await root.groups.create({ name: 'Quality' });
    await root.groups.addMember(quality.id, piotr.id);
    await root.groups.addMember(quality.id, anna.id);
    await root.rules.create({
      name: 'Complaint closed',
      on: 'task.status_changed',
      filter: where.and(where.eq('registerId', complaints.id), where.eq('status', 'done')),
      recipients: [{ group: 'Quality' }],
      channel: 'inapp',
    });
    const complaint = await root.tasks.create({ subject: 'Broken pump', registerId: complaints.id, ownerId: ewa.id });
    const other = await root.tasks.create({ subject: 'Call back', ownerId: ewa.id });
    await root.tasks.start(complaint.id);
    await root.tasks.complete(other.id);
    expect(await inbox(piotr.id)).toEqual([]);
    await root.tasks.complete(complaint.id);
    await worker.runOnce();
    await worker.runOnce();
    for (const id of [piotr.id, anna.id]) {
      const items = await inbox(id);
      expect(items.map((n) => [n.kind, n.title, n.body, n.subjectId])).toEqual([
        ['rule', `Complaint closed: ${complaint.number} Broken pump`, 'status: in_progress → done', complaint.id],
      ]);
    }
    expect(await inbox(ewa.id)).toEqual([]);
  });

  it('a rule filtering with full-text search matches the changed task by its words, diacritics optional', async () => {
    const { root, ewa, worker, inbox } = await world();
    await root.rules.create({
      name: 'Complaints about invoices',
      on: ['task.created'],
      filter: where.search('reklamacja faktur'),
      recipients: [{ operator: ewa.id }],
      channel: 'inapp',
    });
    await root.tasks.create({ subject: 'Reklamacja: błędna faktura 12/2026' });
    await root.tasks.create({ subject: 'Reklamacja dostawy' });
    await worker.runOnce();
    expect((await inbox(ewa.id)).map((n) => n.title)).toHaveLength(1);
  });

  it('never tells a group member about a private task they may not see', async () => {
    const { root, ewa, piotr, worker, inbox, complaints } = await world();
    const quality = await root.groups.create({ name: 'Quality' });
    await root.groups.addMember(quality.id, piotr.id);
    await root.groups.addMember(quality.id, ewa.id);
    await root.rules.create({
      name: 'Any complaint done',
      on: ['task.status_changed'],
      filter: where.eq('status', 'done'),
      recipients: [{ group: quality.id }],
      channel: 'inapp',
    });
    const secret = await root.tasks.create({ subject: 'Rabat — poufne', registerId: complaints.id, ownerId: ewa.id, private: true });
    await root.tasks.complete(secret.id);
    await worker.runOnce();
    expect(await inbox(ewa.id)).toHaveLength(1);
    expect(await inbox(piotr.id)).toEqual([]);
  });

  it('mails the owner and the partner’s contact persons through the template, one message per recipient per change', async () => {
    const { root, ewa, worker, sent } = await world();
    const zefir = await root.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    await root.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Nowak', emails: ['jan@zefir.pl'] });
    await root.persons.create({ partnerId: zefir.id, firstName: 'Bez', lastName: 'Maila' });
    const t = await root.templates.create({
      name: 'Stage changed',
      channel: 'email',
      recordKind: 'opportunity',
      language: 'en',
      subject: '{{ opportunity.name }} is now {{ opportunity.stage }}',
      body: 'Dear {{ recipient.name }}, {{ partner.name }}: {{ data.changes | join: "; " }}',
    });
    await root.rules.create({
      name: 'Negotiation',
      on: 'opportunity.stage_changed',
      filter: where.eq('stage', 'negotiation'),
      recipients: [{ owner: true }, { contacts: true }],
      channel: 'email',
      templateId: t.id,
    });
    const opp = await root.opportunities.create({ name: 'Pumps 2026', partnerId: zefir.id, ownerId: ewa.id, amount: 1_200_000, currency: 'PLN' });
    await root.opportunities.moveStage(opp.id, 'offering');
    await root.opportunities.moveStage(opp.id, 'negotiation');
    await worker.runOnce();
    await worker.runOnce();
    expect(sent.map((m) => [m.to, m.subject, m.text]).sort()).toEqual([
      ['ewa@firma.pl', 'Pumps 2026 is now negotiation', 'Dear Ewa, Zefir: stage: offering → negotiation'],
      ['jan@zefir.pl', 'Pumps 2026 is now negotiation', 'Dear Jan Nowak, Zefir: stage: offering → negotiation'],
    ]);
  });

  it('writes one job per change in the change’s own transaction, and a second run sends nothing again', async () => {
    const { root, ewa, piotr, worker, inbox } = await world();
    const rule = await root.rules.create({
      name: 'Any task done',
      on: 'task.status_changed',
      filter: where.eq('status', 'done'),
      recipients: [{ operator: piotr.id }],
      channel: 'inapp',
    });
    const task = await root.tasks.create({ subject: 'A', ownerId: ewa.id });
    await root.tasks.complete(task.id);
    const jobs = (await root.store.find<Job>('jobs', { where: where.eq('kind', 'rule.event') })).items;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.key).toMatch(new RegExp(`^rule:${rule.id}:${task.id}:`));
    await worker.runOnce();
    await root.scheduler.retry(jobs[0]!.key).catch(() => undefined);
    await root.scheduler.schedule({
      kind: 'rule.event',
      key: jobs[0]!.key,
      at: new Date('2026-03-02T09:00:00Z'),
      payload: (jobs[0] as never as { payload: never }).payload,
    });
    await worker.runOnce();
    expect(await inbox(piotr.id)).toHaveLength(1);
    // Re-opening and closing again is a new change: a second notification.
    await root.tasks.reopen(task.id);
    await root.tasks.complete(task.id);
    await worker.runOnce();
    expect(await inbox(piotr.id)).toHaveLength(2);
  });

  it('housekeeping deletes a rule’s finished change jobs after the keeping time, and no other job', async () => {
    const { clock, root, ewa, worker } = await world();
    await root.rules.create({ name: 'Every change', on: 'task.updated', recipients: [{ operator: ewa.id }], channel: 'inapp' });
    await root.scheduler.schedule({ kind: 'mail.send', key: 'kept', at: clock.now(), payload: { message: { to: 'ala@example.com', subject: 'Hi' } } });
    const task = await root.tasks.create({ subject: 'Call back', ownerId: ewa.id });
    await root.tasks.update(task.id, { description: 'first' });
    await worker.runOnce();
    const jobs = async () => (await root.store.find<Job>('jobs', { sort: [{ field: 'key' }] })).items.map((j) => [j.kind, j.status]);
    expect(await jobs()).toEqual([
      ['mail.send', 'done'],
      ['rule.event', 'done'],
    ]);
    clock.set('2026-03-09T07:59:00Z'); // 7 days less a minute: kept
    expect((await worker.runOnce()).jobs.purged).toBe(0);
    clock.set('2026-03-09T09:00:00Z'); // over 7 days, and an hour after the last housekeeping
    await root.tasks.update(task.id, { description: 'second' });
    const report = await worker.runOnce();
    expect(report.jobs.purged).toBe(1);
    expect(await jobs()).toEqual([
      ['mail.send', 'done'],
      ['rule.event', 'done'],
    ]);
    const custom = createScheduler(root, { keepDoneJobsMs: 60_000 });
    clock.set('2026-03-09T09:02:00Z');
    expect((await custom.runOnce()).jobs.purged).toBe(1);
  });

  it('keeps a template a rule sends with: deleting it or moving it to another kind is a CONFLICT naming the rule', async () => {
    const { root, piotr } = await world();
    const t = await root.templates.create({ name: 'Done', channel: 'email', recordKind: 'task', language: 'en', subject: 'Done', body: '{{ task.subject }}' });
    await root.rules.create({ name: 'Mail when done', on: 'task.status_changed', recipients: [{ operator: piotr.id }], channel: 'email', templateId: t.id });
    await rejects(root.templates.delete(t.id), 'CONFLICT', 'Mail when done');
    await rejects(root.templates.update(t.id, { recordKind: 'partner', body: '{{ partner.name }}' }), 'CONFLICT', 'Mail when done');
    expect((await root.templates.update(t.id, { body: 'Closed: {{ task.subject }}' })).body).toBe('Closed: {{ task.subject }}');
    expect((await root.templates.get(t.id)).recordKind).toBe('task');
  });

  it('sends nothing for a rule switched off or deleted after the change', async () => {
    const { root, ewa, piotr, worker, inbox } = await world();
    const rule = await root.rules.create({ name: 'Done', on: 'task.status_changed', recipients: [{ operator: piotr.id }], channel: 'inapp' });
    const task = await root.tasks.create({ subject: 'A', ownerId: ewa.id });
    await root.tasks.complete(task.id);
    await root.rules.update(rule.id, { active: false });
    await worker.runOnce();
    expect(await inbox(piotr.id)).toEqual([]);
    await root.rules.delete(rule.id);
    expect(await root.rules.list()).toEqual([]);
  });

  it('refuses a rule with an unknown event, a bad filter field, a missing or unfitting template, unknown recipients', async () => {
    const { root, piotr, ewa } = await world();
    const base = { name: 'r', on: 'task.status_changed', recipients: [{ operator: piotr.id }], channel: 'inapp' as const };
    await rejects(root.rules.create({ ...base, on: 'task.statusChanged' }), 'VALIDATION', 'rule.on', 'task.statusChanged');
    await rejects(root.rules.create({ ...base, on: ['task.created', 'offer.created'] }), 'VALIDATION', 'rule.on', 'one kind');
    await rejects(root.rules.create({ ...base, filter: where.eq('statuz', 'done') }), 'VALIDATION', 'rule.filter', 'statuz');
    await rejects(root.rules.create({ ...base, filter: where.eq('status', 5) }), 'VALIDATION', 'rule.filter', 'tasks.status');
    await rejects(root.rules.create({ ...base, filter: { op: 'like' } as never }), 'VALIDATION', 'rule.filter.op');
    await rejects(root.rules.create({ ...base, channel: 'email' }), 'VALIDATION', 'rule.templateId', 'required');
    await rejects(root.rules.create({ ...base, channel: 'email', templateId: 'nope' }), 'VALIDATION', 'rule.templateId', 'nope');
    const sms = await root.templates.create({ name: 's', channel: 'sms', recordKind: 'partner', language: 'en', body: '{{ partner.name }}' });
    await rejects(root.rules.create({ ...base, channel: 'email', templateId: sms.id }), 'VALIDATION', 'rule.templateId', 'email template of task');
    await rejects(root.rules.create({ ...base, recipients: [{ operator: 'nobody' }] }), 'NOT_FOUND', 'nobody');
    await rejects(root.rules.create({ ...base, recipients: [{ group: 'No such group' }] }), 'VALIDATION', 'rule.recipients[0].group');
    await rejects(root.rules.create({ ...base, recipients: [] }), 'VALIDATION', 'rule.recipients');
    await root.rules.create(base);
    await rejects(root.rules.create(base), 'CONFLICT', 'already exists');
    await rejects(root.as(ewa.id).rules.create({ ...base, name: 'x' }), 'FORBIDDEN', 'notification rules');
  });
});

describe('watching a record for changes', () => {
  it('notifies the watcher once per change by someone else, while they may see the record', async () => {
    const { root, ewa, piotr, worker, inbox } = await world();
    const task = await root.tasks.create({ subject: 'Offer for Zefir', ownerId: ewa.id });
    const asPiotr = root.as(piotr.id);
    await asPiotr.notifications.watch({ type: 'task', id: task.id }, { when: 'changes' });
    await asPiotr.notifications.watch({ type: 'task', id: task.id }, { when: 'changes' });
    await root.as(ewa.id).tasks.update(task.id, { subject: 'Offer for Zefir (v2)' });
    await root.as(ewa.id).tasks.complete(task.id);
    await asPiotr.tasks.update(task.id, { description: 'my own change' }).catch(() => undefined);
    await worker.runOnce();
    const items = await inbox(piotr.id);
    // One clock instant for both: the inbox order between them is the ids'.
    expect(items.map((n) => [n.kind, n.body]).sort()).toEqual([
      ['watch.change', 'changed: subject'],
      ['watch.change', 'status: open → done'],
    ]);
    await asPiotr.notifications.unwatch({ type: 'task', id: task.id });
    await root.tasks.reopen(task.id);
    await worker.runOnce();
    expect(await inbox(piotr.id)).toHaveLength(2);
  });
});

describe('cyclic notification rules', () => {
  it('sends a host report as body and CSV on its cron, once per occurrence, and one catch-up after downtime', async () => {
    const calls: string[] = [];
    const turnover: ReportFunction = ({ operatorId, occurrence }) => {
      calls.push(`${operatorId}@${occurrence.toISOString()}`);
      return {
        columns: ['customer', 'turnover'],
        rows: [
          ['ZEFIR', 1200.5],
          ['=cmd', 3],
        ],
      };
    };
    const { clock, root, ewa, worker, sent } = await world({ turnover });
    await rejects(
      root.rules.create({ name: 'x', cron: '0 8 * * 1', report: { function: 'nope' }, recipients: [{ operator: ewa.id }], channel: 'email' }),
      'VALIDATION',
      'rule.report.function',
      'turnover',
    );
    await rejects(
      root.rules.create({ name: 'x', cron: '61 8 * * 1', report: { function: 'turnover' }, recipients: [{ operator: ewa.id }], channel: 'email' }),
      'VALIDATION',
      'rule.cron',
    );
    const rule = await root.rules.create({
      name: 'Weekly turnover',
      cron: '0 8 * * 1',
      timeZone: 'Europe/Warsaw',
      report: { function: 'turnover' },
      recipients: [{ operator: ewa.id }, { email: 'dyrektor@firma.pl' }],
      channel: 'email',
    });
    expect((await root.scheduler.get(`rule:${rule.id}`))?.nextRunAt).toEqual(new Date('2026-03-09T07:00:00Z'));
    clock.set('2026-03-09T07:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    expect(sent.map((m) => m.to).sort()).toEqual(['dyrektor@firma.pl', 'ewa@firma.pl']);
    const mail = sent.find((m) => m.to === 'ewa@firma.pl')!;
    expect(mail.subject).toBe('Weekly turnover — 2026-03-09');
    expect(mail.text).toContain('ZEFIR | 1200.5');
    expect(Buffer.from(String(mail.attachments![0]!.content), 'base64').toString()).toBe("customer,turnover\r\nZEFIR,1200.5\r\n'=cmd,3\r\n");
    // Three weeks without a worker: one catch-up run, then the next Monday.
    clock.set('2026-04-01T12:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    expect(sent).toHaveLength(4);
    expect((await root.scheduler.get(`rule:${rule.id}`))?.nextRunAt).toEqual(new Date('2026-04-06T06:00:00Z'));
    expect(calls.filter((c) => c.startsWith(ewa.id))).toHaveLength(2);
    await root.rules.delete(rule.id);
    expect(await root.scheduler.get(`rule:${rule.id}`)).toBeNull();
  });

  it('runs a saved view as each recipient operator, who sees only their rows', async () => {
    const { clock, root, ewa, piotr, worker, inbox } = await world();
    await root.tasks.create({ subject: 'Ewa public', ownerId: ewa.id });
    await root.tasks.create({ subject: 'Ewa private', ownerId: ewa.id, private: true });
    const view = await root.views.save({
      name: 'Open tasks',
      spec: { kind: 'tasks', filter: { field: 'status', op: 'eq', value: 'open' }, columns: [{ field: 'subject' }] },
    });
    await root.rules.create({
      name: 'Daily open tasks',
      cron: '0 7 * * *',
      report: { view: view.id },
      recipients: [{ operator: ewa.id }, { operator: piotr.id }],
      channel: 'inapp',
    });
    clock.set('2026-03-03T07:00:00Z');
    await worker.runOnce();
    await worker.runOnce();
    expect((await inbox(ewa.id))[0]?.body).toContain('Ewa private');
    expect((await inbox(piotr.id))[0]?.body).toContain('Ewa public');
    expect((await inbox(piotr.id))[0]?.body).not.toContain('Ewa private');
  });
});
