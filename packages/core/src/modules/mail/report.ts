import type { Context } from '../../context.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import { where } from '../../store/filter.js';
import { loadRun, runRows } from './serial.js';
import type { MailRunRecipient, SerialOutcome, SerialReport } from './types.js';

/** What became of a queued recipient: its outbox row's state (a refused address is a bounce). */
function outcome(entry: OutboxEntry | undefined): { status: SerialOutcome; reason: string | null; messageId: string | null } {
  const messageId = (entry?.payload as { messageId?: string } | undefined)?.messageId ?? null;
  if (!entry || entry.status === 'pending' || entry.status === 'sending') return { status: 'pending', reason: entry?.lastError ?? null, messageId };
  if (entry.status === 'sent') return { status: 'sent', reason: null, messageId };
  return { status: entry.lastError?.startsWith('refused') ? 'bounced' : 'failed', reason: entry.lastError, messageId };
}

/** The per-recipient report of a serial mailing: sent, bounced, failed, skipped (and why), pending. */
export async function serialReport(ctx: Context, runId: string): Promise<SerialReport> {
  const run = await loadRun(ctx, runId);
  const counts: SerialReport['counts'] = { total: 0, pending: 0, sent: 0, bounced: 0, failed: 0, skipped: 0 };
  const recipients: SerialReport['recipients'] = [];
  let chunk: MailRunRecipient[] = [];
  const flush = async () => {
    const keys = chunk.map((r) => r.outboxKey).filter((k): k is string => k !== null);
    const found = keys.length ? await ctx.rootStore.find<OutboxEntry>('outbox', { where: where.in('key', keys), limit: keys.length }) : { items: [] };
    const byKey = new Map(found.items.map((e) => [e.key, e]));
    for (const row of chunk) {
      const o =
        row.status === 'skipped'
          ? { status: 'skipped' as const, reason: row.reason, messageId: null }
          : row.status === 'pending'
            ? { status: 'pending' as const, reason: null, messageId: null }
            : outcome(byKey.get(row.outboxKey!));
      counts.total++;
      counts[o.status]++;
      recipients.push({ kind: row.kind, id: row.recordId, address: row.address, ...o });
    }
    chunk = [];
  };
  for await (const row of runRows(ctx, run.id)) {
    chunk.push(row);
    if (chunk.length === 500) await flush();
  }
  await flush();
  return { run, counts, recipients };
}
