/**
 * A labelled test mailbox for linking fidelity: a few hundred RFC 5322 messages generated
 * deterministically (a seeded PRNG, fixed dates), each with the partner(s), person(s), thread
 * and task-or-not a careful user expects. Ordinary conversations make up most of it; around them
 * are the cases the linking rules are for (docs/mail.md, "Linking rules"): IDN domains in either
 * form, subdomains, plus-addressing, Outlook Thread-Index, subject-only replies, delivery reports,
 * auto-replies without Auto-Submitted, mixed participants and spoofed display names.
 *
 * Labels are written per identity (who an address is), never derived from the code under test.
 */

/** Own domain of the mailbox owner's company (policy `ownDomains`). */
export const OWN_DOMAINS = ['firma.example'];

export const OPERATORS = [
  { name: 'Anna Admin', email: 'anna@firma.example' },
  { name: 'Piotr Sales', email: 'piotr@firma.example' },
];

/** Partners as a user would enter them: IDN domains in Unicode or in xn-- form, mixed case. */
export const PARTNERS = [
  { code: 'ZEFIR', name: 'Zefir sp. z o.o.', emailDomains: ['zefir.example'] },
  { code: 'CARPATI', name: 'Carpați SRL', emailDomains: ['carpati.example'] },
  { code: 'CARPATI-HU', name: 'Carpați Kft.', emailDomains: ['hu.carpati.example'] },
  { code: 'ZOLW', name: 'Żółw S.A.', emailDomains: ['Żółw.example'] },
  { code: 'MUNCHEN', name: 'München GmbH', emailDomains: ['xn--mnchen-3ya.example'] },
  { code: 'NORD', name: 'Nord AB', emailDomains: ['nord.example'] },
  { code: 'ORION', name: 'Orion Logistics', emailDomains: ['orion.example'] },
];

