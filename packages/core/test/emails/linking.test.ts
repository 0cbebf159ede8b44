import { describe, expect, it } from 'vitest';
import { createCrm, isBulk, memoryStore, steppingClock, type IncomingEmail, type MailPolicy } from '@rapport/core';
import { hasReplyPrefix, normalizeSubject } from '../../src/modules/emails/normalize.js';
import { rejects } from '../domain/setup.js';

async function setup(mail: Partial<MailPolicy> = {}) {
  const root = createCrm({ store: memoryStore(), clock: steppingClock('2026-03-02T08:00:00Z'), mail: { ownDomains: ['firma.example'], ...mail } });
  const admin = await root.operators.create({ name: 'Anna', email: 'anna@firma.example' });
  const crm = root.as(admin.id);
  const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.example'] });
  const carpati = await crm.partners.create({ code: 'CARPATI', name: 'Carpați', emailDomains: ['carpati.example'] });
  const jan = await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.example'] });
  const ion = await crm.persons.create({ partnerId: carpati.id, firstName: 'Ion', lastName: 'Popescu', emails: ['ion@carpati.example'] });
  return { crm, zefir, carpati, jan, ion };
}

let n = 0;
const mail = (over: Partial<IncomingEmail> & { day?: number } = {}): IncomingEmail => {
  const { day = 0, ...rest } = over;
  return {
    messageId: `<m${++n}@test.example>`,
    from: { name: 'Jan', address: 'jan@zefir.example' },
    to: [{ name: 'Anna', address: 'anna@firma.example' }],
    date: new Date(Date.UTC(2026, 2, 1 + day, 10)),
    subject: 'Offer',
    text: 'text',
    ...rest,
  };
};
const anna = { name: 'Anna', address: 'anna@firma.example' };
const index = (bytes: number[]) => Buffer.from(bytes).toString('base64');
const root22 = Array.from({ length: 22 }, (_, i) => i * 7);

