import type { ImapFlow } from 'imapflow';
import { Observable } from 'rxjs';
import { RapportError, type Crm, type MailCheckpoint, type MailPolicy } from '@rapport/core';
import { closeClient, connectImap, connectionClosed, describeTarget, imapError, untilClosed, type ImapConnection } from './connection.js';
import { expungedByDiff, openMailbox, parseUidSet, uidRanges, type MailboxGeneration } from './expunge.js';
import { importStep, planSteps, prefetch, type StepContext } from './fetch-steps.js';
import { DEFAULT_BATCH } from './batch-size.js';
import { MailPipeline } from './pipeline.js';
import { sharedParsePool, type ParsePool } from './parse-pool.js';
import { emptyReport, mergeReport, type MailboxReport, type ProgressListener, type SyncReport } from './report.js';
import { requireBlobStore } from './require-blobs.js';
import { watchUntil, type WatchOptions } from './watch.js';

export type { WatchOptions } from './watch.js';

export interface ImapSyncOptions extends ImapConnection {
  /** Mailboxes to sync (default INBOX). */
  mailboxes?: string[];
  /** First sync (and resync after a UIDVALIDITY change): only messages since this date. */
  since?: Date;
  /** UIDs per batch; the checkpoint advances after each batch has committed (default 500, see decision 0193). */
  batchSize?: number;
  /** Parse messages on a worker thread while the main thread writes to the CRM (default true). */
  parseWorker?: boolean;
  /** Messages larger than this are streamed (IMAP partial fetches) rather than fetched whole (default 1 MB). */
  streamAbove?: number;
  /** Name of the account in checkpoints and locations (default `imap:USER@HOST`). */
  account?: string;
  /** Mail policy of this account (unknown senders, blocklist, register, owner). */
  policy?: Partial<MailPolicy>;
  onProgress?: ProgressListener;
  /** Where connection errors seen outside a running command go (default: ignored; never thrown). */
  onError?: (err: Error) => void;
}

/**
 * Keeps CRM e-mail in step with IMAP mailboxes. Per mailbox it keeps a checkpoint
 * {uidValidity, lastUid, highestModseq} in the CRM store and advances it only after a batch has
 * committed, so a crash at any point re-imports at most one batch, which the Message-ID dedupe
 * absorbs.
 */
export class ImapSync {
  readonly account: string;
  private readonly mailboxes: string[];
  /** Watch loops still running (an unsubscribed one until it has logged out). */
  private readonly watching = new Set<Promise<void>>();

  constructor(
    private readonly crm: Crm,
    private readonly options: ImapSyncOptions,
  ) {
    requireBlobStore(crm, 'ImapSync');
    this.account = options.account ?? `imap:${options.user}@${options.host}`;
    this.mailboxes = options.mailboxes?.length ? options.mailboxes : ['INBOX'];
  }

  /** Syncs every configured mailbox once over one connection. */
  async sync(): Promise<SyncReport> {
    const client = await connectImap(this.options, this.options.onError);
    try {
      return await untilClosed(client, this.syncWith(client), this.options, 'sync');
    } finally {
      await closeClient(client);
    }
  }

  private async syncWith(client: ImapFlow): Promise<SyncReport> {
    try {
      return await this.syncAll(client);
    } catch (err) {
      throw imapError(err, this.options, 'sync');
    }
  }

  private async syncAll(client: ImapFlow): Promise<SyncReport> {
    const started = Date.now();
    const report = emptyReport();
    const pool = this.options.parseWorker === false ? null : sharedParsePool();
    for (const mailbox of this.mailboxes) mergeReport(report, await this.syncMailbox(client, mailbox, pool));
    report.seconds = (Date.now() - started) / 1000;
    return report;
  }