export const PERSONS = [
  { key: 'jan', partner: 'ZEFIR', firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.example', 'jan.private@gmail.com'] },
  { key: 'ewa', partner: 'ZEFIR', firstName: 'Ewa', lastName: 'Nowak', emails: ['ewa@zefir.example'] },
  { key: 'ion', partner: 'CARPATI', firstName: 'Ion', lastName: 'Popescu', emails: ['ion@carpati.example'] },
  { key: 'ilona', partner: 'CARPATI-HU', firstName: 'Ilona', lastName: 'Kovács', emails: ['ilona@hu.carpati.example'] },
  { key: 'zofia', partner: 'ZOLW', firstName: 'Zofia', lastName: 'Żak', emails: ['zofia@żółw.example'] },
  { key: 'klaus', partner: 'MUNCHEN', firstName: 'Klaus', lastName: 'Maier', emails: ['Klaus@XN--MNCHEN-3YA.example'] },
  { key: 'sven', partner: 'NORD', firstName: 'Sven', lastName: 'Berg', emails: ['sven@nord.example'] },
  { key: 'olga', partner: 'ORION', firstName: 'Olga', lastName: 'Ursu', emails: ['olga@orion.example'] },
  { key: 'tomas', partner: 'ORION', firstName: 'Tomás', lastName: 'Lind', emails: ['tomas@orion.example'] },
];

/**
 * Who an address is. `person`: a seeded person's key, or `new:<address>` for one the import
 * creates (policy `prospect`); `partner`: a seeded code, or `new:<ascii domain>` for a prospect.
 */
interface Who {
  header: string;
  person: string | null;
  partner: string | null;
  us?: boolean;
}

const who = (header: string, person: string | null, partner: string | null): Who => ({ header, person, partner });
const us = (header: string): Who => ({ header, person: null, partner: null, us: true });

const W = {
  anna: us('Anna Admin <anna@firma.example>'),
  piotr: us('Piotr Sales <piotr@firma.example>'),
  mx: us('Mail Delivery System <MAILER-DAEMON@mx.firma.example>'),
  jan: who('Jan Fiszka <jan@zefir.example>', 'jan', 'ZEFIR'),
  janPrivate: who('Jan Fiszka <jan.private@gmail.com>', 'jan', 'ZEFIR'),
  janPlus: who('Jan Fiszka <jan+crm@zefir.example>', 'jan', 'ZEFIR'),
  ewa: who('Ewa Nowak <ewa@zefir.example>', 'ewa', 'ZEFIR'),
  ewaPlus: who('"Nowak, Ewa" <EWA+Offers@Zefir.Example>', 'ewa', 'ZEFIR'),
  zefirUnknownPlus: who('<sales+pl@zefir.example>', null, 'ZEFIR'),
  zefirPostmaster: who('Mail Delivery Subsystem <mailer-daemon@zefir.example>', null, 'ZEFIR'),
  ion: who('Ion Popescu <ion@carpati.example>', 'ion', 'CARPATI'),
  maria: who('Maria Ionescu <maria@ro.carpati.example>', null, 'CARPATI'),
  dan: who('Dan <dan@office.ro.carpati.example>', null, 'CARPATI'),
  ilona: who('Ilona Kovács <ilona@hu.carpati.example>', 'ilona', 'CARPATI-HU'),
  peter: who('Péter <peter@mail.hu.carpati.example>', null, 'CARPATI-HU'),
  zofiaAscii: who('Zofia Żak <zofia@xn--w-uga1v8h.example>', 'zofia', 'ZOLW'),
  zofiaUtf8: who('Zofia Żak <zofia@żółw.example>', 'zofia', 'ZOLW'),
  zbigniew: who('Zbigniew <zbigniew@ŻÓŁW.example>', null, 'ZOLW'),
  klausUtf8: who('Klaus Maier <klaus@münchen.example>', 'klaus', 'MUNCHEN'),
  klausAscii: who('Klaus Maier <klaus@xn--mnchen-3ya.example>', 'klaus', 'MUNCHEN'),
  greta: who('Greta <greta@vertrieb.münchen.example>', null, 'MUNCHEN'),
  sven: who('Sven Berg <sven@nord.example>', 'sven', 'NORD'),
  olga: who('Olga Ursu <olga@orion.example>', 'olga', 'ORION'),
  tomas: who('Tomás Lind <tomas@orion.example>', 'tomas', 'ORION'),
  // Unknown senders: prospects (policy `prospect`), never for free-mail or own domains.
  ola: who('Ola Nowa <ola@newco.example>', 'new:ola@newco.example', 'new:newco.example'),
  olaPlus: who('Ola Nowa <ola+news@newco.example>', 'new:ola@newco.example', 'new:newco.example'),
  bartek: who('Bartek <bartek@newco.example>', null, 'new:newco.example'),
  jon: who('Jon <jon@eu.newco.example>', null, 'new:newco.example'),
  lodz: who('Łucja <lucja@łódź-tech.example>', 'new:lucja@xn--d-tech-9wa54d0p.example', 'new:xn--d-tech-9wa54d0p.example'),
  lodzAscii: who('Leon <leon@xn--d-tech-9wa54d0p.example>', null, 'new:xn--d-tech-9wa54d0p.example'),
  gmailStranger: who('Kasia <kasia.k@gmail.com>', 'new:kasia.k@gmail.com', null),
  wpStranger: who('Marek <marek77@wp.pl>', 'new:marek77@wp.pl', null),
  // Spoofed display names: the name claims someone known, the address is someone else.
  spoofQuoted: who('"jan@zefir.example" <evil@attacker.example>', 'new:evil@attacker.example', 'new:attacker.example'),
  spoofName: who('Jan Fiszka <jan.fiszka.zefir@gmail.com>', 'new:jan.fiszka.zefir@gmail.com', null),
  spoofLookalike: who('"Jan Fiszka (Zefir)" <jan@zefir.example.attacker.example>', null, 'new:attacker.example'),
  spoofSuffix: who('Ion Popescu <ion@evilcarpati.example>', 'new:ion@evilcarpati.example', 'new:evilcarpati.example'),
  // Bulk and robots: linked when known, never a task, never a prospect.
  newsKnown: who('Zefir News <news@zefir.example>', null, 'ZEFIR'),
  newsUnknown: who('Shop <news@shop.example>', null, null),
  ispPostmaster: who('postmaster@isp.example', null, null),
  robotUnknown: who('Helpdesk <noreply@helpdesk.example>', null, null),
  gmailRobot: who('Kuba <kuba.vacation@gmail.com>', null, null),
} satisfies Record<string, Who>;

export interface Label {
  /** Why the message is in the mailbox. */
  rule: string;
  /** Partners linked to the message (codes or `new:<domain>`), sorted. */
  partners: string[];
  /** Persons linked (keys or `new:<address>`), sorted. */
  persons: string[];
  /** The conversation: messages with the same label share one task; null = no task. */
  thread: string | null;
  /** The partner the message's task belongs to (null when it has none or no partner). */
  taskPartner: string | null;
  /** Identities the display names claim falsely: never linked. */
  spoofOf?: string[];
}

export interface LabelledMessage {
  messageId: string;
  raw: string;
  label: Label;
}

/** mulberry32: a tiny seeded PRNG, so the mailbox is the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const encodeWord = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`);

/** A header address: a non-ASCII display name as an encoded word; the address as written (UTF-8 allowed, RFC 6532). */
function addressHeader(w: Who): string {
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(w.header);
  if (!m) return w.header;
  const name = m[1]!;
  if (!name) return `<${m[2]}>`;
  const quoted = name.startsWith('"') ? name : /[^\x20-\x7e]/.test(name) ? encodeWord(name) : name;
  return `${quoted} <${m[2]}>`;
}

interface Spec {
  from: Who;
  to: Who[];
  cc?: Who[];
  subject: string;
  at: Date;
  id: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  /** A multipart/report delivery status notification, or a bare message/delivery-status. */
  report?: 'multipart' | 'bare';
  thread: string | null;
  taskPartner?: string | null;
  rule: string;
  spoofOf?: string[];
}

function render(s: Spec): string {
  const lines = [
    `From: ${addressHeader(s.from)}`,
    `To: ${s.to.map(addressHeader).join(', ')}`,
    ...(s.cc?.length ? [`Cc: ${s.cc.map(addressHeader).join(', ')}`] : []),
    `Subject: ${encodeWord(s.subject)}`,
    `Date: ${s.at.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${s.id}>`,
    ...(s.inReplyTo ? [`In-Reply-To: <${s.inReplyTo}>`] : []),
    ...(s.references?.length ? [`References: ${s.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(s.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
  ];
  if (s.report === 'multipart') {
    lines.push(
      'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"',
      '',
      '--dsn-boundary',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your message could not be delivered to one or more recipients.',
      '--dsn-boundary',
      'Content-Type: message/delivery-status',
      '',
      `Reporting-MTA: dns; mx.example`,
      '',
      'Final-Recipient: rfc822; someone@zefir.example',
      'Action: failed',
      'Status: 5.1.1',
      '--dsn-boundary--',
      '',
    );
  } else if (s.report === 'bare') {
    lines.push(
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example',
      '',
      'Final-Recipient: rfc822; x@zefir.example',
      'Action: failed',
      'Status: 5.2.2',
      '',
    );
  } else {
    lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', `${s.subject}\n\nBest regards`, '');
  }
  return lines.join('\r\n');
}

const sorted = (xs: Array<string | null>) => [...new Set(xs.filter((x): x is string => x !== null))].sort();

function label(s: Spec): Label {
  const all = [s.from, ...s.to, ...(s.cc ?? [])];
  // The task's partner unless a case says otherwise: the sender's for inbound mail, the first
  // recipient's (with a partner) for outbound mail.
  const counterpart = s.from.us ? ([...s.to, ...(s.cc ?? [])].find((w) => w.partner)?.partner ?? null) : s.from.partner;
  return {
    rule: s.rule,
    partners: sorted(all.map((w) => w.partner)),
    persons: sorted(all.map((w) => w.person)),
    thread: s.thread,
    taskPartner: s.thread === null ? null : s.taskPartner === undefined ? counterpart : s.taskPartner,
    ...(s.spoofOf ? { spoofOf: s.spoofOf } : {}),
  };
}

/** An Outlook Thread-Index: 22 bytes (time + conversation GUID) and 5 more per reply. */
function threadIndex(rand: () => number, parent?: string): string {
  const bytes = Array.from({ length: parent ? 5 : 22 }, () => Math.floor(rand() * 256));
  return Buffer.concat([parent ? Buffer.from(parent, 'base64') : Buffer.alloc(0), Buffer.from(bytes)]).toString('base64');
}

const DAY = 86_400_000;

/** The labelled mailbox, oldest message first. */
export function labelledMailbox(): LabelledMessage[] {
  const rand = prng(20_260_105);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const start = Date.UTC(2026, 0, 5, 8, 0, 0);
  const specs: Spec[] = [];
  let n = 0;
  const id = (domain: string) => `m${String(++n).padStart(4, '0')}.${Math.floor(rand() * 1e9).toString(36)}@${domain}`;
  const dom = (w: Who) => (w.us ? 'firma.example' : 'mail.example');
  const add = (s: Omit<Spec, 'id'> & { id?: string }) => {
    const spec = { ...s, id: s.id ?? id(dom(s.from)) };
    specs.push(spec);
    return spec;
  };

  // 1. Ordinary conversations with References/In-Reply-To: known people, both directions,
  //    sometimes a colleague in Cc.
  const contacts = [W.jan, W.ewa, W.ion, W.ilona, W.zofiaAscii, W.klausAscii, W.sven, W.olga, W.tomas, W.janPrivate];
  const topics = ['Order', 'Invoice', 'Delivery', 'Offer', 'Complaint', 'Meeting', 'Contract', 'Price list', 'Samples', 'Payment'];
  for (let t = 0; t < 70; t++) {
    const contact = pick(contacts);
    const colleague = contacts.find((c) => c !== contact && c.partner === contact.partner && c.person !== contact.person) ?? null;
    const me = pick([W.anna, W.piotr]);
    const subject = `${pick(topics)} ${1000 + t}`;
    const thread = `ordinary-${t}`;
    const length = 1 + Math.floor(rand() * 4);
    let at = start + Math.floor(rand() * 150) * DAY + Math.floor(rand() * 8) * 3_600_000;
    const chain: string[] = [];
    let inbound = rand() < 0.7;
    const cc = colleague && rand() < 0.2 ? [colleague] : rand() < 0.1 ? [me === W.anna ? W.piotr : W.anna] : [];
    for (let i = 0; i < length; i++) {
      const s = add({
        from: inbound ? contact : me,
        to: [inbound ? me : contact],
        cc,
        subject: i === 0 ? subject : `${pick(['Re:', 'RE:', 'Re:'])} ${subject}`,
        at: new Date(at),
        ...(i > 0 ? { inReplyTo: chain.at(-1)!, references: [...chain] } : {}),
        thread,
        taskPartner: contact.partner,
        rule: 'ordinary',
      });
      chain.push(s.id);
      at += (1 + Math.floor(rand() * 48)) * 3_600_000;
      inbound = !inbound;
    }
  }
  // Newsletters (List-Id) and Auto-Submitted replies: linked when known, no task, no prospect.
  for (let i = 0; i < 8; i++) {
    const from = i % 2 ? W.newsKnown : W.newsUnknown;
    add({
      from,
      to: [W.anna],
      subject: `Newsletter ${i + 1}`,
      at: new Date(start + (i * 17 + 3) * DAY),
      headers: { 'List-Id': '<news.list.example>', 'List-Unsubscribe': '<mailto:unsub@list.example>' },
      thread: null,
      rule: 'bulk',
    });
  }
  for (let i = 0; i < 4; i++) {
    add({
      from: i % 2 ? W.olga : W.robotUnknown,
      to: [W.piotr],
      subject: `Auto: ticket ${i + 1} received`,
      at: new Date(start + (i * 31 + 5) * DAY),
      headers: { 'Auto-Submitted': 'auto-replied' },
      thread: null,
      rule: 'bulk',
    });
  }

  // 2. IDN domains, in either form on either side.
  const t0 = start + 3 * DAY;
  const idn = (w: Who, to: Who[], subject: string, day: number, thread: string, extra: Partial<Spec> = {}) =>
    add({ from: w, to, subject, at: new Date(t0 + day * DAY), thread, rule: 'idn', ...extra });
  const z1 = idn(W.zofiaAscii, [W.anna], 'Zamówienie ryb', 0, 'idn-zolw-1');
  idn(W.anna, [W.zofiaUtf8], 'Re: Zamówienie ryb', 1, 'idn-zolw-1', { inReplyTo: z1.id, references: [z1.id] });
  idn(W.zofiaUtf8, [W.anna], 'Nowy cennik', 2, 'idn-zolw-2');
  idn(W.zbigniew, [W.anna], 'Reklamacja 17', 3, 'idn-zolw-3');
  idn(W.anna, [W.zbigniew, W.zofiaAscii], 'Reklamacja 18', 4, 'idn-zolw-4', { taskPartner: 'ZOLW' });
  const k1 = idn(W.klausUtf8, [W.piotr], 'Angebot Pumpen', 5, 'idn-munchen-1');
  idn(W.piotr, [W.klausAscii], 'Re: Angebot Pumpen', 6, 'idn-munchen-1', { inReplyTo: k1.id, references: [k1.id] });
  idn(W.klausAscii, [W.piotr], 'Lieferung', 7, 'idn-munchen-2');
  idn(W.greta, [W.piotr], 'Rechnung 2026-11', 8, 'idn-munchen-3');
  idn(W.lodz, [W.anna], 'Zapytanie ofertowe', 9, 'idn-lodz-1');
  idn(W.lodzAscii, [W.anna], 'Zapytanie ofertowe 2', 10, 'idn-lodz-2');

  // 3. Subdomains: the most specific registered domain wins; no prospect for a known partner's subdomain.
  const t1 = start + 20 * DAY;
  const sub = (w: Who, to: Who[], subject: string, day: number, thread: string | null) =>
    add({ from: w, to, subject, at: new Date(t1 + day * DAY), thread, rule: 'subdomain' });
  sub(W.maria, [W.anna], 'Comandă nouă', 0, 'sub-1');
  sub(W.dan, [W.anna], 'Factura 44', 1, 'sub-2');
  sub(W.ilona, [W.anna], 'Rendelés', 2, 'sub-3');
  sub(W.peter, [W.anna], 'Számla', 3, 'sub-4');
  sub(W.anna, [W.maria], 'Oferta pompe', 4, 'sub-5');
  sub(W.mx, [W.anna], 'Delivery report digest', 5, null);
  sub(W.ola, [W.anna], 'Partnership', 6, 'sub-prospect-1');
  sub(W.bartek, [W.anna], 'Partnership details', 7, 'sub-prospect-2');
  sub(W.jon, [W.anna], 'EU branch', 8, 'sub-prospect-3');

  // 4. Plus-addressing.
  const t2 = start + 35 * DAY;
  const plus = (w: Who, to: Who[], subject: string, day: number, thread: string) =>
    add({ from: w, to, subject, at: new Date(t2 + day * DAY), thread, rule: 'plus' });
  plus(W.janPlus, [W.anna], 'Order via shop', 0, 'plus-1');
  plus(W.ewaPlus, [W.anna], 'Offers for Q2', 1, 'plus-2');
  plus(W.anna, [W.janPlus], 'Your shop account', 2, 'plus-3');
  plus(W.zefirUnknownPlus, [W.anna], 'Sales enquiry', 3, 'plus-4');
  plus(W.olaPlus, [W.anna], 'Partnership news', 4, 'plus-5');

  // 5. Outlook threads: Thread-Index/Thread-Topic, no References.
  const t3 = start + 45 * DAY;
  const ti1 = threadIndex(rand);
  const ti2 = threadIndex(rand);
  const ti3 = threadIndex(rand);
  const outlook = (w: Who, to: Who[], subject: string, day: number, thread: string, index: string, topic: string) =>
    add({ from: w, to, subject, at: new Date(t3 + day * DAY), thread, rule: 'outlook', headers: { 'Thread-Topic': encodeWord(topic), 'Thread-Index': index } });
  outlook(W.piotr, [W.ion], 'Invoice', 0, 'outlook-1', ti1, 'Invoice');
  outlook(W.ion, [W.piotr], 'Invoice', 1, 'outlook-2', ti2, 'Invoice');
  outlook(W.ion, [W.piotr], 'RE: Invoice', 2, 'outlook-1', threadIndex(rand, ti1), 'Invoice');
  outlook(W.piotr, [W.ion], 'RE: Invoice', 3, 'outlook-2', threadIndex(rand, ti2), 'Invoice');
  outlook(W.ion, [W.piotr], 'AW: Invoice', 4, 'outlook-2', threadIndex(rand, threadIndex(rand, ti2)), 'Invoice');
  outlook(W.olga, [W.anna], 'Transport plan', 5, 'outlook-3', ti3, 'Transport plan');
  outlook(W.anna, [W.olga], 'RE: Transport plan (corrected)', 70, 'outlook-3', threadIndex(rand, ti3), 'Transport plan');
  outlook(W.tomas, [W.anna], 'RE: Transport plan (corrected)', 71, 'outlook-3', threadIndex(rand, threadIndex(rand, ti3)), 'Transport plan');

  // 6. Replies with only a subject: join the open task of the same subject and partner within 30 days.
  const t4 = start + 60 * DAY;
  const subj = (w: Who, to: Who[], subject: string, day: number, thread: string, taskPartner?: string) =>
    add({ from: w, to, subject, at: new Date(t4 + day * DAY), thread, rule: 'subject', ...(taskPartner ? { taskPartner } : {}) });
  subj(W.jan, [W.anna], 'Offer for pumps', 0, 'subject-1');
  subj(W.anna, [W.jan], 'RE: Offer for pumps', 3, 'subject-1');
  subj(W.jan, [W.anna], 'AW: RE: Offer for pumps', 5, 'subject-1');
  subj(W.ewa, [W.anna], 'Odp: Offer for pumps', 8, 'subject-1');
  subj(W.ion, [W.anna], 'RE: Offer for pumps', 9, 'subject-2');
  subj(W.jan, [W.anna], 'Offer for pumps', 10, 'subject-3');
  subj(W.jan, [W.anna], 'Re: Offer for pumps', 60, 'subject-4');
  subj(W.anna, [W.jan], 'Re: Re: Offer for pumps', 62, 'subject-4');
  subj(W.sven, [W.piotr], 'SV: Leverans', 11, 'subject-5');
  subj(W.piotr, [W.sven], 'Fwd: Leverans', 13, 'subject-5');
  subj(W.sven, [W.piotr], 'FW: SV: Leverans', 14, 'subject-5');
  subj(W.olga, [W.anna], 'Re:  [Orion] Pallets', 15, 'subject-6');
  subj(W.tomas, [W.anna], 'RE: [Orion] Pallets', 16, 'subject-6');
  subj(W.anna, [W.tomas], 'Odp: RE: [orion] pallets', 17, 'subject-6');

  // 7. Delivery reports and auto-replies without Auto-Submitted: linked, no task, no prospect.
  const t5 = start + 130 * DAY;
  const robot = (w: Who, to: Who[], subject: string, day: number, extra: Partial<Spec>, thread: string | null = null) =>
    add({ from: w, to, subject, at: new Date(t5 + day * DAY), thread, rule: 'auto', ...extra });
  robot(W.mx, [W.anna], 'Undelivered Mail Returned to Sender', 0, { report: 'multipart' });
  robot(W.zefirPostmaster, [W.anna], 'Delivery Status Notification (Failure)', 1, { report: 'multipart' });
  robot(W.ispPostmaster, [W.piotr], 'Returned mail: see transcript for details', 2, { report: 'multipart' });
  robot(W.ispPostmaster, [W.piotr], 'Delivery failure', 3, { report: 'bare' });
  robot(W.jan, [W.anna], 'Out of office: Order 1001', 4, { headers: { 'X-Autoreply': 'yes' } });
  robot(W.klausUtf8, [W.piotr], 'Automatische Antwort: Lieferung', 5, {});
  robot(W.ewa, [W.anna], 'Odpowiedź automatyczna: Faktura', 6, {});
  robot(W.ion, [W.anna], 'Răspuns automat: Comandă', 7, {});
  robot(W.sven, [W.piotr], 'Autosvar: Leverans', 8, {});
  robot(W.olga, [W.anna], 'Out of Office AutoReply: Pallets', 9, {});
  robot(W.robotUnknown, [W.anna], 'Your request has been received', 10, { headers: { 'X-Autorespond': 'Your request has been received' } });
  robot(W.gmailRobot, [W.anna], 'Out of office', 11, { headers: { 'X-Autoreply': 'yes' } });
  robot(W.robotUnknown, [W.anna], 'Abwesenheitsnotiz: Anfrage', 12, {});
  robot(W.ispPostmaster, [W.anna], 'Undeliverable: Offer', 13, { headers: { 'X-Autoreply': 'yes' }, report: 'multipart' });
  // An auto-reply in a thread goes on that thread's task (it creates none).
  const q = add({ from: W.anna, to: [W.tomas], subject: 'Quotation 77', at: new Date(t5 + 14 * DAY), thread: 'auto-thread', rule: 'auto' });
  robot(W.tomas, [W.anna], 'Automatic reply: Quotation 77', 14.1, { inReplyTo: q.id, references: [q.id], headers: { 'X-Autoreply': 'yes' } }, 'auto-thread');

  // 8. Several partners on one message: the sender's partner (inbound) or the first recipient's (outbound).
  const t6 = start + 150 * DAY;
  const mixed = (w: Who, to: Who[], cc: Who[], subject: string, day: number, thread: string, taskPartner: string) =>
    add({ from: w, to, cc, subject, at: new Date(t6 + day * DAY), thread, taskPartner, rule: 'mixed' });
  mixed(W.anna, [W.ion], [W.jan], 'Joint delivery', 0, 'mixed-1', 'CARPATI');
  mixed(W.anna, [W.jan], [W.ion], 'Joint delivery 2', 1, 'mixed-2', 'ZEFIR');
  mixed(W.ion, [W.anna], [W.jan], 'Joint delivery 3', 2, 'mixed-3', 'CARPATI');
  mixed(W.jan, [W.anna, W.ion], [W.olga], 'Joint delivery 4', 3, 'mixed-4', 'ZEFIR');
  mixed(W.piotr, [W.anna, W.olga], [W.sven], 'Transport', 4, 'mixed-5', 'ORION');
  mixed(W.piotr, [W.sven, W.olga, W.ion], [], 'Tender', 5, 'mixed-6', 'NORD');
  mixed(W.olga, [W.piotr], [W.ilona, W.klausAscii, W.zofiaAscii, W.sven], 'Consortium', 6, 'mixed-7', 'ORION');
  mixed(W.anna, [W.klausUtf8], [W.zofiaAscii, W.jan], 'Consortium 2', 7, 'mixed-8', 'MUNCHEN');
  mixed(W.janPrivate, [W.anna], [W.ion], 'From home', 8, 'mixed-9', 'ZEFIR');

  // 9. Free-mail strangers and spoofed display names: a person at most, never a partner for free mail.
  const t7 = start + 160 * DAY;
  const stranger = (w: Who, subject: string, day: number, thread: string, spoofOf?: string[]) =>
    add({
      from: w,
      to: [W.anna],
      subject,
      at: new Date(t7 + day * DAY),
      thread,
      taskPartner: w.partner,
      rule: spoofOf ? 'spoof' : 'freemail',
      ...(spoofOf ? { spoofOf } : {}),
    });
  stranger(W.gmailStranger, 'Question about your product', 0, 'free-1');
  stranger(W.wpStranger, 'Zapytanie', 1, 'free-2');
  stranger(W.gmailStranger, 'Second question', 2, 'free-3');
  stranger(W.spoofQuoted, 'Urgent: change of bank account', 3, 'spoof-1', ['jan', 'ZEFIR']);
  stranger(W.spoofName, 'Invoice correction', 4, 'spoof-2', ['jan', 'ZEFIR']);
  stranger(W.spoofLookalike, 'Payment reminder', 5, 'spoof-3', ['jan', 'ZEFIR']);
  stranger(W.spoofSuffix, 'Comandă urgentă', 6, 'spoof-4', ['ion', 'CARPATI']);
  add({
    from: W.spoofQuoted,
    to: [W.anna],
    cc: [who('"ion@carpati.example" <ion.popescu@attacker.example>', null, 'new:attacker.example')],
    subject: 'Fwd: bank details',
    at: new Date(t7 + 7 * DAY),
    thread: 'spoof-5',
    taskPartner: 'new:attacker.example',
    rule: 'spoof',
    spoofOf: ['jan', 'ZEFIR', 'ion', 'CARPATI'],
  });

  specs.sort((a, b) => a.at.getTime() - b.at.getTime());
  return specs.map((s) => ({ messageId: s.id, raw: render(s), label: label(s) }));
}
