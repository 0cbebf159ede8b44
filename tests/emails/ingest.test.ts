import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createCrm,
  memoryBlobStore,
  normalizeMessageId,
  safeFilename,
  steppingClock,
  type DomainEvent,
  type IncomingEmail,
  type MailPolicy,
  type FindQuery,
  type Store,
} from '@rapport/core';
import { testStore } from '../support/stores.js';

async function setup(mail: Partial<MailPolicy> = {}) {
  const crm = createCrm({
    store: await testStore(),
    blobs: memoryBlobStore(),
    clock: steppingClock('2026-03-02T08:00:00Z'),
    mail: { ownDomains: ['firma.pl'], ...mail },
  });
  const admin = await crm.operators.create({ name: 'Anna Admin', email: 'anna@firma.pl' });
  const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.', emailDomains: ['zefir.pl'] });
  const jan = await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.fiszka@zefir.pl', 'jan.private@gmail.com'] });
  const events: DomainEvent[] = [];
  crm.events$.subscribe((e) => events.push(e));
  return { crm: crm.as(admin.id), host: crm, admin, zefir, jan, events };
}

const msg = (over: Partial<IncomingEmail> = {}): IncomingEmail => ({
  messageId: '<offer-1@Zefir.PL>',
  from: { name: 'Jan Fiszka', address: 'Jan.Fiszka@zefir.pl' },
  to: [{ name: 'Anna', address: 'anna@firma.pl' }],
  date: new Date('2026-03-01T10:00:00Z'),
  subject: 'Offer request',
  text: 'Please send an offer.',
  ...over,
});

const source = (uid: number, mailbox = 'INBOX') => ({ account: 'imap:anna@mail.firma.pl', mailbox, uidValidity: 7, uid });

