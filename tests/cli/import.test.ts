import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { rfc822 } from '../../packages/mail-bridge/test/support/messages.js';
import { runCli, spawnCli } from '../support/cli.js';

/** Runs `rapport` from the sources in a child process. */
const rapport = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

let dovecot: Dovecot;
let dir: string;
const PASS = 'cli-secret-9';
beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ user: 'carol', password: PASS }] });
  dir = await mkdtemp(join(tmpdir(), 'rapport-cli-import-'));
  const client = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'carol', pass: PASS },
    logger: false,
  } as any);
  client.on('error', () => undefined);
  await client.connect();
  for (let i = 0; i < 4; i++) await client.append('INBOX', rfc822({ messageId: `<cli-${i}@zefir.test>`, subject: `cli ${i}` }));
  await client.logout();
});
afterAll(async () => {
  await dovecot?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('rapport import', () => {
  it('imap --json prints one report object; a re-run imports nothing; the password never reaches the output', async () => {
    const db = `sqlite:${join(dir, 'imap.db')}`;
    const args = [
      'import',
      'imap',
      '--db',
      db,
      '--json',
      '--host',
      '127.0.0.1',
      '--port',
      String(dovecot.port),
      '--no-tls',
      '--user',
      'carol',
      '--password-env',
      'MAIL_PW',
    ];
    const first = await rapport(args, { MAIL_PW: PASS });
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ fetched: 4, imported: 4, duplicates: 0, quarantined: 0, failed: 0 });
    expect(typeof report.seconds).toBe('number');
    expect(first.stdout + first.stderr).not.toContain(PASS);
    const again = await rapport(args, { MAIL_PW: PASS });
    expect(JSON.parse(again.stdout)).toMatchObject({ fetched: 0, imported: 0 });
    const tls = await rapport(
      [
        'import',
        'imap',
        '--db',
        db,
        '--json',
        '--host',
        '127.0.0.1',
        '--port',
        String(dovecot.tlsPort),
        '--tls',
        '--ca-file',
        dovecot.caFile,
        '--user',
        'carol',
        '--password-env',
        'MAIL_PW',
      ],
      { MAIL_PW: PASS },
    );
    expect(tls.code, tls.stderr).toBe(0);
  }, 90_000);

  it('fails with exit code 1 and a one-line reason: bad credentials, unreachable host, unknown mailbox, missing env var', async () => {
    const db = `sqlite:${join(dir, 'fail.db')}`;
    const base = ['import', 'imap', '--db', db, '--host', '127.0.0.1', '--no-tls', '--user', 'carol', '--password-env', 'MAIL_PW'];
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [[...base, '--port', String(dovecot.port)], { MAIL_PW: 'wrong' }, /FORBIDDEN: .*bad credentials.*; check --user and the password in --password-env/],
      [[...base, '--port', '1'], { MAIL_PW: PASS }, /CONNECTION: IMAP server 127\.0\.0\.1:1 is unreachable .*; check --host and --port/],
      [[...base, '--port', String(dovecot.port), '--mailbox', 'Nope'], { MAIL_PW: PASS }, /mailbox "Nope" does not exist/],
      [[...base, '--port', String(dovecot.port)], {}, /MAIL_PW .* not set/],
    ];
    for (const [args, env, reason] of cases) {
      const r = await rapport(args, env);
      expect(r.code).toBe(1);
      // The CLI writes exactly one line.
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^rapport: /);
      expect(r.stderr).toMatch(reason);
    }
  }, 90_000);

  it('imap --watch imports mail as it arrives and stops cleanly on SIGTERM', async () => {
    const db = `sqlite:${join(dir, 'watch.db')}`;
    const client = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'carol', pass: PASS },
      logger: false,
    } as any);
    client.on('error', () => undefined);
    await client.connect();
    await client.mailboxCreate('Watched');
    await client.append('Watched', rfc822({ messageId: '<w-0@zefir.test>', subject: 'before the watch' }));
    const args = [
      'import',
      'imap',
      '--db',
      db,
      '--json',
      '--watch',
      '--host',
      '127.0.0.1',
      '--port',
      String(dovecot.port),
      '--no-tls',
      '--user',
      'carol',
      '--password-env',
      'MAIL_PW',
      '--mailbox',
      'Watched',
    ];
    const cli = spawnCli(args, { env: { MAIL_PW: PASS } });
    const reports: Array<{ imported: number }> = [];
    cli.onLine((line) => reports.push(JSON.parse(line)));
    const stderr = cli.stderr;
    const until = async (what: string, ok: () => boolean) => {
      for (const start = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 100))) {
        if (Date.now() - start > 45_000) throw new Error(`timed out waiting for ${what}; stderr: ${stderr()}`);
      }
    };
    try {
      await until('the first sync', () => reports.some((r) => r.imported === 1));
      await client.append('Watched', rfc822({ messageId: '<w-1@zefir.test>', subject: 'during the watch' }));
      await until('the new message', () => reports.reduce((n, r) => n + r.imported, 0) === 2);
    } finally {
      cli.child.kill('SIGTERM');
      await client.logout();
    }
    expect(await cli.exited, stderr()).toBe(0);
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'watch.db'), { readonly: true });
    const keys = raw.prepare('select message_key from emails order by message_key').all();
    raw.close();
    expect(keys).toEqual([{ message_key: 'w-0@zefir.test' }, { message_key: 'w-1@zefir.test' }]);
    expect(stderr()).not.toContain(PASS);
  }, 90_000);

  it('mbox and eml import files and report counts', async () => {
    const db = `sqlite:${join(dir, 'files.db')}`;
    const mbox = join(dir, 'Local');
    await writeFile(mbox, `From - Mon Mar  2 10:00:00 2026\n${rfc822({ messageId: '<m1@zefir.test>' }).replace(/\r\n/g, '\n')}\n`);
    const eml = join(dir, 'one.eml');
    await writeFile(eml, rfc822({ messageId: '<e1@zefir.test>' }));
    const m = await rapport(['import', 'mbox', mbox, '--db', db, '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ fetched: 1, imported: 1 });
    const e = await rapport(['import', 'eml', eml, join(dir, 'missing.eml'), '--db', db]);
    expect(e.code).toBe(1);
    expect(e.stdout).toMatch(/imported 1/);
    expect(e.stderr).toMatch(/missing\.eml/);
  }, 90_000);
});
