import { describe, expect, it } from 'vitest';
import { createCrm, memoryBlobStore, steppingClock, type Email, type MailHooks, type OutboxEntry, type TaskEntry, type TimelineItem } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { all, rejects } from './setup.js';

const png = (label: string) => new Uint8Array(Buffer.from(`\x89PNG fake ${label}`));

async function world(hooks: MailHooks = {}) {
  const store = await testStore();
  const root = createCrm({ store, blobs: memoryBlobStore(), clock: steppingClock('2026-03-02T08:00:00Z', 1000), hooks });
  const anna = await root.operators.create({ name: 'Anna Nowak', email: 'anna@firma.pl' });
  const bartek = await root.operators.create({ name: 'Bartek Lis', email: 'bartek@firma.pl' });
  for (const op of [anna, bartek]) await root.roles.grant(op.id, 'salesperson');
  const zefir = await root.partners.create({ code: 'ZEFIR', name: 'Zefir Sp. z o.o.', emails: ['biuro@zefir.pl'], emailDomains: ['zefir.pl'] });
  const ewa = await root.persons.create({ firstName: 'Ewa', lastName: 'Kowalska', partnerId: zefir.id, emails: ['ewa@zefir.pl'] });
  const other = await root.partners.create({ code: 'INNY', name: 'Inny SA' });
  const stranger = await root.persons.create({ firstName: 'Jan', lastName: 'Obcy', partnerId: other.id, emails: ['jan@inny.pl'] });
  const asAnna = root.as(anna.id);
  const task = await asAnna.tasks.create({ subject: 'Oferta na regały', partnerId: zefir.id, personId: ewa.id, ownerId: anna.id });
  return { store, root, anna, bartek, zefir, ewa, stranger, asAnna, asBartek: root.as(bartek.id), task };
}

