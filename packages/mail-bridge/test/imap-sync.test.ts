import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { isRapportError, type Email, type RapportError } from '@rapport/core';
import { ImapSync } from '@rapport/mail-bridge';
import { type TestCrm } from './support/crm.js';
import { itWithCrm as it, useDovecot } from './support/imap-setup.js';
import { fillMaildir, rfc822 } from './support/messages.js';

const USER = 'anna';
const PASS = 'secret-pass';
const mail = useDovecot({ user: USER, password: PASS });
const { mailbox, append, imap } = mail;
const opts = mail.options;

/** Counts the CRM's reads of known UIDs (whole lists and range summaries) from now on. */
function countUidReads(t: TestCrm) {
  const reads = { knownUids: 0, summaries: 0 };
  const { knownUids, knownUidSummary } = t.crm.emails;
  t.crm.emails.knownUids = (...args) => (reads.knownUids++, knownUids(...args));
  t.crm.emails.knownUidSummary = (...args) => (reads.summaries++, knownUidSummary(...args));
  return reads;
}

async function allEmails(t: TestCrm): Promise<Email[]> {
  return (await t.crm.emails.list({ limit: 10_000 })).items;
}

describe('ImapSync against Dovecot', () => {
  it('first sync imports every message, links participants and creates tasks; a re-run adds no rows and is skipped after one STATUS', async ({ t }) => {
    const zefir = await t.crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.test'] });
    const box = await mailbox([1, 2, 3, 4, 5].map((i) => rfc822({ messageId: `<first-${i}@zefir.test>`, subject: `Question ${i}` })));
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report).toMatchObject({ fetched: 5, imported: 5, linked: 5, duplicates: 0, quarantined: 0, failed: 0, tasksCreated: 5 });
    expect(report.mailboxes[0]).toMatchObject({ mailbox: box, state: 'synced', lastUid: 5 });
    const emails = await allEmails(t);
    expect(emails.every((e) => e.partnerIds[0] === zefir.id)).toBe(true);
    const rows = await t.store.count('emails');
    const again = await new ImapSync(t.crm, opts(box)).sync();
    expect(again).toMatchObject({ fetched: 0, imported: 0 });
    expect(again.mailboxes[0]!.state).toBe('skipped');
    expect(await t.store.count('emails')).toBe(rows);
    expect(await t.store.count('email_locations')).toBe(5);
  });

  it('an incremental sync fetches only the new mail; small batches advance the checkpoint batch by batch', async ({ t }) => {
    const box = await mailbox([1, 2, 3].map((i) => rfc822({ messageId: `<inc-${i}@zefir.test>` })));
    await new ImapSync(t.crm, opts(box)).sync();
    await append(
      box,
      [4, 5, 6, 7].map((i) => rfc822({ messageId: `<inc-${i}@zefir.test>` })),
    );
    const report = await new ImapSync(t.crm, opts(box, { batchSize: 2 })).sync();
    expect(report).toMatchObject({ fetched: 4, imported: 4, duplicates: 0 });
    const cp = await t.crm.emails.checkpoint(mail.account, box);
    expect(cp).toMatchObject({ lastUid: 7, messages: 7, uidNext: 8 });
    expect(cp!.highestModseq).toMatch(/^\d+$/);
    expect(await t.store.count('emails')).toBe(7);
  });

  it('threads: a reply on the server lands on the task of its thread', async ({ t }) => {
    await t.crm.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.test'] });
    const box = await mailbox([
      rfc822({ messageId: '<root@zefir.test>', subject: 'Offer' }),
      rfc822({ messageId: '<re1@firma.test>', from: 'anna@firma.test', to: 'jan@zefir.test', subject: 'Re: Offer', inReplyTo: '<root@zefir.test>' }),
      rfc822({ messageId: '<re2@zefir.test>', subject: 'Re: Re: Offer', references: '<root@zefir.test> <re1@firma.test>' }),
    ]);
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report.tasksCreated).toBe(1);
    const emails = await allEmails(t);
    expect(new Set(emails.map((e) => e.taskId)).size).toBe(1);
    expect(emails.find((e) => e.messageKey === 're1@firma.test')!.direction).toBe('outbound');
  });

  it('participants, blocklist, bulk mail and the unknown-sender policy of the account apply to synced mail', async ({ t }) => {
    const jan = await t.crm.persons.create({ firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.private@gmail.com'] });
    const box = await mailbox([
      rfc822({ messageId: '<p1@gmail.com>', from: 'JAN.PRIVATE@GMAIL.COM' }),
      rfc822({ messageId: '<p2@spam.test>', from: 'x@mail.spam.test' }),
      rfc822({ messageId: '<p3@news.test>', from: 'news@news.test', headers: { 'List-Id': '<list.news.test>', 'List-Unsubscribe': '<mailto:u@news.test>' } }),
      rfc822({ messageId: '<p4@newco.test>', from: 'Ola Nowa <ola@newco.test>' }),
    ]);
    const report = await new ImapSync(t.crm, opts(box, { policy: { blocklist: ['@spam.test'], unknownSenders: 'prospect' } })).sync();
    expect(report).toMatchObject({ fetched: 4, imported: 3, skipped: 1 });
    const byKey = new Map((await allEmails(t)).map((e) => [e.messageKey, e]));
    expect(byKey.get('p1@gmail.com')!.personIds).toEqual([jan.id]);
    expect(byKey.has('p2@spam.test')).toBe(false);
    expect(byKey.get('p3@news.test')).toMatchObject({ bulk: true, taskId: null });
    expect((await t.crm.partners.findByDomain('newco.test'))?.kind).toBe('prospect');
    expect(byKey.get('p4@newco.test')!.taskId).not.toBeNull();
  });

  it('a changed UIDVALIDITY triggers a resync that creates no duplicates', async ({ t }) => {
    const box = await mailbox([1, 2, 3].map((i) => rfc822({ messageId: `<uv-${i}@zefir.test>` })));
    await new ImapSync(t.crm, opts(box)).sync();
    const before = await t.crm.emails.checkpoint(mail.account, box);
    await mail.dovecot.doveadm('mailbox', 'update', '-u', USER, '--uid-validity', String(before!.uidValidity + 1000), box);
    await append(box, [rfc822({ messageId: '<uv-4@zefir.test>' })]);
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report.mailboxes[0]!.state).toBe('resynced');
    expect(report).toMatchObject({ fetched: 4, imported: 1, duplicates: 3 });
    expect(await t.store.count('emails')).toBe(4);
    expect((await t.crm.emails.checkpoint(mail.account, box))!.uidValidity).toBe(before!.uidValidity + 1000);
  });

  it('a recreated mailbox (new UIDVALIDITY, same mail) creates no duplicates', async ({ t }) => {
    const msgs = [1, 2].map((i) => rfc822({ messageId: `<rc-${i}@zefir.test>` }));
    const box = await mailbox(msgs);
    await new ImapSync(t.crm, opts(box)).sync();
    const client = await imap();
    await client.mailboxDelete(box);
    await client.mailboxCreate(box);
    for (const m of msgs) await client.append(box, m);
    await client.logout();
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report).toMatchObject({ imported: 0, duplicates: 2 });
    expect(await t.store.count('emails')).toBe(2);
  });

  it('expunged messages are marked deleted on the server and stay in the CRM', async ({ t }) => {
    const box = await mailbox([1, 2, 3].map((i) => rfc822({ messageId: `<ex-${i}@zefir.test>` })));
    await new ImapSync(t.crm, opts(box)).sync();
    const client = await imap();
    await client.mailboxOpen(box);
    await client.messageDelete('2', { uid: true });
    await client.logout();
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report.deletedOnServer).toBe(1);
    expect(await t.store.count('emails')).toBe(3);
    const email = await t.crm.emails.findByMessageId('<ex-2@zefir.test>');
    const [location] = await t.crm.emails.locations(email!.id);
    expect(location!.deletedAt).toBeInstanceOf(Date);
  });

  it('a re-sync learns expunges from QRESYNC VANISHED as the mailbox opens, without diffing UIDs', async ({ t }) => {
    const box = await mailbox();
    fillMaildir(
      mail.dovecot,
      USER,
      box,
      Array.from({ length: 1500 }, (_, i) => rfc822({ messageId: `<qr-${i}@zefir.test>` })),
    );
    await new ImapSync(t.crm, opts(box)).sync();
    const client = await imap();
    await client.mailboxOpen(box);
    await client.messageDelete('7,800,1499', { uid: true });
    await client.logout();
    const reads = countUidReads(t);
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report.deletedOnServer).toBe(3);
    expect(reads).toEqual({ knownUids: 0, summaries: 0 });
    const live = await t.crm.emails.knownUids(mail.account, box, report.mailboxes[0]!.uidValidity);
    expect(live).toHaveLength(1497);
    expect(live).not.toContain(800);
  });

  it('without a HIGHESTMODSEQ to resync from, expunges are found by a UID diff over ranges that reads only the ranges that differ', async ({ t }) => {
    const box = await mailbox();
    fillMaildir(
      mail.dovecot,
      USER,
      box,
      Array.from({ length: 3000 }, (_, i) => rfc822({ messageId: `<df-${i}@zefir.test>` })),
    );
    const account = mail.account;
    await new ImapSync(t.crm, opts(box)).sync();
    const cp = (await t.crm.emails.checkpoint(account, box))!;
    // A checkpoint from a server without CONDSTORE: no modseq, so no QRESYNC.
    await t.crm.emails.saveCheckpoint({ ...cp, highestModseq: null });
    const client = await imap();
    await client.mailboxOpen(box);
    await client.messageDelete('5,2999', { uid: true });
    await client.logout();
    const reads = countUidReads(t);
    const report = await new ImapSync(t.crm, opts(box)).sync();
    expect(report.deletedOnServer).toBe(2);
    // Two leaves read UID by UID; every other range settled by one summary.
    expect(reads.knownUids).toBe(2);
    expect(reads.summaries).toBeLessThan(40);
    expect(await t.crm.emails.knownUids(account, box, cp.uidValidity)).toHaveLength(2998);
  });

  it('a connection dropped while a large message streams in stops the sync with CONNECTION and quarantines nothing', async ({ t }) => {
    const big = (i: number) =>
      [
        'From: Jan Fiszka <jan@zefir.test>',
        'To: Anna <anna@firma.test>',
        `Subject: big ${i}`,
        `Message-ID: <big-${i}@zefir.test>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'see the file',
        '--B',
        'Content-Type: application/octet-stream; name="f.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.alloc(3 * 1024 * 1024, i)
          .toString('base64')
          .replace(/.{76}/g, '$&\r\n'),
        '--B--',
        '',
      ].join('\r\n');
    const box = await mailbox();
    fillMaildir(mail.dovecot, USER, box, [1, 2, 3].map(big));
    const store = t.crm.emails.storeContent;
    let stored = 0;
    // The second message's attachment starts streaming while most of its bytes are still to come.
    t.crm.emails.storeContent = (content) => {
      if (++stored === 2) execFileSync('doveadm', ['-c', mail.dovecot.conf, 'kick', USER]);
      return store(content);
    };
    const first = await new ImapSync(t.crm, opts(box)).sync().catch((e: unknown) => e);
    expect(isRapportError(first, 'CONNECTION'), String(first)).toBe(true);
    // The sync rejects as the connection closes; the message's own pipeline settles a moment later.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await t.crm.emails.quarantined()).items).toEqual([]);
    t.crm.emails.storeContent = store;
    const second = await new ImapSync(t.crm, opts(box)).sync();
    expect(second.quarantined).toBe(0);
    expect(await t.store.count('emails')).toBe(3);
  });

  it('the since window limits the first sync', async ({ t }) => {
    const box = await mailbox();
    const client = await imap();
    await client.append(box, rfc822({ messageId: '<old@zefir.test>' }), [], new Date('2020-01-01T00:00:00Z'));
    await client.append(box, rfc822({ messageId: '<new@zefir.test>' }), [], new Date('2026-03-01T00:00:00Z'));
    await client.logout();
    const report = await new ImapSync(t.crm, opts(box, { since: new Date('2025-01-01') })).sync();
    expect(report.imported).toBe(1);
    expect(await t.crm.emails.has('<new@zefir.test>')).toBe(true);
  });

  it('connects over TLS (implicit and STARTTLS) when the self-signed certificate is trusted, and refuses it otherwise', async ({ t }) => {
    const box = await mailbox([rfc822({ messageId: '<tls@zefir.test>' })]);
    const ca = await readFile(mail.dovecot.caFile);
    const implicit = await new ImapSync(t.crm, opts(box, { port: mail.dovecot.tlsPort, tls: 'implicit', ca })).sync();
    expect(implicit.imported).toBe(1);
    const starttls = await new ImapSync(t.crm, opts(box, { tls: 'starttls', ca, account: 'other' })).sync();
    expect(starttls.duplicates).toBe(1);
    const err = await new ImapSync(t.crm, opts(box, { port: mail.dovecot.tlsPort, tls: 'implicit' })).sync().catch((e) => e);
    expect(isRapportError(err)).toBe(true);
    expect(err.message).toMatch(/TLS .* failed/);
  });

  it('a server BYE in the middle of a sync is an error, never "no new mail", and the next run completes the import', async ({ t }) => {
    const box = await mailbox();
    fillMaildir(
      mail.dovecot,
      USER,
      box,
      Array.from({ length: 3000 }, (_, i) => rfc822({ messageId: `<bye-${i}@zefir.test>` })),
    );
    const sync = new ImapSync(t.crm, opts(box, { batchSize: 50 }));
    let kicked = false;
    const first = await new ImapSync(t.crm, {
      ...opts(box, { batchSize: 50 }),
      onProgress: ({ done }) => {
        if (done >= 100 && !kicked) {
          kicked = true;
          // Synchronously, so the server drops the connection before the sync can finish.
          execFileSync('doveadm', ['-c', mail.dovecot.conf, 'kick', USER]);
        }
      },
    })
      .sync()
      .catch((e) => e);
    expect(isRapportError(first, 'CONNECTION'), JSON.stringify(first).slice(0, 400)).toBe(true);
    const second = await sync.sync();
    expect(second.failed).toBe(0);
    expect(await t.store.count('emails')).toBe(3000);
  });

  it('watch() emits a report per sync, imports new mail as it arrives (IDLE) and stops when unsubscribed', async ({ t }) => {
    const box = await mailbox([rfc822({ messageId: '<w1@zefir.test>' })]);
    const reports: number[] = [];
    const watching = new ImapSync(t.crm, opts(box)).watch().subscribe((r) => reports.push(r.imported));
    const deadline = Date.now() + 10_000;
    while (!(await t.crm.emails.has('<w1@zefir.test>')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await append(box, [rfc822({ messageId: '<w2@zefir.test>' })]);
    // Wait for the report of the sync that brought it, not just the row (the report comes after the checkpoint).
    while (reports.reduce((a, b) => a + b, 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    watching.unsubscribe();
    expect(await t.crm.emails.has('<w2@zefir.test>')).toBe(true);
    expect(reports.reduce((a, b) => a + b, 0)).toBe(2);
    // Unsubscribed: mail arriving now stays on the server.
    await append(box, [rfc822({ messageId: '<w3@zefir.test>' })]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await t.crm.emails.has('<w3@zefir.test>')).toBe(false);
  });

  it('stopped() resolves after an unsubscribed watch has logged out of its IDLE connection, not dropped it', async ({ t }) => {
    const box = await mailbox([rfc822({ messageId: '<s1@zefir.test>' })]);
    // Sessions by Dovecot's session id: how each one that logged in ended, if it has. Counting log lines
    // instead would also count the late logout of a helper connection opened before this test's own.
    const sessions = () => {
      const ended = new Map<string, string>();
      const started: string[] = [];
      for (const line of readFileSync(join(mail.dovecot.dir, 'dovecot.log'), 'utf8').split('\n')) {
        const login = /Login: user=.*session=<([^>]+)>/.exec(line);
        if (login) started.push(login[1]!);
        // "Disconnected: Logged out in=… out=…" is a clean LOGOUT; "Disconnected: Connection closed …" is not.
        const end = /<\d+><([^>]+)>: (?:Info: )?(?:Disconnected: )?(Logged out|.*)/.exec(line);
        if (end && /Logged out|Disconnected/.test(line)) ended.set(end[1]!, end[2]!.startsWith('Logged out') ? 'Logged out' : end[2]!);
      }
      return { started, ended };
    };
    const before = new Set(sessions().started);
    const sync = new ImapSync(t.crm, opts(box));
    let reports = 0;
    const watching = sync.watch().subscribe(() => reports++);
    for (const deadline = Date.now() + 10_000; reports === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // now idling
    watching.unsubscribe();
    await sync.stopped();
    const ends = () => {
      const { started, ended } = sessions();
      return started.filter((id) => !before.has(id)).map((id) => ended.get(id) ?? 'open');
    };
    for (const deadline = Date.now() + 3_000; ends().includes('open') && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    const own = ends();
    expect(own.length).toBeGreaterThan(0);
    expect(
      own.every((end) => end === 'Logged out'),
      own.join(', '),
    ).toBe(true);
  });

  it('watch() over several mailboxes: IDLE on the first, the others checked every pollSeconds', async ({ t }) => {
    const inbox = await mailbox([rfc822({ messageId: '<p1@zefir.test>' })]);
    const sent = await mailbox([]);
    let imported = 0;
    await expect(firstValueFrom(new ImapSync(t.crm, opts(inbox)).watch({ pollSeconds: 0 }))).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('pollSeconds'),
    });
    const watching = new ImapSync(t.crm, opts(inbox, { mailboxes: [inbox, sent] })).watch({ pollSeconds: 1 }).subscribe((r) => (imported += r.imported));
    const until = async (n: number) => {
      for (const deadline = Date.now() + 15_000; imported < n && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    };
    await until(1);
    // New mail in the second mailbox raises nothing on the IDLE connection: the poll finds it.
    await append(sent, [rfc822({ messageId: '<p2@zefir.test>' })]);
    await until(2);
    watching.unsubscribe();
    expect(imported).toBe(2);
    expect((await t.crm.emails.locations((await t.crm.emails.findByMessageId('<p2@zefir.test>'))!.id)).map((l) => l.mailbox)).toEqual([sent]);
  });

  it('watch() survives a dropped connection: it reports the error, reconnects with back-off and imports what arrived', async ({ t }) => {
    const box = await mailbox([rfc822({ messageId: '<k1@zefir.test>' })]);
    const errors: RapportError[] = [];
    let reports = 0;
    const watching = new ImapSync(t.crm, opts(box)).watch({ onError: (err) => errors.push(err), maxBackoffSeconds: 1 }).subscribe(() => reports++);
    const until = async (cond: () => Promise<boolean>) => {
      const deadline = Date.now() + 15_000;
      while (!(await cond()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => t.crm.emails.has('<k1@zefir.test>'));
    await mail.dovecot.doveadm('kick', USER);
    await until(async () => errors.length > 0);
    const before = reports;
    await until(async () => reports > before); // reconnected and synced: now idling again
    await append(box, [rfc822({ messageId: '<k2@zefir.test>' })]);
    await until(() => t.crm.emails.has('<k2@zefir.test>'));
    watching.unsubscribe();
    expect(errors.length).toBeGreaterThan(0);
    // A dropped connection is the IMAP server's doing, not the CRM store's.
    expect(errors[0]).toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(/connection to IMAP server .* was closed/) });
    expect(await t.crm.emails.has('<k2@zefir.test>')).toBe(true);
  }, 60_000);

  // Last: failed logins make Dovecot delay later logins from this address (auth penalty).
  it('bad credentials, an unreachable host and an unknown mailbox fail with clear RapportErrors', async ({ t }) => {
    const bad = await new ImapSync(t.crm, opts('INBOX', { password: 'wrong' })).sync().catch((e) => e);
    expect(bad).toMatchObject({ code: 'FORBIDDEN' });
    expect(bad.message).toMatch(/bad credentials/);
    const down = await new ImapSync(t.crm, opts('INBOX', { port: 1 })).sync().catch((e) => e);
    expect(down).toMatchObject({ code: 'CONNECTION' });
    expect(down.message).toMatch(/unreachable/);
    const missing = await new ImapSync(t.crm, opts('No/Such/Box')).sync().catch((e) => e);
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.message).toMatch(/does not exist/);
  });
});
