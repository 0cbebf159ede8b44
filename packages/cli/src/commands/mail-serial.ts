import type { Mailer, SerialReport } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import type { GlobalOptions } from '../output.js';
import { actingCrm } from './views.js';

export interface SerialOptions {
  view?: string;
  ids?: string;
  template: string;
  rate?: number;
  key?: string;
  from?: string;
  as?: string;
  wait: boolean;
  concurrency?: number;
}

const counts = (r: SerialReport) => {
  const c = r.counts;
  return `${c.sent} sent, ${c.bounced} bounced, ${c.failed} failed, ${c.skipped} skipped, ${c.pending} pending of ${c.total}`;
};

/**
 * Starts (or, with the same --key, resumes) a serial mailing, queues every recipient and, unless
 * --no-wait, delivers it over SMTP (RAPPORT_SMTP_*) until no recipient is pending.
 */
export async function runSerial(o: SerialOptions, g: GlobalOptions): Promise<void> {
  if (!o.view === !o.ids) throw new RapportError('VALIDATION', 'pass either --view NAME or --ids ID,ID,...');
  const { smtpConnectionFromEnv, smtpMailer } = await import('@rapport/mail-bridge');
  const { createScheduler } = await import('@rapport/core');
  const smtp = o.wait ? smtpConnectionFromEnv() : null;
  if (o.wait && !smtp)
    throw new RapportError(
      'VALIDATION',
      'RAPPORT_SMTP_HOST is not set: set RAPPORT_SMTP_* to send, or pass --no-wait to leave the messages to `rapport worker`',
    );
  const mailer: Mailer | null = smtp ? smtpMailer({ ...smtp, ...(o.concurrency ? { maxConnections: o.concurrency } : {}) }) : null;
  const { crm: host } = await openCrm(g.db);
  const tty = !g.json && process.stderr.isTTY;
  const say = (text: string) => tty && process.stderr.write(`\r\x1b[K${text}`);
  let stopping = false;
  const stop = () => void (stopping = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const crm = await actingCrm(host, o.as);
    const recipients = o.view
      ? { view: o.view }
      : {
          ids: o
            .ids!.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        };
    const run = await crm.mail.serial.start({
      ...(o.key ? { key: o.key } : {}),
      template: o.template,
      recipients,
      ...(o.rate ? { ratePerMinute: o.rate } : {}),
      ...(o.from ? { from: o.from } : {}),
    });
    say(`serial mailing ${run.key}: ${run.total} recipients`);
    // Delivery runs beside the preparation, so a throttled run sends while the rest is queued.
    const worker = mailer ? createScheduler(host, { mailer, builtins: false, concurrency: o.concurrency ?? 4, pollMs: 200, leaseMs: 30_000 }) : null;
    worker?.start();
    try {
      await crm.mail.serial.prepare(run.id, { onProgress: (n) => say(`serial mailing ${run.key}: ${n} of ${run.total} queued`) });
      let report = await crm.mail.serial.report(run.id);
      while (worker && report.counts.pending > 0 && !stopping) {
        say(`serial mailing ${run.key}: ${counts(report)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        report = await crm.mail.serial.report(run.id);
      }
      if (tty) process.stderr.write('\r\x1b[K');
      if (g.json)
        process.stdout.write(
          `${JSON.stringify({ run: { id: run.id, key: run.key, total: run.total }, counts: report.counts, recipients: report.recipients })}\n`,
        );
      else {
        const lines = [`serial mailing ${run.key} (${run.id}): ${counts(report)}`];
        for (const r of report.recipients)
          if (r.status !== 'sent') lines.push(`  ${r.status} ${r.kind} ${r.id} ${r.address ?? ''}${r.reason ? `: ${r.reason}` : ''}`);
        if (report.counts.pending > 0)
          lines.push(`resume with: rapport mail serial --key ${run.key} --template ${run.templateId} ${o.view ? `--view ${o.view}` : '--ids ...'}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    } finally {
      await worker?.stop();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await mailer?.close?.();
    await host.close();
  }
}
