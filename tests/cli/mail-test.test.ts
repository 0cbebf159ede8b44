/**
 * `rapport mail test` against real servers: the SMTP sink process requiring a login, and Dovecot
 * (implicit TLS with its self-signed certificate). Right and wrong passwords, a name that does
 * not resolve, a port nobody listens on, and a certificate that is not trusted, each named.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';

const root = join(import.meta.dirname, '..', '..');
const SMTP_PORT = 21311;
const CLOSED_PORT = 21319;
let dir: string;
let sink: SmtpSink;
let dovecot: Dovecot;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-mail-test-'));
  sink = await startSmtpSink(SMTP_PORT, join(dir, 'received.jsonl'), { auth: 'crm:smtp-secret' });
  dovecot = await startDovecot({ users: [{ user: 'anna', password: 'imap-secret' }] });
});
afterAll(async () => {
  await sink?.stop();
  await dovecot?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function mailTest(args: string[], env: Record<string, string>) {
  const cmd = [...['--import', 'tsx', 'packages/cli/src/main.ts', '--json', 'mail', 'test'], ...args];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, cmd, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown> };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: JSON.parse(e.stdout) as Record<string, unknown>, stderr: e.stderr };
  }
}

const smtp = (port = SMTP_PORT, host = '127.0.0.1') => [
  '--smtp-host',
  host,
  '--smtp-port',
  String(port),
  '--smtp-tls',
  'none',
  '--smtp-user',
  'crm',
  '--smtp-password-env',
  'T_SMTP_PW',
];
const imap = (o: { port?: number; host?: string; ca?: boolean } = {}) => [
  '--imap-host',
  o.host ?? '127.0.0.1',
  '--imap-port',
  String(o.port ?? dovecot.tlsPort),
  '--imap-tls',
  'implicit',
  '--imap-user',
  'anna',
  '--imap-password-env',
  'T_IMAP_PW',
  ...(o.ca === false ? [] : ['--ca-file', dovecot.caFile]),
];
const good = { T_SMTP_PW: 'smtp-secret', T_IMAP_PW: 'imap-secret' };
const messageOf = (r: { out: Record<string, unknown> }) => (r.out.error as { message: string }).message;

describe('rapport mail test', () => {
  it('right credentials: both servers OK, the IMAP inbox counted', async () => {
    const r = await mailTest([...smtp(), ...imap()], good);
    expect(r.code).toBe(0);
    expect(r.out).toEqual({
      smtp: { target: `smtp://127.0.0.1:${SMTP_PORT}`, ok: true },
      imap: { target: `imap://127.0.0.1:${dovecot.tlsPort}`, ok: true, detail: { inboxMessages: 0 } },
    });
  });

  it('a wrong password is named per server: the other one still says OK', async () => {
    const badImap = await mailTest([...smtp(), ...imap()], { ...good, T_IMAP_PW: 'nope' });
    expect(badImap.code).toBe(1);
    expect(messageOf(badImap)).toMatch(
      /^SMTP smtp:\/\/127\.0\.0\.1:21311: OK; IMAP imap:\/\/127\.0\.0\.1:\d+: FAILED: IMAP login as anna at 127\.0\.0\.1:\d+ failed: bad credentials/,
    );
    const badSmtp = await mailTest([...smtp(), ...imap()], { ...good, T_SMTP_PW: 'nope' });
    expect(badSmtp.code).toBe(1);
    expect(messageOf(badSmtp)).toMatch(/SMTP smtp:\/\/127\.0\.0\.1:21311: FAILED: SMTP login as crm at 127\.0\.0\.1:21311 failed: .*535.*; IMAP .*: OK/);
    expect((badSmtp.out.error as { code: string }).code).toBe('FORBIDDEN');
  });

  it('says whether the name does not resolve, nothing listens, or TLS is not trusted', async () => {
    const dns = await mailTest([...smtp(SMTP_PORT, 'no-such-host.invalid'), ...imap({ host: 'no-such-host.invalid' })], good);
    expect(messageOf(dns)).toMatch(/SMTP .*FAILED: .*the name no-such-host\.invalid does not resolve \(DNS/);
    expect(messageOf(dns)).toMatch(/IMAP .*FAILED: .*the name no-such-host\.invalid does not resolve \(DNS/);
    const refused = await mailTest([...smtp(CLOSED_PORT), ...imap({ port: CLOSED_PORT })], good);
    expect(messageOf(refused)).toMatch(/SMTP .*FAILED: .*127\.0\.0\.1 refused the connection on port 21319 \(ECONNREFUSED/);
    expect(messageOf(refused)).toMatch(/IMAP .*FAILED: .*127\.0\.0\.1 refused the connection on port 21319 \(ECONNREFUSED/);
    expect((refused.out.error as { code: string }).code).toBe('CONNECTION');
    const untrusted = await mailTest(imap({ ca: false }), good);
    expect(messageOf(untrusted)).toMatch(/IMAP .*FAILED: TLS with 127\.0\.0\.1:\d+ failed .*certificate is not trusted/);
    const noTls = await mailTest(['--smtp-host', '127.0.0.1', '--smtp-port', String(SMTP_PORT)], good);
    expect(messageOf(noTls)).toMatch(/SMTP .*FAILED: TLS with SMTP server 127\.0\.0\.1:21311 failed/);
  });
});
