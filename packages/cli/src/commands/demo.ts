import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Crm, IncomingEmail, Operator, Partner, PartnerKind, Person } from '@rapport/core';
import type { SyncReport } from '@rapport/mail-bridge';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';
import seedData from './demo-seed.json';
import { describeServer, port, serveUntilStopped, startServer, type RunningServer } from './serve.js';

const DEMO_DB = 'sqlite:./rapport-demo.db';
const OWN_DOMAIN = 'firma.pl';

/** The bundled sample mailbox (packages/cli/assets/sample.mbox), from src/ or dist/. */
function sampleMbox(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'assets', 'sample.mbox')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'assets', 'sample.mbox');
}

// A small deterministic generator, so every demo database looks the same.
function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The demo's sample partners and subjects: data, kept out of the code (demo-seed.json). */
interface DemoSeed {
  partners: Array<{
    code: string;
    name: string;
    kind: PartnerKind;
    domain: string;
    taxId: string;
    city: string;
    country: string;
    industry: string;
    persons: Array<{ first: string; last: string; position: string; local: string }>;
  }>;
  taskSubjects: string[];
  emailSubjects: string[];
}
const { partners: PARTNERS, taskSubjects: TASK_SUBJECTS, emailSubjects: EMAIL_SUBJECTS } = seedData as DemoSeed;

const DAY = 24 * 60 * 60 * 1000;

interface Seeded {
  operator: Operator;
  partners: number;
  persons: number;
  tasks: number;
  opportunities: number;
  emails: number;
}

