import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, createScheduler, memoryStore, messageIdFor, RapportError } from '@rapport/core';
import { smtpMailer } from '@rapport/mail-bridge';
import { runCli } from '../support/cli.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';

let dir: string;
let sink: SmtpSink;
const PORT = 4401;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-smtp-'));
  sink = await startSmtpSink(PORT, join(dir, 'received.jsonl'), { rejectTo: 'nobody@example.com' });
});
afterAll(async () => {
  await sink?.stop();
  await rm(dir, { recursive: true, force: true });
});

const plain = { host: '127.0.0.1', port: PORT, tls: 'none' as const, from: 'crm@firma.pl' };

describe('SMTP mailer (nodemailer) against a real SMTP server process', () => {
  it('sends a message with the Message-ID it was given, and the server records it', async () => {
    const mailer = smtpMailer(plain);
    try {
      const result = await mailer.send({ to: 'ala@example.com', subject: 'Hello', text: 'Body', messageId: '<abc123@firma.pl>' });
      expect(result).toEqual({ messageId: '<abc123@firma.pl>', accepted: ['ala@example.com'], rejected: [] });
      expect(sink.received().map((r) => r.messageId)).toContain('<abc123@firma.pl>');
    } finally {
      await mailer.close!();
    }
  });

  it('requires TLS by default: a server without STARTTLS is refused, saying so', async () => {
    const mailer = smtpMailer({ host: '127.0.0.1', port: PORT });
    const err = await mailer.send({ from: 'a@b.pl', to: 'ala@example.com', subject: 'x', text: 'y' }).catch((e: unknown) => e);
    await mailer.close!();
    expect(err).toBeInstanceOf(RapportError);
    expect((err as RapportError).code).toBe('FORBIDDEN');
    expect((err as RapportError).message).toMatch(/TLS with SMTP server 127\.0\.0\.1:4401 failed/);
  });

  it('a recipient the server refuses for good is a VALIDATION error naming it; an unreachable server is CONNECTION', async () => {
    const mailer = smtpMailer(plain);
    const refused = await mailer.send({ to: 'nobody@example.com', subject: 'x', text: 'y' }).catch((e: unknown) => e);
    await mailer.close!();
    expect((refused as RapportError).code).toBe('VALIDATION');
    expect((refused as RapportError).message).toMatch(/refused nobody@example\.com/);
    const down = smtpMailer({ ...plain, port: 4409 });
    const err = await down.send({ to: 'a@example.com', subject: 'x', text: 'y' }).catch((e: unknown) => e);
    await down.close!();
    expect((err as RapportError).code).toBe('CONNECTION');
    expect((err as RapportError).message).toMatch(/127\.0\.0\.1:4409.*ECONNECTION|ECONNREFUSED/);
  });

  it('reads the password from the named environment variable only, and says which one is missing', () => {
    delete process.env.RAPPORT_TEST_SMTP_PW;
    expect(() => smtpMailer({ ...plain, user: 'u', passwordEnv: 'RAPPORT_TEST_SMTP_PW' })).toThrow(
      /environment variable RAPPORT_TEST_SMTP_PW \(SMTP password\) is not set/,
    );
  });

  it('a scheduled job’s e-mail reaches the server once, with the Message-ID derived from its outbox key', async () => {
    const crm = createCrm({ store: memoryStore() });
    const mailer = smtpMailer(plain);
    try {
      await crm.scheduler.schedule({
        kind: 'mail.send',
        key: 'welcome:ala',
        at: new Date(Date.now() - 1000),
        payload: { message: { to: 'ala@example.com', subject: 'Welcome', text: 'Hi' } },
      });
      const worker = createScheduler(crm, { mailer });
      await worker.runOnce();
      await worker.runOnce();
      const delivery = (await crm.scheduler.status()).outbox;
      expect(delivery).toMatchObject({ sent: 1, pending: 0, dead: 0 });
      const job = (await crm.scheduler.get('welcome:ala'))!;
      const expected = messageIdFor(`mail.send:welcome:ala:${job.at!.toISOString()}`, 'rapport.invalid');
      expect(sink.received().filter((r) => r.messageId === expected)).toHaveLength(1);
    } finally {
      await mailer.close!();
    }
  });
});

describe('rapport mail test', () => {
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(['mail', 'test', ...args], { env: { RAPPORT_SMTP_HOST: '', ...env } });

  it('says OK for a reachable SMTP server and exactly what failed otherwise', async () => {
    const ok = await cli(['--json'], { RAPPORT_SMTP_HOST: '127.0.0.1', RAPPORT_SMTP_PORT: String(PORT), RAPPORT_SMTP_TLS: 'none' });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ smtp: { target: `smtp://127.0.0.1:${PORT}`, ok: true } });
    const tls = await cli(['--smtp-host', '127.0.0.1', '--smtp-port', String(PORT)]);
    expect(tls.code).toBe(1);
    expect(tls.stderr).toMatch(/^rapport: FORBIDDEN: SMTP smtp:\/\/127\.0\.0\.1:4401: FAILED: TLS with SMTP server 127\.0\.0\.1:4401 failed/);
    const down = await cli([
      '--smtp-host',
      '127.0.0.1',
      '--smtp-port',
      '4409',
      '--smtp-tls',
      'none',
      '--imap-host',
      '127.0.0.1',
      '--imap-port',
      '4408',
      '--imap-tls',
      'none',
      '--imap-user',
      'u',
      '--imap-password-env',
      'NOPE_PW',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/SMTP smtp:\/\/127\.0\.0\.1:4409: FAILED: .*ECONNREFUSED|ECONNECTION/);
    expect(down.stderr).toMatch(/IMAP imap:\/\/127\.0\.0\.1:4408: FAILED: environment variable NOPE_PW \(--imap-password-env\) is not set/);
  });
});