  private async syncMailbox(client: ImapFlow, mailbox: string, pool: ParsePool | null): Promise<SyncReport> {
    const o = this.options;
    const report = emptyReport();
    const pipeline = new MailPipeline(this.crm, report, o.policy, pool);
    const checkpoint = await this.crm.emails.checkpoint(this.account, mailbox);
    const condstore = client.capabilities.has('CONDSTORE');
    let status;
    try {
      status = await client.status(mailbox, { messages: true, uidNext: true, uidValidity: true, ...(condstore ? { highestModseq: true } : {}) });
    } catch (err) {
      throw this.mailboxError(err, mailbox);
    }
    if (!client.usable) throw connectionClosed(o, `STATUS ${mailbox}`);
    if (!status) throw new RapportError('NOT_FOUND', `mailbox ${JSON.stringify(mailbox)} does not exist at ${describeTarget(o)}`);
    const uidValidity = Number(status.uidValidity ?? 0);
    const modseq = status.highestModseq !== undefined ? String(status.highestModseq) : null;
    const entry: MailboxReport = { mailbox, state: 'synced', uidValidity, lastUid: checkpoint?.lastUid ?? 0, fetched: 0 };
    report.mailboxes.push(entry);
    if (
      checkpoint &&
      checkpoint.uidValidity === uidValidity &&
      checkpoint.uidNext === (status.uidNext ?? null) &&
      checkpoint.messages === (status.messages ?? null) &&
      checkpoint.highestModseq === modseq
    ) {
      entry.state = 'skipped';
      return report;
    }

    const resync = checkpoint !== null && checkpoint.uidValidity !== uidValidity;
    if (resync) entry.state = 'resynced';
    const lastUid = resync || !checkpoint ? 0 : checkpoint.lastUid;
    const first = !checkpoint || resync;

    const { lock, vanished } = await openMailbox(client, mailbox, uidValidity, checkpoint).catch((err) => {
      throw this.mailboxError(err, mailbox);
    });
    try {
      const opened = client.mailbox;
      const openUidValidity = opened ? Number(opened.uidValidity) : uidValidity;
      if (openUidValidity !== uidValidity) throw new RapportError('CONFLICT', `UIDVALIDITY of ${mailbox} changed during the sync; run it again`);
      // `UID SEARCH n:*` includes the last message even when n is past it: keep only uid > lastUid.
      const found = await client.search({ uid: `${lastUid + 1}:*`, ...(first && o.since ? { since: o.since } : {}) }, { uid: true });
      if (!client.usable) throw connectionClosed(o, `SEARCH ${mailbox}`);
      const uids = (found || []).filter((u) => u > lastUid).sort((a, b) => a - b);
      const batchSize = Math.max(1, o.batchSize ?? DEFAULT_BATCH);
      let done = 0;
      const ctx: StepContext = { client, mailbox, connection: o, pipeline, source: (uid) => ({ account: this.account, mailbox, uidValidity, uid }) };
      // While one group of messages is parsed and ingested, the next one is already being fetched.
      const plan = planSteps(ctx, uids, batchSize, o.streamAbove ?? 1024 * 1024);
      let next = await plan.next();
      let nextData = next.done ? null : prefetch(ctx, next.value);
      while (!next.done) {
        const step = next.value;
        const data = nextData;
        next = await plan.next();
        nextData = next.done ? null : prefetch(ctx, next.value);
        await importStep(ctx, step, await data);
        done += step.uids.length + step.missing;
        o.onProgress?.({ done, total: uids.length, report, mailbox });
        if (step.batchEnd) {
          const last = step.batchLastUid === uids.at(-1);
          // Intermediate checkpoints leave uidNext/messages empty, so an interrupted sync is never skipped.
          await this.saveCheckpoint(mailbox, {
            uidValidity,
            lastUid: step.batchLastUid,
            highestModseq: last ? modseq : null,
            uidNext: last ? (status.uidNext ?? null) : null,
            messages: last ? (status.messages ?? null) : null,
          });
          entry.lastUid = step.batchLastUid;
        }
      }
      if (uids.length === 0) {
        await this.saveCheckpoint(mailbox, { uidValidity, lastUid, highestModseq: modseq, uidNext: status.uidNext ?? null, messages: status.messages ?? null });
      }
      entry.fetched = uids.length;
      if (checkpoint && !resync) {
        const g = { account: this.account, mailbox, uidValidity };
        // Fewer messages than before plus the new ones: something was expunged.
        const shrank = checkpoint.messages !== null && (status.messages ?? 0) < checkpoint.messages + uids.length;
        const gone = vanished ?? (shrank ? await this.expunged(client, g, checkpoint.lastUid) : []);
        if (gone.length) report.deletedOnServer += await this.crm.emails.markDeletedOnServer(this.account, mailbox, uidValidity, gone);
      }
    } finally {
      lock.release();
    }
    return report;
  }

