/**
 * Outbound mail through the real SMTP sink process (tests/support/smtp-sink.ts): a message sent
 * from a task arrives under the Message-ID the CRM recorded, and `rapport mail serial` killed
 * with SIGKILL half-way through 500 recipients, then run again, reaches each recipient once.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, createScheduler, type Partner } from '@rapport/core';
import { smtpMailer } from '@rapport/mail-bridge';
import { sqliteStore } from '@rapport/storage-adapters';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';

const root = join(import.meta.dirname, '..', '..');
const PORT = 21301;
const REFUSED = 'nobody@refused.example';
let dir: string;
let sink: SmtpSink;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-mail-serial-'));
  sink = await startSmtpSink(PORT, join(dir, 'received.jsonl'), { rejectTo: REFUSED });
});
afterAll(async () => {
  await sink?.stop();
  await rm(dir, { recursive: true, force: true });
});

const smtpEnv = { RAPPORT_SMTP_HOST: '127.0.0.1', RAPPORT_SMTP_PORT: String(PORT), RAPPORT_SMTP_TLS: 'none', RAPPORT_SMTP_FROM: 'ksiegowosc@firma.pl' };

describe('outbound mail against a real SMTP server process', () => {
  it('a task sent from the CRM arrives once, under the Message-ID recorded on the task', async () => {
    const crm = createCrm({ store: sqliteStore({ filename: join(dir, 'send.db') }) });
    await crm.store.migrate();
    const mailer = smtpMailer({ host: '127.0.0.1', port: PORT, tls: 'none', from: 'crm@firma.pl' });
    try {
      const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
      const ewa = await crm.persons.create({ firstName: 'Ewa', lastName: 'K', partnerId: zefir.id, emails: ['ewa@zefir.pl'] });
      const task = await crm.tasks.create({ subject: 'Regały', partnerId: zefir.id });
      const sent = await crm.mail.send({ record: { kind: 'task', id: task.id }, to: { persons: [ewa.id] }, subject: 'Regały', body: 'x', key: 'regaly' });
      const worker = createScheduler(crm, { mailer, builtins: false });
      await worker.runOnce();
      await worker.runOnce();
      expect(sink.received().filter((r) => r.messageId === sent.messageId)).toEqual([
        { messageId: sent.messageId, to: ['ewa@zefir.pl'], at: expect.any(Number) },
      ]);
      expect((await crm.scheduler.delivery(sent.key))?.status).toBe('sent');
    } finally {
      await mailer.close!();
      await crm.close();
    }
  });

  it('rapport mail serial, SIGKILLed in the middle of 500 recipients and run again: each recipient exactly once, a refused address bounced, skips reported', async () => {
    const db = join(dir, 'serial.db');
    const crm = createCrm({ store: sqliteStore({ filename: db }) });
    await crm.store.migrate();
    const partners: Partner[] = [];
    for (let i = 0; i < 500; i++) {
      const code = `P${String(i).padStart(3, '0')}`;
      const emails = i === 7 ? [REFUSED] : i % 100 === 50 ? [] : [`biuro@${code.toLowerCase()}.example`];
      partners.push(await crm.partners.create({ code, name: `Firma ${code}`, emails, ...(i % 200 === 99 ? { mailOptOut: true } : {}) }));
    }
    const template = await crm.templates.create({
      name: 'Saldo',
      channel: 'email',
      recordKind: 'partner',
      language: 'pl',
      subject: 'Saldo {{ partner.code }}',
      body: 'Dzień dobry {{ partner.name }}',
    });
    await crm.views.save({ name: 'Everyone', spec: { kind: 'partners' } });
    await crm.close();
    const args = ['--import', 'tsx', 'packages/cli/src/main.ts', '--db', `sqlite:${db}`, '--json', 'mail', 'serial'];
    args.push('--view', 'Everyone', '--template', template.id, '--key', 'saldo-03', '--rate', '3000');
    const env = { ...process.env, ...smtpEnv };
    const before = sink.received().length;
    const started = Date.now();

    // First run: killed without warning once about 150 messages have arrived.
    const first = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    first.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code, signal) => resolve(signal ? -1 : code)));
    for (let waited = 0; sink.received().length - before < 150; waited += 20) {
      if (first.exitCode !== null) throw new Error(`rapport mail serial ended before it was killed: ${stderr}`);
      if (waited > 120_000) throw new Error(`only ${sink.received().length - before} messages arrived in 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    expect(await exited).toBe(-1);
    const atKill = sink.received().length - before;
    expect(atKill).toBeLessThan(491);

    // Second run: the same command resumes the run of that key.
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, env, timeout: 120_000 });
    const report = JSON.parse(stdout) as {
      counts: Record<string, number>;
      recipients: Array<{ id: string; address: string | null; status: string; reason: string | null; messageId: string | null }>;
    };
    expect(report.counts).toEqual({ total: 500, sent: 491, bounced: 1, failed: 0, skipped: 8, pending: 0 });
    expect(report.recipients.find((r) => r.address === REFUSED)).toMatchObject({ status: 'bounced', reason: expect.stringContaining('550') });
    expect(
      report.recipients
        .filter((r) => r.status === 'skipped')
        .map((r) => r.reason)
        .sort(),
    ).toEqual(['no e-mail address', 'no e-mail address', 'no e-mail address', 'no e-mail address', 'no e-mail address', 'opted out', 'opted out', 'opted out']);

    // At the sink: every sent recipient under exactly one Message-ID, the one in the report.
    const arrived = sink.received().slice(before);
    const idsByAddress = new Map<string, Set<string>>();
    for (const r of arrived) for (const to of r.to) idsByAddress.set(to, (idsByAddress.get(to) ?? new Set()).add(r.messageId!));
    const sent = report.recipients.filter((r) => r.status === 'sent');
    expect(idsByAddress.size).toBe(491);
    for (const r of sent) expect([...idsByAddress.get(r.address!)!]).toEqual([r.messageId]);
    // A message in flight at the kill may go again, with the same Message-ID (a receiving server recognises it).
    const repeats = arrived.length - 491;
    console.log(
      `serial 500: ${((Date.now() - started) / 1000).toFixed(1)} s for both runs, ${atKill} arrived before SIGKILL, ${arrived.length} arrivals in all, ${repeats} repeated by Message-ID`,
    );
    expect(repeats).toBeLessThanOrEqual(4);
  }, 240_000);
});
