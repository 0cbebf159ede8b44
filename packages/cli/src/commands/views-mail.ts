import { writeFile } from 'node:fs/promises';
import type { Crm } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { emit, type GlobalOptions } from '../output.js';

export interface MailExportFlags {
  format: 'csv' | 'xlsx' | 'pdf' | 'png';
  mailTo: string;
  mailSubject?: string;
  out?: string;
  tz?: string;
}

/**
 * `rapport views export VIEW --mail-to a@x,b@y`: the export goes into the outbox as an attachment
 * (and to --out too when given); with RAPPORT_SMTP_* set it is delivered at once, else by `rapport worker`.
 */
export async function mailViewExport(host: Crm, acting: Crm, view: string, o: MailExportFlags, g: GlobalOptions, onProgress: (rows: number) => void) {
  if (o.format === 'png') throw new RapportError('VALIDATION', '--mail-to mails a csv, xlsx or pdf export (not png)');
  const to = o.mailTo
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const { mailExport } = await import('@rapport/export');
  const done = await mailExport(acting, view, {
    format: o.format,
    to,
    ...(o.mailSubject ? { subject: o.mailSubject } : {}),
    ...(o.tz ? { timeZone: o.tz } : {}),
    onProgress,
  });
  if (o.out) await writeFile(o.out, done.file);
  const { smtpConnectionFromEnv, smtpMailer } = await import('@rapport/mail-bridge');
  const smtp = smtpConnectionFromEnv();
  let delivery = 'queued: RAPPORT_SMTP_HOST is not set, `rapport worker` delivers it';
  if (smtp) {
    const { createScheduler } = await import('@rapport/core');
    const mailer = smtpMailer(smtp);
    try {
      await createScheduler(host, { mailer, builtins: false }).runOnce();
    } finally {
      await mailer.close?.();
    }
    const row = await host.scheduler.delivery(done.mail.key);
    delivery = row?.status === 'sent' ? 'sent' : `${row?.status ?? 'missing'}${row?.lastError ? `: ${row.lastError}` : ''}`;
  }
  const report = {
    ...done.export,
    filename: done.filename,
    bytes: done.file.length,
    to,
    messageId: done.mail.messageId,
    delivery,
    ...(o.out ? { file: o.out } : {}),
  };
  emit(g, report, () => `${done.filename} (${done.export.rows} rows, ${done.file.length} bytes) to ${to.join(', ')}: ${delivery}`);
}
