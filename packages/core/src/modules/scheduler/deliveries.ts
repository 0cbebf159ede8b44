import type { JsonObject, OutboxChannel, OutboxEntry } from '../../domain/automation-types.js';
import { isRapportError } from '../../errors.js';
import { where } from '../../store/filter.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../clock.js';
import { casUpdate, claim, pool, reasonOf } from './lease.js';
import { backoffDelay, type Backoff } from './timing.js';

/**
 * Delivers one outbox row through its channel and resolves with what the channel answered.
 * Throwing fails the attempt (retried with back-off); throwing a RapportError `VALIDATION`
 * refuses it for good (dead at once: a rejected address will not be accepted tomorrow).
 */
export type ChannelHandler = (entry: OutboxEntry, ctx: { now: Date }) => Promise<JsonObject | void>;

export interface DeliveriesReport {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
  lost: number;
}

export interface DeliveryPhase {
  store: Store;
  clock: Clock;
  channels: Map<OutboxChannel, ChannelHandler>;
  workerId: string;
  leaseMs: number;
  batchSize: number;
  concurrency: number;
  retry: Backoff;
}

interface Done {
  entry: OutboxEntry;
  result?: JsonObject;
  error?: string;
  permanent?: boolean;
}

/** Claims one batch of due outbox rows and delivers them. Returns false when nothing was due. */
export async function runDeliveryBatch(p: DeliveryPhase, report: DeliveriesReport): Promise<boolean> {
  const channels = [...p.channels.keys()];
  if (channels.length === 0) return false;
  const now = p.clock.now();
  const due = where.and(where.eq('status', 'pending'), where.lte('nextAttemptAt', now));
  const expired = where.and(where.eq('status', 'sending'), where.lt('leaseUntil', now));
  const { claimed, lost, seen } = await claim<OutboxEntry>(
    p.store,
    'outbox',
    { where: where.and(where.in('channel', channels), where.or(due, expired)), sortField: 'nextAttemptAt', limit: p.batchSize },
    (e) => ({ status: 'sending', attempts: e.attempts + 1, leaseOwner: p.workerId, leaseUntil: new Date(now.getTime() + p.leaseMs), updatedAt: now }),
  );
  report.claimed += claimed.length;
  report.lost += lost;
  if (seen === 0) return false;
  // Outcomes are recorded as they come (a few per transaction), so a worker killed mid-batch
  // leaves few messages sent but not marked: those alone go out again, with the same Message-ID.
  const marker = new Marker(p, report);
  await pool(claimed, p.concurrency, async (entry) => {
    const handler = p.channels.get(entry.channel)!;
    try {
      const result = await handler(entry, { now: p.clock.now() });
      marker.add({ entry, result: result ?? {} });
    } catch (err) {
      marker.add({ entry, error: reasonOf(err), permanent: isRapportError(err, 'VALIDATION') });
    }
  });
  await marker.flushed();
  return true;
}

class Marker {
  private queue: Done[] = [];
  private running: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly p: DeliveryPhase,
    private readonly report: DeliveriesReport,
  ) {}

  add(done: Done) {
    this.queue.push(done);
    this.running ??= this.drain()
      .catch((err: unknown) => void (this.failure ??= err))
      .finally(() => (this.running = null));
  }

  /** Resolves once every outcome added is recorded; rejects with the store's error if recording failed. */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  private async drain() {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const now = this.p.clock.now();
      const won = await this.p.store.transaction(async (tx) => {
        const out: boolean[] = [];
        for (const d of batch) out.push((await casUpdate(tx, 'outbox', d.entry, this.after(d, now))) !== null);
        return out;
      });
      batch.forEach((d, i) => {
        if (!won[i]) this.report.lost++;
        else if (d.error === undefined) this.report.sent++;
        else if (d.permanent || d.entry.attempts >= d.entry.maxAttempts) this.report.dead++;
        else this.report.retried++;
      });
    }
  }

  private after(d: Done, now: Date): Partial<OutboxEntry> {
    const base = { leaseOwner: null, leaseUntil: null, updatedAt: now };
    if (d.error === undefined) return { ...base, status: 'sent', result: d.result ?? {}, lastError: null, sentAt: now, nextAttemptAt: null };
    if (d.permanent || d.entry.attempts >= d.entry.maxAttempts) {
      const why = d.permanent ? 'refused' : `gave up after ${d.entry.attempts} attempts`;
      return { ...base, status: 'dead', nextAttemptAt: null, lastError: `${why}: ${d.error}` };
    }
    return { ...base, status: 'pending', nextAttemptAt: new Date(now.getTime() + backoffDelay(this.p.retry, d.entry.attempts)), lastError: d.error };
  }
}