/** Seeds the enova example and a few dozen partners, persons, tasks, opportunities and e-mails. */
async function seed(crm: Crm): Promise<Seeded> {
  const now = crm.clock.now().getTime();
  const at = (days: number) => new Date(now + days * DAY);
  const rnd = random(20261031);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;

  const admin = await crm.operators.create({ name: 'Administrator', email: `admin@${OWN_DOMAIN}`, groups: ['admins'] });
  const anna = await crm.operators.create({ name: 'Anna Kowalska', email: `anna@${OWN_DOMAIN}`, groups: ['sales'] });
  const piotr = await crm.operators.create({ name: 'Piotr Nowak', email: `piotr@${OWN_DOMAIN}`, groups: ['sales'] });
  const owners = [anna, piotr];
  const asAnna = crm.as(anna.id);
  await crm.as(admin.id).registers.create({ code: 'REK', name: 'Reklamacje', color: '#c50f1f', numberPattern: '{seq:4}/{yyyy}/REK' });

  // The enova example: partner ZEFIR, Jan Fiszka, event 0001/yyyy/CRM with two stages.
  const zefir = await asAnna.partners.create({
    code: 'ZEFIR',
    name: 'Zefir J. Nowak i E. Nowak s.c.',
    kind: 'customer',
    taxId: '7822190476',
    emailDomains: ['zefir.pl'],
    phones: ['+48 61 842 17 30'],
    address: { street: 'ul. Głogowska 112', city: 'Poznań', postalCode: '60-243', country: 'PL' },
    industry: 'Handel hurtowy',
    ownerId: anna.id,
  });
  const jan = await asAnna.persons.create({
    partnerId: zefir.id,
    firstName: 'Jan',
    lastName: 'Fiszka',
    emails: ['jan.fiszka@zefir.pl'],
    phones: ['+48 601 220 310'],
    position: 'Kierownik zakupów',
  });
  await asAnna.persons.create({ partnerId: zefir.id, firstName: 'Ewa', lastName: 'Nowak', emails: ['ewa.nowak@zefir.pl'], position: 'Współwłaścicielka' });
  const enova = await asAnna.tasks.create({
    subject: 'Informacje o systemie enova',
    description: 'Klient prosi o materiały o enova365 (Handel, Kadry i Płace, CRM) i cennik dla 8 stanowisk.',
    personId: jan.id,
    ownerId: anna.id,
    plannedAt: at(-22),
    dueAt: at(-3),
    priority: 'high',
    stages: [
      { subject: 'Wysłać materiały pocztą', plannedAt: at(-20) },
      { subject: 'Wysłać prezentację e-mailem', plannedAt: at(-4) },
      { subject: 'Telefon po prezentacji', plannedAt: at(2) },
    ],
  });
  const [firstStage] = await asAnna.tasks.stages(enova.id);
  await asAnna.tasks.completeStage(firstStage!.id, { doneAt: at(-19) });
  await asAnna.tasks.addNote(enova.id, 'Rozmowa telefoniczna: klient porównuje enova365 z systemem SoftDom; decyzja do końca miesiąca.');
  await asAnna.opportunities.create({
    name: 'enova365 — 8 stanowisk',
    partnerId: zefir.id,
    personId: jan.id,
    ownerId: anna.id,
    amount: 1_780_000,
    currency: 'PLN',
    expectedCloseAt: at(8),
  });
  await asAnna.tasks.create({ subject: 'Warunki rabatu dla ZEFIR (poufne)', partnerId: zefir.id, ownerId: anna.id, private: true, dueAt: at(5) });

  let persons = 3;
  let tasks = 2;
  let opportunities = 1;
  let emails = 0;
  const contacts: Array<{ partner: Partner; person: Person }> = [];
  for (const { code, name, kind, domain, taxId, city, country, industry, persons: people } of PARTNERS) {
    const owner = pick(owners);
    const as = crm.as(owner.id);
    const partner = await as.partners.create({
      code,
      name,
      kind,
      taxId,
      emailDomains: [domain],
      address: { city, country },
      industry,
      ownerId: owner.id,
      phones: [],
    });
    for (const { first, last, position, local } of people) {
      const person = await as.persons.create({ partnerId: partner.id, firstName: first, lastName: last, position, emails: [`${local}@${domain}`] });
      contacts.push({ partner, person });
      persons++;
    }
    if (kind === 'competitor') continue;
    const count = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < count; i++) {
      const due = Math.round(rnd() * 40 - 15);
      const complaint = rnd() < 0.12;
      const person = contacts.filter((c) => c.partner.id === partner.id)[0]?.person ?? null;
      const task = await as.tasks.create({
        ...(complaint ? { registerCode: 'REK', subject: `Reklamacja dostawy ${code}/${100 + i}` } : { subject: pick(TASK_SUBJECTS) }),
        partnerId: partner.id,
        personId: person?.id ?? null,
        ownerId: owner.id,
        plannedAt: at(due - 7),
        dueAt: at(due),
        priority: rnd() < 0.2 ? 'high' : 'normal',
        ...(rnd() < 0.4 ? { stages: [{ subject: 'Kontakt telefoniczny' }, { subject: 'Wysłanie oferty' }, { subject: 'Negocjacje' }] } : {}),
      });
      tasks++;
      if (due < -8 && rnd() < 0.6) {
        // Stages are done in order; completing the task closes the last one.
        const stages = await as.tasks.stages(task.id);
        for (const stage of stages.slice(0, -1)) await as.tasks.completeStage(stage.id, { doneAt: at(due - 1) });
        await as.tasks.complete(task.id, { doneAt: at(due) });
      } else if (rnd() < 0.3) await as.tasks.start(task.id);
    }
    if (kind === 'customer' || kind === 'prospect') {
      if (rnd() < 0.6) {
        await as.opportunities.create({
          name: `${pick(['Wdrożenie ERP', 'Rozbudowa licencji', 'Moduł CRM', 'Umowa serwisowa'])} — ${name.split(' ')[0]}`,
          partnerId: partner.id,
          ownerId: owner.id,
          amount: Math.round(rnd() * 90 + 10) * 100_000,
          currency: country === 'RO' ? 'RON' : 'PLN',
          expectedCloseAt: at(Math.round(rnd() * 60)),
        });
        opportunities++;
      }
    }
  }

  // E-mails from contacts over the last weeks (the sample mbox adds threads with attachments).
  for (let i = 0; i < 30; i++) {
    const { person } = pick(contacts);
    const inbound = rnd() < 0.7;
    const operator = pick(owners);
    const them = { name: `${person.firstName} ${person.lastName}`, address: person.emails[0]! };
    const us = { name: operator.name, address: operator.email };
    const subject = pick(EMAIL_SUBJECTS);
    const message: IncomingEmail = {
      messageId: `<demo-${i}.${person.id}@${inbound ? them.address.split('@')[1] : OWN_DOMAIN}>`,
      from: inbound ? them : us,
      to: [inbound ? us : them],
      date: at(-Math.round(rnd() * 30) - 1),
      subject,
      text: inbound
        ? `Dzień dobry,\n\nw nawiązaniu do naszej rozmowy: ${subject.toLowerCase()}. Proszę o informację zwrotną.\n\nPozdrawiam\n${them.name}`
        : `Dzień dobry,\n\nprzesyłam informacje w sprawie: ${subject.toLowerCase()}.\n\nZ poważaniem\n${us.name}`,
    };
    const result = await crm.as(operator.id).emails.ingest(message, { policy: { ownDomains: [OWN_DOMAIN], ownerId: operator.id } });
    if (result.status === 'imported') emails++;
  }
  return { operator: anna, partners: PARTNERS.length + 1, persons, tasks, opportunities, emails };
}

