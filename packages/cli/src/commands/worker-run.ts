import { createScheduler, senderDomain, type Mailer, type RunReport } from '@rapport/core';
import { openCrm } from '../db.js';
import type { GlobalOptions } from '../output.js';
import type { WorkerOptions } from './worker.js';

const sum = (a: RunReport, b: RunReport): RunReport => ({
  workerId: a.workerId,
  jobs: Object.fromEntries(Object.entries(a.jobs).map(([k, v]) => [k, v + b.jobs[k as keyof RunReport['jobs']]])) as RunReport['jobs'],
  deliveries: Object.fromEntries(
    Object.entries(a.deliveries).map(([k, v]) => [k, v + b.deliveries[k as keyof RunReport['deliveries']]]),
  ) as RunReport['deliveries'],
  durationMs: a.durationMs + b.durationMs,
});

const line = (r: RunReport) =>
  `jobs: ${r.jobs.completed} done, ${r.jobs.retried} retried, ${r.jobs.dead} dead, ${r.jobs.skipped} skipped · deliveries: ${r.deliveries.sent} sent, ${r.deliveries.retried} retried, ${r.deliveries.dead} dead`;

/** Runs the scheduler until SIGINT/SIGTERM (or once with --once), printing progress and a report. */
export async function runWorker(o: WorkerOptions, g: GlobalOptions): Promise<void> {
  const { smtpConnectionFromEnv, smtpMailer } = await import('@rapport/mail-bridge');
  const smtp = smtpConnectionFromEnv();
  const mailer: Mailer | undefined = smtp ? smtpMailer(smtp) : undefined;
  if (!mailer) process.stderr.write('rapport: RAPPORT_SMTP_HOST is not set: e-mail deliveries wait in the outbox\n');
  const { crm } = await openCrm(g.db);
  const scheduler = createScheduler(crm, {
    ...(mailer ? { mailer } : {}),
    ...(o.workerId ? { workerId: o.workerId } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.batchSize ? { batchSize: o.batchSize } : {}),
    ...(o.leaseSeconds ? { leaseMs: o.leaseSeconds * 1000 } : {}),
    // Messages without a sender of their own (reminders, rules) take RAPPORT_SMTP_FROM's: so does their Message-ID.
    ...(senderDomain(smtp?.from) ? { messageIdDomain: senderDomain(smtp?.from)! } : {}),
  });
  const tty = !g.json && process.stderr.isTTY;
  const progress = (r: RunReport) => tty && process.stderr.write(`\r\x1b[K${line(r)}`);
  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let total: RunReport | null = null;
  let status: Awaited<ReturnType<typeof crm.scheduler.status>>;
  try {
    do {
      const base = total;
      const pass = await scheduler.runOnce({ onProgress: (r) => progress(base ? sum(base, r) : r) });
      total = total ? sum(total, pass) : pass;
      const busy = pass.jobs.claimed + pass.deliveries.claimed > 0;
      if (g.json && !o.once && busy) process.stdout.write(`${JSON.stringify(pass)}\n`);
      if (o.once || stopping) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, o.pollMs ?? 1000);
      });
      wake = null;
    } while (!stopping);
    status = await crm.scheduler.status({ limit: 10 });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (tty) process.stderr.write('\n');
    await mailer?.close?.();
    await crm.close();
  }
  const dead = status.dead.map((j) => ({ key: j.key, kind: j.kind, lastError: j.lastError }));
  const deadDeliveries = status.deadDeliveries.map((d) => ({ key: d.key, channel: d.channel, lastError: d.lastError }));
  if (g.json) process.stdout.write(`${JSON.stringify({ report: total, jobs: status.jobs, outbox: status.outbox, dead, deadDeliveries })}\n`);
  else {
    const lines = [
      line(total!),
      `now: ${status.jobs.due} job(s) due, ${status.jobs.failed} waiting to retry, ${status.jobs.dead} dead; ${status.outbox.pending} deliveries pending, ${status.outbox.dead} dead`,
    ];
    for (const j of dead) lines.push(`  dead job ${j.key} (${j.kind}): ${j.lastError}`);
    for (const d of deadDeliveries) lines.push(`  dead ${d.channel} ${d.key}: ${d.lastError}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
