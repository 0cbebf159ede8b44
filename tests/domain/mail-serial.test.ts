import { describe, expect, it } from 'vitest';
import {
  createCrm,
  createScheduler,
  memoryBlobStore,
  RapportError,
  type Email,
  type Mailer,
  type MailHooks,
  type MailMessage,
  type OutboxEntry,
} from '@rapport/core';
import { testStore } from '../support/stores.js';
import { all, rejects } from './setup.js';

/** Records what it is asked to send; refuses one address for good, as an SMTP server's 550 does. */
function recordingMailer(refuse: string): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    async send(m) {
      if ([m.to].flat().some((t) => t.includes(refuse))) throw new RapportError('VALIDATION', `SMTP server refused ${refuse}: 550 no such user`);
      sent.push(m);
      return { messageId: m.messageId!, accepted: [m.to].flat(), rejected: [] };
    },
  };
}

async function world(hooks: MailHooks = {}) {
  const store = await testStore();
  // A clock the test moves on: 1 ms per reading, and jumps with `later(ms)`.
  let t = Date.parse('2026-03-02T08:00:00Z');
  const clock = { now: () => new Date((t += 1)) };
  const crm = createCrm({ store, blobs: memoryBlobStore(), clock, hooks });
  const names = ['Alfa', 'Beta', 'Gamma', 'Delta', 'Epsilon'];
  const partners = [];
  for (const [i, name] of names.entries())
    partners.push(
      await crm.partners.create({
        code: name.toUpperCase(),
        name: `${name} SA`,
        customFields: { region: 'north' },
        ...(i === 3 ? {} : { emails: [`biuro@${name.toLowerCase()}.pl`] }),
        ...(i === 2 ? { mailOptOut: true } : {}),
      }),
    );
  const template = await crm.templates.create({
    name: 'Potwierdzenie salda',
    channel: 'email',
    recordKind: 'partner',
    language: 'pl',
    subject: 'Potwierdzenie salda: {{ partner.name }}',
    body: 'Szanowni Państwo ({{ recipient.email }}), saldo na {{ data.day }}.',
  });
  return { store, crm, partners, template, later: (ms: number) => (t += ms) };
}

