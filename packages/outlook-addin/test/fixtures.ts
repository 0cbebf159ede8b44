import { createCrm, memoryBlobStore, memoryStore, steppingClock, type Crm, type Store } from '@rapport/core';

/** A store for tests: the memory store (the add-in depends on core and mail-bridge only; SQL stores are tested in tests/). */
export async function testStore(): Promise<Store> {
  const store = memoryStore();
  await store.migrate();
  return store;
}

export interface Seeded {
  crm: Crm;
  tokens: { anna: string; piotr: string; revoked: string };
  ids: { anna: string; piotr: string; zefir: string; jan: string; enovaTask: string; privateTask: string };
}

/** The enova example: ZEFIR, Jan Fiszka, task 0001 with stages (one overdue), and a private task of Anna's. */
export async function seed(now = '2026-11-05T09:00:00Z'): Promise<Seeded> {
  const crm = createCrm({ store: await testStore(), blobs: memoryBlobStore(), clock: steppingClock(now, 1000) });
  const anna = await crm.operators.create({ name: 'Anna Kowalska', email: 'anna@firma.pl' });
  const piotr = await crm.operators.create({ name: 'Piotr Nowak', email: 'piotr@firma.pl' });
  const as = crm.as(anna.id);
  const zefir = await as.partners.create({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak', kind: 'customer', emailDomains: ['zefir.pl'] });
  const jan = await as.persons.create({
    partnerId: zefir.id,
    firstName: 'Jan',
    lastName: 'Fiszka',
    emails: ['jan.fiszka@zefir.pl'],
    position: 'Kierownik zakupów',
  });
  const enova = await as.tasks.create({
    subject: 'Informacje o systemie enova',
    personId: jan.id,
    ownerId: anna.id,
    dueAt: '2026-11-02T10:02:00Z',
    stages: [{ subject: 'Wysłać materiały pocztą' }, { subject: 'Wysłać prezentację e-mailem' }],
  });
  const [first] = await as.tasks.stages(enova.id);
  await as.tasks.completeStage(first!.id);
  const priv = await as.tasks.create({
    subject: 'Rabat dla ZEFIR — poufne',
    partnerId: zefir.id,
    ownerId: anna.id,
    private: true,
    dueAt: '2026-12-01T10:00:00Z',
  });
  const tokens = {
    anna: (await crm.operators.createToken(anna.id)).token,
    piotr: (await crm.operators.createToken(piotr.id)).token,
    revoked: '',
  };
  const revoked = await crm.operators.createToken(piotr.id, { label: 'old laptop' });
  await crm.operators.revokeToken(revoked.record.id);
  tokens.revoked = revoked.token;
  return { crm, tokens, ids: { anna: anna.id, piotr: piotr.id, zefir: zefir.id, jan: jan.id, enovaTask: enova.id, privateTask: priv.id } };
}

/** A small RFC 5322 message. */
export function message(opts: { from?: string; subject?: string; messageId?: string; body?: string } = {}): string {
  return [
    `From: ${opts.from ?? 'Jan Fiszka <jan.fiszka@zefir.pl>'}`,
    'To: Anna Kowalska <anna@firma.pl>',
    `Subject: ${opts.subject ?? 'Zapytanie o licencje enova'}`,
    `Message-ID: <${opts.messageId ?? 'abc-123@zefir.pl'}>`,
    'Date: Wed, 04 Nov 2026 08:15:00 +0100',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'Dzień dobry, proszę o ofertę na 5 licencji.',
    '',
  ].join('\r\n');
}