describe('crm.emails.ingest', () => {
  it('normalises a Message-ID: no angle brackets, domain part lower-case, local part kept', () => {
    expect(normalizeMessageId('  <ABC.def@Mail.Example.COM> ')).toBe('ABC.def@mail.example.com');
    expect(normalizeMessageId('ABC@X.org')).toBe('ABC@x.org');
    expect(normalizeMessageId('<>')).toBeNull();
    expect(normalizeMessageId(undefined)).toBeNull();
  });

  it('stores a message once, links the person and partner, creates a task in the register and writes the timeline', async () => {
    const { crm, zefir, jan, admin, events } = await setup();
    const result = await crm.emails.ingest(msg(), { source: source(1) });
    expect(result.status).toBe('imported');
    expect(result.createdTask).toBe(true);
    expect(result.linkedToExisting).toBe(true);
    const email = result.email!;
    expect(email.messageKey).toBe('offer-1@zefir.pl');
    expect(email.personIds).toEqual([jan.id]);
    expect(email.partnerIds).toEqual([zefir.id]);
    expect(email.direction).toBe('inbound');
    const task = await crm.tasks.get(result.taskId!);
    expect(task).toMatchObject({ subject: 'Offer request', partnerId: zefir.id, personId: jan.id, ownerId: admin.id });
    const entries = (await crm.tasks.entries(task.id)).items;
    expect(entries.filter((e) => e.kind === 'email').map((e) => e.emailId)).toEqual([email.id]);
    const history = await crm.history.forPartner(zefir.id);
    expect(history.items.map((i) => i.kind)).toContain('email.received');
    expect(events.map((e) => e.type)).toContain('email.ingested');
  });

  it('the same Message-ID spelled differently is a duplicate that records the new mailbox location', async () => {
    const { crm } = await setup();
    const first = await crm.emails.ingest(msg(), { source: source(1) });
    const again = await crm.emails.ingest(msg({ messageId: 'offer-1@ZEFIR.pl' }), { source: source(1) });
    expect(again).toMatchObject({ status: 'duplicate', newLocation: false });
    const moved = await crm.emails.ingest(msg(), { source: source(3, 'Archive') });
    expect(moved).toMatchObject({ status: 'duplicate', newLocation: true });
    expect(await crm.store.count('emails')).toBe(1);
    expect((await crm.emails.locations(first.email!.id)).map((l) => l.mailbox).sort()).toEqual(['Archive', 'INBOX']);
    expect((await crm.tasks.list()).items).toHaveLength(1);
  });

  it('concurrent ingests of one message store it once', async () => {
    const { crm, host } = await setup();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => crm.emails.ingest(msg(), { source: source(i + 1) })));
    expect(results.filter((r) => r.status === 'imported')).toHaveLength(1);
    expect(await crm.store.count('emails')).toBe(1);
    expect(await host.store.count('email_locations')).toBe(8); // kept beneath the rules (decision 0104): the host counts it
  });

  it('a message without Message-ID gets a stable hash id, so importing it twice stores it once', async () => {
    const { crm } = await setup();
    const a = await crm.emails.ingest(msg({ messageId: null }));
    const b = await crm.emails.ingest(msg({ messageId: '' }));
    expect(a.email!.messageKey).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(b.status).toBe('duplicate');
    const c = await crm.emails.ingest(msg({ messageId: null, subject: 'Another' }));
    expect(c.status).toBe('imported');
  });

  it('matches persons on any of their addresses, case-insensitively; free-mail domains match no partner', async () => {
    const { crm, jan, zefir } = await setup();
    await crm.partners.create({ code: 'GMAIL-CO', name: 'Not Google', emailDomains: ['example.org'] });
    const r = await crm.emails.ingest(msg({ messageId: '<p1@x>', from: { name: null, address: 'JAN.PRIVATE@gmail.com' } }));
    expect(r.email!.personIds).toEqual([jan.id]);
    expect(r.email!.partnerIds).toEqual([zefir.id]);
    const stranger = await crm.emails.ingest(msg({ messageId: '<p2@x>', from: { name: null, address: 'someone@gmail.com' } }));
    expect(stranger.email!.partnerIds).toEqual([]);
    expect(stranger.email!.status).toBe('unlinked');
  });

  it('own domains are never matched to partners and make mail outbound', async () => {
    const { crm, zefir } = await setup();
    await crm.partners.create({ code: 'US', name: 'Us', emailDomains: ['sales.firma.pl'] });
    const r = await crm.emails.ingest(
      msg({
        messageId: '<o1@firma.pl>',
        from: { name: 'Anna', address: 'anna@firma.pl' },
        to: [
          { name: null, address: 'boss@sales.firma.pl' },
          { name: null, address: 'office@zefir.pl' },
        ],
      }),
    );
    expect(r.email!.direction).toBe('outbound');
    expect(r.email!.partnerIds).toEqual([zefir.id]);
    expect((await crm.history.forPartner(zefir.id)).items.map((i) => i.kind)).toContain('email.sent');
  });

  it('a reply lands on the task of its thread, by References or In-Reply-To, even when it arrives first', async () => {
    const { crm } = await setup();
    const root = await crm.emails.ingest(msg());
    const reply = await crm.emails.ingest(
      msg({
        messageId: '<r1@firma.pl>',
        from: { name: null, address: 'anna@firma.pl' },
        to: [{ name: null, address: 'jan.fiszka@zefir.pl' }],
        subject: 'Re: Offer request',
        inReplyTo: '<offer-1@zefir.pl>',
      }),
    );
    expect(reply.taskId).toBe(root.taskId);
    expect(reply.createdTask).toBe(false);
    const deep = await crm.emails.ingest(
      msg({ messageId: '<r2@zefir.pl>', subject: 'Re: Re: Offer request', references: ['<offer-1@ZEFIR.pl>', '<r1@firma.pl>'] }),
    );
    expect(deep.taskId).toBe(root.taskId);
    // Out of order: the reply comes first and starts the task; the root joins it.
    const lateReply = await crm.emails.ingest(msg({ messageId: '<b2@zefir.pl>', subject: 'Re: second', references: ['<b1@zefir.pl>'] }));
    const lateRoot = await crm.emails.ingest(msg({ messageId: '<b1@zefir.pl>', subject: 'second' }));
    expect(lateRoot.taskId).toBe(lateReply.taskId);
    expect(lateRoot.taskId).not.toBe(root.taskId);
    expect((await crm.emails.forTask(root.taskId!)).length).toBe(3);
  });

  it('placing a reply reads a few stored e-mails of its thread, however long the thread is', async () => {
    const reads = { emails: 0 };
    // Counts the stored e-mails every query hands back, in and outside transactions.
    const counting = (s: Store): Store =>
      new Proxy(s, {
        get(target, prop) {
          if (prop === 'find')
            return async (collection: string, query?: FindQuery) => {
              const page = await target.find(collection, query);
              if (collection === 'emails') reads.emails += page.items.length;
              return page;
            };
          if (prop === 'transaction') return <R>(fn: (tx: Store) => Promise<R>) => target.transaction((tx) => fn(counting(tx)));
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const crm = createCrm({ store: counting(await testStore()), blobs: memoryBlobStore(), clock: steppingClock('2026-03-02T08:00:00Z') });
    await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
    const reply = (i: number) =>
      msg({
        messageId: `<t${i}@zefir.pl>`,
        subject: `Re: Offer request`,
        references: ['<t0@zefir.pl>', `<t${i - 1}@zefir.pl>`],
        inReplyTo: `<t${i - 1}@zefir.pl>`,
      });
    const root = await crm.emails.ingest(msg({ messageId: '<t0@zefir.pl>' }));
    const readsFor = async (i: number) => {
      reads.emails = 0;
      const r = await crm.emails.ingest(reply(i));
      expect(r.taskId).toBe(root.taskId);
      return reads.emails;
    };
    const short = await readsFor(1);
    // Grow the thread to 120 messages in batches, as an import does.
    for (let from = 2; from < 120; from += 40)
      await crm.emails.ingestMany(Array.from({ length: Math.min(40, 120 - from) }, (_, k) => ({ message: reply(from + k) })));
    const long = await readsFor(120);
    expect(long).toBeLessThanOrEqual(Math.max(short, 6));
    expect((await crm.emails.forTask(root.taskId!)).length).toBe(121);
  });

  it('bulk mail (List-Id, List-Unsubscribe, Precedence, Auto-Submitted) is linked but starts no task', async () => {
    const { crm, zefir } = await setup();
    const cases: Array<Record<string, string>> = [
      { 'list-id': '<news.zefir.pl>' },
      { 'List-Unsubscribe': '<mailto:unsub@zefir.pl>' },
      { precedence: 'bulk' },
      { 'auto-submitted': 'auto-replied' },
    ];
    for (const [i, headers] of cases.entries()) {
      const r = await crm.emails.ingest(msg({ messageId: `<bulk${i}@zefir.pl>`, headers }));
      expect(r.email).toMatchObject({ bulk: true, taskId: null, partnerIds: [zefir.id] });
    }
    const human = await crm.emails.ingest(msg({ messageId: '<h@zefir.pl>', headers: { 'auto-submitted': 'no' } }));
    expect(human.createdTask).toBe(true);
  });

  it('the blocklist drops mail from listed addresses and @domains, subdomains included', async () => {
    const { crm } = await setup({ blocklist: ['spam@zefir.pl', '@ads.example'] });
    for (const address of ['spam@zefir.pl', 'x@ads.example', 'y@mail.ads.example']) {
      const r = await crm.emails.ingest(msg({ messageId: `<${address}>`, from: { name: null, address } }));
      expect(r.status).toBe('blocked');
    }
    const ok = await crm.emails.ingest(msg({ messageId: '<ok@badads.example>', from: { name: null, address: 'z@badads.example' } }));
    expect(ok.status).toBe('imported');
    expect(await crm.store.count('emails')).toBe(1);
  });

  it('unknown senders: ignore drops, keep stores unlinked without a task, prospect creates a partner and a person', async () => {
    const stranger = { from: { name: 'Ola Nowa', address: 'ola@newco.com.pl' }, messageId: '<s1@newco.com.pl>' };
    const ignore = await setup({ unknownSenders: 'ignore' });
    expect((await ignore.crm.emails.ingest(msg(stranger))).status).toBe('ignored');
    expect(await ignore.crm.store.count('emails')).toBe(0);

    const keep = await setup({ unknownSenders: 'keep' });
    const kept = await keep.crm.emails.ingest(msg(stranger));
    expect(kept.email).toMatchObject({ status: 'unlinked', taskId: null });

    const prospect = await setup({ unknownSenders: 'prospect' });
    const made = await prospect.crm.emails.ingest(msg(stranger));
    const partner = await prospect.crm.partners.findByDomain('newco.com.pl');
    expect(partner).toMatchObject({ kind: 'prospect', code: 'NEWCO.COM' });
    const [person] = await prospect.crm.persons.findByEmail('ola@newco.com.pl');
    expect(person).toMatchObject({ firstName: 'Ola', lastName: 'Nowa', partnerId: partner!.id });
    expect(made.createdTask).toBe(true);
    expect(made.linkedToExisting).toBe(false);
    // A free-mail stranger becomes a person without a partner.
    const free = await prospect.crm.emails.ingest(msg({ from: { name: null, address: 'kasia@gmail.com' }, messageId: '<s2@gmail.com>' }));
    expect(free.email!.partnerIds).toEqual([]);
    expect((await prospect.crm.persons.findByEmail('kasia@gmail.com'))[0]!.partnerId).toBeNull();
  });

  it('a per-import policy overrides the CRM policy', async () => {
    const { crm } = await setup({ unknownSenders: 'keep' });
    const r = await crm.emails.ingest(msg({ messageId: '<q@new.io>', from: { name: null, address: 'a@new.io' } }), { policy: { unknownSenders: 'ignore' } });
    expect(r.status).toBe('ignored');
  });

  it('streams attachments into the BlobStore with safe file names', async () => {
    const { crm } = await setup();
    const r = await crm.emails.ingest(
      msg({
        attachments: [
          { filename: '../../etc/passwd', contentType: 'text/plain', content: Readable.from([Buffer.from('hello')]) },
          { filename: null, content: new Uint8Array([1, 2, 3]) },
        ],
      }),
    );
    expect(r.email!.attachments.map((a) => [a.filename, a.size])).toEqual([
      ['passwd', 5],
      ['attachment-2', 3],
    ]);
    expect(safeFilename('..\\..\\x')).toBe('x');
    expect(safeFilename('..')).toBe('attachment');
    expect(safeFilename('a\u0000b.txt')).toBe('a_b.txt');
  });

  it('tasks go to the configured register and owner', async () => {
    const { crm, admin } = await setup();
    const sales = await crm.registers.create({ code: 'MAIL', name: 'From mail', color: '#00aa00', numberPattern: 'M{seq:3}' });
    const bob = await crm.operators.create({ name: 'Bob', email: 'bob@firma.pl' });
    const r = await crm.emails.ingest(msg(), { policy: { register: 'MAIL', ownerId: bob.id } });
    const task = await crm.tasks.get(r.taskId!);
    expect(task).toMatchObject({ registerId: sales.id, ownerId: bob.id, number: 'M001', createdBy: admin.id });
  });

  it('checkpoints never move back within one UIDVALIDITY; quarantine keeps one item per location; expunged locations are marked', async () => {
    const { crm } = await setup();
    await crm.emails.saveCheckpoint({ account: 'a', mailbox: 'INBOX', uidValidity: 1, lastUid: 50, highestModseq: '9', uidNext: 51, messages: 50 });
    await crm.emails.saveCheckpoint({ account: 'a', mailbox: 'INBOX', uidValidity: 1, lastUid: 20, highestModseq: '9', uidNext: 51, messages: 50 });
    expect((await crm.emails.checkpoint('a', 'INBOX'))!.lastUid).toBe(50);
    await crm.emails.saveCheckpoint({ account: 'a', mailbox: 'INBOX', uidValidity: 2, lastUid: 3, highestModseq: null, uidNext: 4, messages: 3 });
    expect(await crm.emails.checkpoint('a', 'INBOX')).toMatchObject({ uidValidity: 2, lastUid: 3 });
    const q = { account: 'a', mailbox: 'INBOX', uidValidity: 2, uid: 9, reason: 'no headers', messageId: null, subject: null, blobKey: null, size: 10 };
    await crm.emails.quarantine(q);
    await crm.emails.quarantine({ ...q, reason: 'still no headers' });
    expect((await crm.emails.quarantined()).items.map((i) => i.reason)).toEqual(['still no headers']);
    await crm.emails.ingest(msg(), { source: { account: 'a', mailbox: 'INBOX', uidValidity: 2, uid: 1 } });
    expect(await crm.emails.knownUids('a', 'INBOX', 2)).toEqual([1]);
    expect(await crm.emails.markDeletedOnServer('a', 'INBOX', 2, [1])).toBe(1);
    expect(await crm.emails.knownUids('a', 'INBOX', 2)).toEqual([]);
    expect(await crm.store.count('emails')).toBe(1);
  });
});
