/** Mailing an export: the SDK path (mailExport → crm.mail.sendFile → outbox) and `rapport views export --mail-to` to the real SMTP sink. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, type OutboxEntry } from '@rapport/core';
import { mailExport } from '@rapport/export';
import { sqliteStore } from '@rapport/storage-adapters';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';

const root = join(import.meta.dirname, '..', '..');
const PORT = 21321;
let dir: string;
let db: string;
let sink: SmtpSink;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-mail-export-'));
  sink = await startSmtpSink(PORT, join(dir, 'received.jsonl'));
  db = join(dir, 'crm.db');
  const crm = createCrm({ store: sqliteStore({ filename: db }) });
  await crm.store.migrate();
  const ewa = await crm.operators.create({ name: 'Ewa Nowak', email: 'ewa@firma.pl' });
  for (let i = 1; i <= 12; i++) await crm.as(ewa.id).tasks.create({ subject: `Telefon ${i}`, dueAt: new Date(Date.now() - i * 86_400_000) });
  await crm.close();
});
afterAll(async () => {
  await sink?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('mailing an export', () => {
  it('SDK: mailExport puts the CSV of a view, as the operator sees it, into the outbox as an attachment (idempotent by key)', async () => {
    const crm = createCrm({ store: sqliteStore({ filename: db }) });
    try {
      const ewa = (await crm.operators.findByEmail('ewa@firma.pl'))!;
      const done = await mailExport(crm.as(ewa.id), 'Overdue', { format: 'csv', to: ['szef@firma.pl'], key: 'overdue-weekly' });
      expect(done.export.rows).toBe(12);
      const row = (await crm.scheduler.delivery(done.mail.key)) as OutboxEntry;
      const payload = row.payload as { to: string[]; from: string; attachments: Array<{ filename: string; contentType: string; content: string }> };
      expect(payload.to).toEqual(['szef@firma.pl']);
      expect(payload.from).toBe('ewa@firma.pl');
      expect(payload.attachments).toHaveLength(1);
      expect(payload.attachments[0]!.filename).toBe('Overdue.csv');
      const csv = Buffer.from(payload.attachments[0]!.content, 'base64').toString('utf8');
      expect(csv.split('\n').filter(Boolean)).toHaveLength(13);
      expect(csv).toContain('Telefon 12');
      const again = await mailExport(crm.as(ewa.id), 'Overdue', { format: 'csv', to: ['szef@firma.pl'], key: 'overdue-weekly' });
      expect(again.mail).toMatchObject({ duplicate: true, messageId: done.mail.messageId });
      await expect(mailExport(crm, 'Overdue', { format: 'csv', to: ['not an address'] })).rejects.toThrow(/mail\.to\[0\] must be an e-mail address/);
    } finally {
      await crm.close();
    }
  });

  it('CLI: rapport views export --mail-to sends the XLSX through the outbox to the SMTP server at once, and writes --out too', async () => {
    const out = join(dir, 'overdue.xlsx');
    const env = {
      ...process.env,
      RAPPORT_SMTP_HOST: '127.0.0.1',
      RAPPORT_SMTP_PORT: String(PORT),
      RAPPORT_SMTP_TLS: 'none',
      RAPPORT_SMTP_FROM: 'crm@firma.pl',
    };
    const args = ['--import', 'tsx', 'packages/cli/src/main.ts', '--db', `sqlite:${db}`, '--json', 'views', 'export', 'Overdue', '--as', 'ewa@firma.pl'];
    args.push('--format', 'xlsx', '--out', out, '--mail-to', 'szef@firma.pl, biuro@firma.pl');
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, env, timeout: 60_000 });
    const report = JSON.parse(stdout) as { rows: number; filename: string; bytes: number; messageId: string; delivery: string; to: string[] };
    expect(report).toMatchObject({ rows: 12, filename: 'Overdue.xlsx', delivery: 'sent', to: ['szef@firma.pl', 'biuro@firma.pl'] });
    expect((await readFile(out)).length).toBe(report.bytes);
    expect((await readFile(out)).subarray(0, 2).toString()).toBe('PK');
    expect(sink.received().filter((r) => r.messageId === report.messageId)).toEqual([
      { messageId: report.messageId, to: ['szef@firma.pl', 'biuro@firma.pl'], at: expect.any(Number) },
    ]);
  });
});