describe('crm.mail.send', () => {
  it('puts a task with its files into the outbox, records it on the task and the partner’s log, and a reply threads back onto the task', async () => {
    const w = await world();
    const file = await w.asAnna.tasks.attachFile(w.task.id, { source: Buffer.from('spec v1'), filename: 'spec.txt', contentType: 'text/plain' });
    const sent = await w.asAnna.mail.send({
      record: { kind: 'task', id: w.task.id },
      to: { persons: [w.ewa.id] },
      cc: { operators: [w.bartek.id] },
      subject: 'Regały: specyfikacja',
      body: 'W załączniku specyfikacja.',
      attachments: { files: [file.id] },
    });
    expect(sent.duplicate).toBe(false);
    expect(sent.messageId).toMatch(/^<[\w-]{32}@firma\.pl>$/);

    const outbox = await all<OutboxEntry>(w.store, 'outbox');
    expect(outbox).toHaveLength(1);
    const payload = outbox[0]!.payload as Record<string, unknown>;
    expect(payload).toMatchObject({
      from: 'anna@firma.pl',
      to: ['"Ewa Kowalska" <ewa@zefir.pl>'],
      cc: ['"Bartek Lis" <bartek@firma.pl>'],
      subject: 'Regały: specyfikacja',
      messageId: sent.messageId,
    });
    expect(payload.attachments).toEqual([
      { filename: 'spec.txt', contentType: 'text/plain', content: Buffer.from('spec v1').toString('base64'), encoding: 'base64' },
    ]);

    const [email] = await all<Email>(w.store, 'emails');
    expect(email).toMatchObject({
      direction: 'outbound',
      taskId: w.task.id,
      messageId: sent.messageId.slice(1, -1),
      partnerIds: [w.zefir.id],
      personIds: [w.ewa.id],
    });
    expect(email!.attachments.map((a) => a.filename)).toEqual(['spec.txt']);
    const entries = (await all<TaskEntry>(w.store, 'task_entries')).filter((e) => e.kind === 'email');
    expect(entries.map((e) => e.emailId)).toEqual([email!.id]);
    const log = await w.asAnna.history.forPartner(w.zefir.id);
    expect(log.items.filter((i: TimelineItem) => i.kind === 'email.sent').map((i: TimelineItem) => i.title)).toEqual(['→ Regały: specyfikacja']);

    // Ewa answers from her mail client: the real ingest path files the reply on the same task.
    const reply = await w.root.emails.ingest({
      messageId: '<odp-1@zefir.pl>',
      from: { name: 'Ewa Kowalska', address: 'ewa@zefir.pl' },
      to: [{ name: null, address: 'anna@firma.pl' }],
      subject: 'Re: Regały: specyfikacja',
      inReplyTo: sent.messageId,
      references: [sent.messageId],
      date: new Date('2026-03-03T10:00:00Z'),
      text: 'Dziękujemy, zamawiamy.',
    });
    expect(reply).toMatchObject({ status: 'imported', taskId: w.task.id, createdTask: false });

    // The next message from the task continues that thread.
    const next = await w.asAnna.mail.send({
      record: { kind: 'task', id: w.task.id },
      to: { addresses: ['ewa@zefir.pl'] },
      subject: 'Re: Regały',
      body: 'Potwierdzam.',
    });
    expect(next.email.inReplyTo).toBe('odp-1@zefir.pl');
    expect((await all<OutboxEntry>(w.store, 'outbox'))[1]!.payload).toMatchObject({
      inReplyTo: '<odp-1@zefir.pl>',
      references: [sent.messageId, '<odp-1@zefir.pl>'],
    });
    expect(next.email.threadKey).toBe(email!.threadKey);
  });

  it('is idempotent by key: the same key again sends nothing more and returns the first message', async () => {
    const w = await world();
    const input = { record: { kind: 'task' as const, id: w.task.id }, to: { persons: [w.ewa.id] }, subject: 'Raz', body: 'x', key: 'regaly-1' };
    const first = await w.asAnna.mail.send(input);
    const again = await w.asAnna.mail.send({ ...input, subject: 'Dwa' });
    expect(again).toMatchObject({ duplicate: true, messageId: first.messageId, key: first.key });
    expect(await all(w.store, 'outbox')).toHaveLength(1);
    expect(await all(w.store, 'emails')).toHaveLength(1);
  });

  it('renders a task template for the first recipient', async () => {
    const w = await world();
    const t = await w.root.templates.create({
      name: 'Oferta',
      channel: 'email',
      recordKind: 'task',
      language: 'pl',
      subject: '{{ task.number }}: {{ task.subject }}',
      body: 'Dzień dobry {{ recipient.name }}, w sprawie {{ partner.name }}.',
    });
    const sent = await w.asAnna.mail.send({ record: { kind: 'task', id: w.task.id }, to: { persons: [w.ewa.id] }, template: t.id });
    expect(sent.email.subject).toBe(`${w.task.number}: Oferta na regały`);
    expect(sent.email.text).toBe('Dzień dobry Ewa Kowalska, w sprawie Zefir Sp. z o.o..');
  });

  it('refuses a record the sender cannot see (NOT_FOUND) and recipients outside the partner’s people and operators (VALIDATION), writing nothing', async () => {
    const w = await world();
    await rejects(w.asBartek.mail.send({ record: { kind: 'task', id: w.task.id }, to: { persons: [w.ewa.id] }, subject: 's' }), 'NOT_FOUND', 'task');
    await rejects(
      w.asAnna.mail.send({ record: { kind: 'task', id: w.task.id }, to: { persons: [w.stranger.id] }, subject: 's' }),
      'VALIDATION',
      'mail.to.persons[0]',
      'contact person of partner ZEFIR',
    );
    await rejects(
      w.asAnna.mail.send({ record: { kind: 'task', id: w.task.id }, to: { addresses: ['jan@inny.pl'] }, subject: 's' }),
      'VALIDATION',
      'mail.to.addresses[0]',
    );
    await rejects(w.asAnna.mail.send({ record: { kind: 'task', id: w.task.id }, to: {}, subject: 's' }), 'VALIDATION', 'mail.to');
    expect(await all(w.store, 'outbox')).toEqual([]);
    expect(await all(w.store, 'emails')).toEqual([]);
  });

  it('attaches host documents and the offer’s item photos through hooks', async () => {
    const calls: string[] = [];
    const w = await world({
      documentAttachment: async (doc) => (
        calls.push(`doc:${doc.docId}`),
        { filename: `FV ${doc.number}.pdf`, contentType: 'application/pdf', content: png(doc.docId) }
      ),
      itemPhoto: async ({ item }) => (
        calls.push(`photo:${item}`),
        item === 'NOPHOTO' ? null : { filename: `${item}.png`, contentType: 'image/png', content: png(item) }
      ),
    });
    const offer = await w.root.offers.create({
      partnerId: w.zefir.id,
      currency: 'PLN',
      ownerId: w.anna.id,
      lines: [
        { item: 'REG-100', quantity: 2, unitPrice: 100, vatRate: 23 },
        { item: 'REG-100', quantity: 1, unitPrice: 100, vatRate: 23 },
        { item: 'NOPHOTO', quantity: 1, unitPrice: 5, vatRate: 23 },
      ],
    });
    const sent = await w.asAnna.mail.send({
      record: { kind: 'offer', id: offer.id },
      to: { addresses: ['biuro@zefir.pl'] },
      subject: `Oferta ${offer.number}`,
      attachments: { itemPhotos: true, documents: [{ docType: 'invoice', docId: 'FV-7', number: '7/2026' }] },
    });
    expect(calls).toEqual(['doc:FV-7', 'photo:REG-100', 'photo:NOPHOTO']);
    expect(sent.email.attachments.map((a) => a.filename)).toEqual(['FV 7_2026.pdf', 'REG-100.png']);
    expect(sent.email).toMatchObject({ taskId: null, partnerIds: [w.zefir.id], ownerId: w.anna.id });
    await rejects(
      w.asAnna.mail.send({ record: { kind: 'task', id: w.task.id }, to: { persons: [w.ewa.id] }, subject: 's', attachments: { itemPhotos: true } }),
      'VALIDATION',
      'itemPhotos',
    );
  });
});