  /** Without QRESYNC: the UIDs up to `lastUid` still on the server, diffed with the CRM's by ranges. */
  private async expunged(client: ImapFlow, g: MailboxGeneration, lastUid: number): Promise<number[]> {
    if (lastUid < 1) return [];
    // ESEARCH (RFC 4731) answers with ranges ("1:49999,50001:100000"); imapflow derives the same
    // from a plain SEARCH on a server without it.
    const found = await client.search({ uid: `1:${lastUid}` }, { uid: true, returnOptions: ['ALL'] });
    if (!client.usable) throw connectionClosed(this.options, `SEARCH ${g.mailbox}`);
    const onServer = Array.isArray(found) ? uidRanges(found.filter((u) => u <= lastUid).sort((a, b) => a - b)) : parseUidSet(found ? found.all : '', lastUid);
    return expungedByDiff(this.crm, g, onServer, lastUid);
  }

  private async saveCheckpoint(mailbox: string, cp: Omit<MailCheckpoint, 'id' | 'version' | 'updatedAt' | 'account' | 'mailbox'>) {
    await this.crm.emails.saveCheckpoint({ account: this.account, mailbox, ...cp });
  }

  private mailboxError(err: unknown, mailbox: string): RapportError {
    const e = err as { mailboxMissing?: boolean; responseText?: string; serverResponseCode?: string };
    if (
      e?.mailboxMissing ||
      e?.serverResponseCode === 'NONEXISTENT' ||
      /n't exist|not exist|unknown mailbox|NONEXISTENT/i.test(`${e?.responseText ?? ''} ${(err as Error)?.message ?? ''}`)
    ) {
      return new RapportError('NOT_FOUND', `mailbox ${JSON.stringify(mailbox)} does not exist at ${describeTarget(this.options)}`, { cause: err });
    }
    return imapError(err, this.options, `open mailbox ${mailbox}`);
  }

  /**
   * Syncs, then waits for new mail with IDLE and syncs again while subscribed: emits the report
   * of every sync (the first one, and one per change). A failed connection is reported to
   * `onError` and reconnected with exponential back-off (1 s … max); bad credentials or an
   * unknown mailbox end it with an error. Unsubscribing stops it.
   */
  watch(options: WatchOptions = {}): Observable<SyncReport> {
    const target = {
      connection: this.options,
      mailboxes: this.mailboxes,
      checkpoint: (mailbox: string) => this.crm.emails.checkpoint(this.account, mailbox),
      sync: (client: ImapFlow) => this.syncWith(client),
    };
    return new Observable<SyncReport>((subscriber) => {
      const controller = new AbortController();
      const loop = watchUntil(target, controller.signal, options, (report) => subscriber.next(report)).then(
        () => subscriber.complete(),
        (err: unknown) => subscriber.error(err),
      );
      this.watching.add(loop);
      void loop.finally(() => this.watching.delete(loop));
      return () => controller.abort();
    });
  }

  /**
   * Resolves once every watch of this sync that was unsubscribed has ended: its connection logged
   * out (or, stopped mid-sync or dropped, closed) and nothing more is written. Await it after
   * `unsubscribe()` before closing the CRM.
   */
  async stopped(): Promise<void> {
    while (this.watching.size > 0) await Promise.all([...this.watching]);
  }
}