describe('crm.mail.serial', () => {
  it('sends one personalised message per partner with its own attachment, skips opted-out and address-less ones, and reports each', async () => {
    const w = await world({
      serialAttachments: async ({ partner }) => [
        { filename: `saldo-${partner!.code}.pdf`, contentType: 'application/pdf', content: Buffer.from(partner!.code) },
      ],
    });
    const run = await w.crm.mail.serial.start({
      key: 'saldo-2026-03',
      template: w.template.id,
      recipients: { ids: w.partners.map((p) => p.id) },
      ratePerMinute: 120,
      from: 'ksiegowosc@firma.pl',
      data: { day: '2026-02-28' },
    });
    expect(run.total).toBe(5);
    expect(await w.crm.mail.serial.prepare(run.id)).toBe(5);

    const outbox = (await all<OutboxEntry>(w.store, 'outbox')).sort((a, b) => a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime());
    expect(outbox.map((e) => (e.payload as { to: string[] }).to[0])).toEqual([
      '"Alfa SA" <biuro@alfa.pl>',
      '"Beta SA" <biuro@beta.pl>',
      '"Epsilon SA" <biuro@epsilon.pl>',
    ]);
    // 120 a minute: one every 500 ms.
    const times = outbox.map((e) => e.nextAttemptAt!.getTime());
    expect(times[1]! - times[0]!).toBe(500);
    expect(times[2]! - times[1]!).toBe(500);
    expect(outbox[0]!.payload).toMatchObject({
      subject: 'Potwierdzenie salda: Alfa SA',
      text: 'Szanowni Państwo (biuro@alfa.pl), saldo na 2026-02-28.',
      attachments: [{ filename: 'saldo-ALFA.pdf', content: Buffer.from('ALFA').toString('base64') }],
    });
    // Each message is in its partner's e-mail log.
    const emails = await all<Email>(w.store, 'emails');
    expect(emails.map((e) => e.partnerIds[0]).sort()).toEqual([w.partners[0]!.id, w.partners[1]!.id, w.partners[4]!.id].sort());

    // Resuming prepares nothing more; the same key gives the same run.
    expect((await w.crm.mail.serial.start({ key: 'saldo-2026-03', template: w.template.id, recipients: { ids: [] } })).id).toBe(run.id);
    expect(await w.crm.mail.serial.prepare(run.id)).toBe(0);
    expect(await all(w.store, 'outbox')).toHaveLength(3);

    const mailer = recordingMailer('biuro@beta.pl');
    const worker = createScheduler(w.crm, { mailer, builtins: false });
    await worker.runOnce();
    expect(mailer.sent).toHaveLength(1);
    w.later(1000);
    await worker.runOnce();
    const report = await w.crm.mail.serial.report(run.id);
    expect(report.counts).toEqual({ total: 5, sent: 2, bounced: 1, failed: 0, skipped: 2, pending: 0 });
    expect(report.recipients.map((r) => [r.address, r.status, r.reason?.slice(0, 20) ?? null])).toEqual([
      ['biuro@alfa.pl', 'sent', null],
      ['biuro@beta.pl', 'bounced', 'refused: SMTP server'],
      [null, 'skipped', 'opted out'],
      [null, 'skipped', 'no e-mail address'],
      ['biuro@epsilon.pl', 'sent', null],
    ]);
    expect(mailer.sent.map((m) => m.messageId)).toEqual([report.recipients[0]!.messageId, report.recipients[4]!.messageId]);
  });

  it('without a sender of its own, its Message-IDs take the domain of the operator who started it, never rapport.invalid', async () => {
    const w = await world();
    const ola = await w.crm.operators.create({ name: 'Ola', email: 'ola@Firma.pl' });
    const admin = await w.crm.roles.create({ name: 'Mailing', permissions: { partners: { read: 'all' } } });
    await w.crm.roles.grant(ola.id, admin.id);
    const asOla = w.crm.as(ola.id);
    const run = await asOla.mail.serial.start({ template: w.template.id, recipients: { ids: [w.partners[0]!.id] } });
    await asOla.mail.serial.prepare(run.id);
    const [entry] = (await all(w.store, 'outbox')) as OutboxEntry[];
    expect(String(entry!.payload.messageId)).toMatch(/^<[A-Za-z0-9_-]{32}@firma\.pl>$/);
    expect(entry!.payload.from).toBeUndefined();
  });

  it('takes its recipients from a saved view of partners, and refuses a view of another kind', async () => {
    const w = await world();
    await w.crm.views.save({ name: 'North', spec: { kind: 'partners', filter: { op: 'eq', field: 'customFields.region', value: 'north' } } });
    await w.crm.views.save({ name: 'Tasks', spec: { kind: 'tasks' } });
    const run = await w.crm.mail.serial.start({ template: w.template.id, recipients: { view: 'North' } });
    expect(run.total).toBe(5);
    await rejects(w.crm.mail.serial.start({ template: w.template.id, recipients: { view: 'Tasks' } }), 'VALIDATION', 'must list partners');
  });

  it('refuses an SMS template, an unknown recipient, and another operator’s run', async () => {
    const w = await world();
    const sms = await w.crm.templates.create({ name: 'SMS', channel: 'sms', recordKind: 'partner', language: 'pl', body: 'Saldo' });
    await rejects(w.crm.mail.serial.start({ template: sms.id, recipients: { ids: [w.partners[0]!.id] } }), 'VALIDATION', 'e-mail template');
    await rejects(w.crm.mail.serial.start({ template: w.template.id, recipients: { ids: ['nope'] } }), 'NOT_FOUND', 'serial.recipients.ids[0]');
    const run = await w.crm.mail.serial.start({ template: w.template.id, recipients: { ids: [w.partners[0]!.id] } });
    const ola = await w.crm.operators.create({ name: 'Ola', email: 'ola@firma.pl' });
    await rejects(w.crm.as(ola.id).mail.serial.report(run.id), 'NOT_FOUND', 'serial mailing');
    expect(await all(w.store, 'outbox')).toEqual([]);
  });
});