describe('linking rules (docs/mail.md)', () => {
  it('IDN and plus-addressed senders, in either spelling, are their persons; a subdomain is its partner and never a prospect', async () => {
    const { crm, zefir, carpati, jan } = await setup({ unknownSenders: 'prospect' });
    const zolw = await crm.partners.create({ code: 'ZOLW', name: 'Żółw', emailDomains: ['xn--w-uga1v8h.example'] });
    const zofia = await crm.persons.create({ partnerId: zolw.id, firstName: 'Zofia', lastName: 'Żak', emails: ['zofia@żółw.example'] });
    const a = await crm.emails.ingest(mail({ from: { name: 'Zofia', address: 'Zofia@ŻÓŁW.example' }, subject: 'Ryby' }));
    expect(a.email).toMatchObject({ fromAddress: 'zofia@xn--w-uga1v8h.example', personIds: [zofia.id], partnerIds: [zolw.id] });
    const b = await crm.emails.ingest(mail({ from: { name: 'Jan', address: 'jan+crm@zefir.example' } }));
    expect(b.email).toMatchObject({ personIds: [jan.id], partnerIds: [zefir.id] });
    const c = await crm.emails.ingest(mail({ from: { name: 'Maria', address: 'maria@ro.carpati.example' }, subject: 'Comandă' }));
    expect(c.email).toMatchObject({ personIds: [], partnerIds: [carpati.id] });
    expect((await crm.tasks.get(c.taskId!)).partnerId).toBe(carpati.id);
    expect((await crm.partners.list({ kind: 'prospect' })).items).toEqual([]);
  });

  it('an Outlook reply without References joins its conversation by Thread-Index, not another one with the same subject', async () => {
    const { crm } = await setup();
    const first = await crm.emails.ingest(mail({ subject: 'Invoice', headers: { 'thread-index': index(root22) } }));
    const other = await crm.emails.ingest(mail({ subject: 'Invoice', day: 1, headers: { 'thread-index': index(root22.map((b) => 255 - b)) } }));
    expect(other.taskId).not.toBe(first.taskId);
    const reply = await crm.emails.ingest(
      mail({
        from: anna,
        to: [{ name: 'Jan', address: 'jan@zefir.example' }],
        subject: 'RE: Invoice',
        day: 90,
        headers: { 'thread-index': index([...root22, 1, 2, 3, 4, 5]) },
      }),
    );
    expect(reply.taskId).toBe(first.taskId);
    expect(reply.createdTask).toBe(false);
  });

  it('reply and forward prefixes of common mail clients are recognised and removed, repeated or numbered', () => {
    for (const s of [
      'RE: Offer',
      'Re[2]: Offer',
      'AW: WG: Offer',
      'Odp: PD: Offer',
      'SV: VS: Offer',
      'Antw: Offer',
      'Fwd: Offer',
      'FW: TR: RV: Offer',
      'RES: ENC: Offer',
      'Vá: Offer',
    ]) {
      expect(hasReplyPrefix(s), s).toBe(true);
      expect(normalizeSubject(s), s).toBe('offer');
    }
    for (const s of ['Offer', 'Report: Q1', 'Regarding: offer', 'Pumps RE: offer']) expect(hasReplyPrefix(s), s).toBe(false);
    expect(normalizeSubject('Re:  [Orion]   Pallets ')).toBe('[orion] pallets');
  });

  it('a reply known only by its subject joins the open task of that subject and partner within the window, else starts its own', async () => {
    const { crm } = await setup({ replyWindowDays: 10 });
    const first = await crm.emails.ingest(mail({ subject: 'Offer for pumps' }));
    const joined = await crm.emails.ingest(
      mail({ from: anna, to: [{ name: 'Jan', address: 'jan@zefir.example' }], subject: 'AW: Re: offer  for pumps', day: 9 }),
    );
    expect(joined.taskId).toBe(first.taskId);
    const otherPartner = await crm.emails.ingest(mail({ from: { name: 'Ion', address: 'ion@carpati.example' }, subject: 'Odp: Offer for pumps', day: 10 }));
    expect(otherPartner.createdTask).toBe(true);
    const late = await crm.emails.ingest(mail({ subject: 'SV: Offer for pumps', day: 25 }));
    expect(late.createdTask).toBe(true);
    const noPrefix = await crm.emails.ingest(mail({ subject: 'Offer for pumps', day: 26 }));
    expect(noPrefix.createdTask).toBe(true);
    await crm.tasks.cancel(noPrefix.taskId!);
    expect((await crm.emails.ingest(mail({ subject: 'Fwd: Offer for pumps', day: 27 }))).taskId).toBe(late.taskId);
    await rejects(crm.emails.ingest(mail(), { policy: { replyWindowDays: -1 } }), 'VALIDATION', 'mail.replyWindowDays');
  });

  it('delivery reports and auto-replies without Auto-Submitted link but create no task and no prospect', async () => {
    expect(isBulk({ 'content-type': 'multipart/report; report-type=delivery-status' })).toBe(true);
    expect(isBulk({ 'content-type': 'message/delivery-status' })).toBe(true);
    expect(isBulk({ 'x-autoreply': 'yes' })).toBe(true);
    expect(isBulk({ 'x-autorespond': 'Thanks' })).toBe(true);
    for (const s of [
      'Out of office: Offer',
      'Automatische Antwort: Angebot',
      'Odpowiedź automatyczna: Oferta',
      'Răspuns automat: Ofertă',
      'Undeliverable: Offer',
    ])
      expect(isBulk({}, s), s).toBe(true);
    for (const s of ['Re: Offer', 'Offer: out of office supplies', 'Delivery failure of pumps']) expect(isBulk({}, s), s).toBe(false);
    const { crm, jan } = await setup({ unknownSenders: 'prospect' });
    const auto = await crm.emails.ingest(mail({ subject: 'Odpowiedź automatyczna: Oferta' }));
    expect(auto).toMatchObject({ taskId: null, createdTask: false });
    expect(auto.email).toMatchObject({ bulk: true, personIds: [jan.id] });
    const dsn = await crm.emails.ingest(
      mail({
        from: { name: null, address: 'postmaster@isp.example' },
        subject: 'Returned mail',
        headers: { 'content-type': 'multipart/report; report-type=delivery-status' },
      }),
    );
    const robot = await crm.emails.ingest(
      mail({ from: { name: null, address: 'noreply@helpdesk.example' }, subject: 'Ticket received', headers: { 'x-autorespond': 'yes' } }),
    );
    for (const r of [dsn, robot]) expect(r).toMatchObject({ status: 'imported', taskId: null });
    expect((await crm.partners.list({ kind: 'prospect' })).items).toEqual([]);
    expect((await crm.persons.list()).items).toHaveLength(2);
  });

  it("a task belongs to the sender's partner (inbound) or the first recipient's (outbound), whatever the store returns first", async () => {
    const { crm, zefir, carpati, jan, ion } = await setup();
    const janAddr = { name: 'Jan', address: 'jan@zefir.example' };
    const ionAddr = { name: 'Ion', address: 'ion@carpati.example' };
    const out1 = await crm.emails.ingest(mail({ from: anna, to: [ionAddr], cc: [janAddr], subject: 'Joint 1' }));
    const out2 = await crm.emails.ingest(mail({ from: anna, to: [janAddr], cc: [ionAddr], subject: 'Joint 2' }));
    const in1 = await crm.emails.ingest(mail({ from: ionAddr, to: [anna, janAddr], subject: 'Joint 3' }));
    for (const [r, partner, person] of [
      [out1, carpati, ion],
      [out2, zefir, jan],
      [in1, carpati, ion],
    ] as const) {
      expect(await crm.tasks.get(r.taskId!)).toMatchObject({ partnerId: partner.id, personId: person.id });
    }
  });

  it('a spoofed display name links nobody and names no prospect', async () => {
    const { crm, zefir, jan } = await setup({ unknownSenders: 'prospect' });
    const r = await crm.emails.ingest(mail({ from: { name: 'jan@zefir.example', address: 'evil@attacker.example' }, subject: 'Bank account' }));
    expect(r.email!.personIds).not.toContain(jan.id);
    expect(r.email!.partnerIds).not.toContain(zefir.id);
    const person = await crm.persons.get(r.email!.personIds[0]!);
    expect(person.firstName).toBe('evil');
  });
});