export function registerDemo(program: Command) {
  program
    .command('demo')
    .description('create ./rapport-demo.db with sample data, import the sample mailbox and serve the API + add-in pane')
    .option('--port <port>', 'port to serve on', port, 3000)
    .option('--no-serve', 'seed and print, then exit (for CI)')
    .option('--reset', 'delete the demo database first')
    .action(async (opts: { port: number; serve: boolean; reset?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const db = g.db ?? DEMO_DB;
      if (opts.reset && db.startsWith('sqlite:') && !db.endsWith(':memory:')) {
        const file = resolve(db.slice('sqlite:'.length));
        for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}.blobs`]) rmSync(f, { recursive: true, force: true });
      }
      const { crm, url } = await openCrm(db);
      let server: RunningServer | undefined;
      try {
        const existing = await crm.partners.findByCode('ZEFIR');
        let seeded: Seeded | null = null;
        let imported: SyncReport | null = null;
        if (!existing) {
          seeded = await seed(crm);
          const { importMbox } = await import('@rapport/mail-bridge');
          imported = await importMbox(crm.as(seeded.operator.id), sampleMbox(), { policy: { ownDomains: [OWN_DOMAIN], ownerId: seeded.operator.id } });
        }
        const operator = seeded?.operator ?? (await crm.operators.findByEmail(`anna@${OWN_DOMAIN}`));
        if (!operator) throw new Error(`${db} has a partner ZEFIR but no demo operator anna@${OWN_DOMAIN}: run rapport demo --reset`);
        const { token } = await crm.operators.createToken(operator.id, { label: 'rapport demo' });
        const zefir = (await crm.partners.findByCode('ZEFIR'))!;
        const history = await crm.history.forPartner(zefir.id, { limit: 12 });
        const open = await crm.tasks.list({ partnerId: zefir.id, status: ['open', 'in_progress'], ownerId: operator.id });
        if (opts.serve) server = await startServer(crm, { port: opts.port, host: '127.0.0.1', tls: true });

        const summary = {
          database: url,
          seeded: seeded
            ? { partners: seeded.partners, persons: seeded.persons, tasks: seeded.tasks, opportunities: seeded.opportunities, emails: seeded.emails }
            : null,
          import: imported
            ? {
                file: sampleMbox(),
                fetched: imported.fetched,
                imported: imported.imported,
                duplicates: imported.duplicates,
                linked: imported.linked,
                failed: imported.failed,
              }
            : null,
          operator: { name: operator.name, email: operator.email },
          token,
          server: server ? { url: server.url, certificate: server.certificate, manifests: server.manifests } : null,
          partner: { code: zefir.code, name: zefir.name },
          openTasks: open.items.map((t) => ({ number: t.number, subject: t.subject, dueAt: t.dueAt, overdue: !!t.dueAt && t.dueAt.getTime() < Date.now() })),
          history: history.items.map((i) => ({ at: i.at, kind: i.kind, title: i.title })),
        };
        emit(g, summary, () =>
          [
            `Demo database: ${url}${seeded ? '' : ' (already seeded; a new token was made)'}`,
            seeded
              ? `Seeded ${seeded.partners} partners, ${seeded.persons} persons, ${seeded.tasks} tasks, ${seeded.opportunities} opportunities, ${seeded.emails} e-mails.`
              : null,
            imported
              ? `Imported ${sampleMbox()}: fetched ${imported.fetched}, imported ${imported.imported}, duplicates ${imported.duplicates}, linked ${imported.linked}, failed ${imported.failed}.`
              : null,
            '',
            `Token for ${operator.name} <${operator.email}> (shown once):`,
            `  ${token}`,
            '',
            server ? describeServer(server) : 'Not serving (--no-serve). Start the API with: rapport serve --db ' + url,
            '',
            `${zefir.name} (${zefir.code}) — open tasks:`,
            table(
              ['number', 'subject', 'due'],
              open.items.map((t) => [t.number, t.subject, `${day(t.dueAt)}${t.dueAt && t.dueAt.getTime() < Date.now() ? ' OVERDUE' : ''}`]),
            ),
            '',
            'History:',
            table(
              ['when', 'what', 'title'],
              history.items.map((i) => [day(i.at), i.kind, i.title]),
            ),
            server ? '\nOpen an e-mail from jan.fiszka@zefir.pl in Outlook or Thunderbird (docs/addin.md). Press Ctrl+C to stop.' : null,
          ]
            .filter((l) => l !== null)
            .join('\n'),
        );
      } catch (err) {
        await server?.close();
        await crm.close();
        throw err;
      }
      if (server) await serveUntilStopped(server, crm);
      else await crm.close();
    });
}
