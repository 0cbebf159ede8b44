import type { ImapFlow } from 'imapflow';
import { Observable } from 'rxjs';
import { RapportError, type Crm, type MailCheckpoint, type MailPolicy } from '@rapport/core';
import { closeClient, connectImap, connectionClosed, describeTarget, imapError, untilClosed, type ImapConnection } from './connection.js';
import { MailPipeline } from './pipeline.js';
import { sharedParsePool, type ParsePool, type PoolResult } from './parse-pool.js';
import { emptyReport, mergeReport, type MailboxReport, type ProgressListener, type SyncReport } from './report.js';
import { requireBlobStore } from './require-blobs.js';

export interface ImapSyncOptions extends ImapConnection {
  /** Mailboxes to sync (default INBOX). */
  mailboxes?: string[];
  /** First sync (and resync after a UIDVALIDITY change): only messages since this date. */
  since?: Date;
  /** UIDs per batch; the checkpoint advances after each batch has committed (default 200). */
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

export interface WatchOptions {
  /** Called when a connection fails; the watcher reconnects with back-off. */
  onError?: (err: RapportError, retryInSeconds: number) => void;
  /** Longest wait between reconnects (default 300 s). */
  maxBackoffSeconds?: number;
  /**
   * IDLE watches one mailbox per connection (the first); the others are checked, one STATUS
   * each, every `pollSeconds` (default 60 with several mailboxes; with one, IDLE is renewed
   * every 300 s). From 1 to 1740 (RFC 2177: renew IDLE within 29 minutes).
   */
  pollSeconds?: number;
}

/** Bytes of whole messages fetched at once; with the group fetched ahead, twice this is in memory. */
const MAX_BATCH_BYTES = 12 * 1024 * 1024;

interface Fetched {
  uids: number[];
  raws: Buffer[];
  preparsed: Promise<PoolResult[]> | null;
}

interface Step {
  kind: 'group' | 'large';
  uids: number[];
  /** The last step of a batch: after it, the checkpoint moves to `batchLastUid`. */
  batchEnd: boolean;
  batchLastUid: number;
  /** UIDs of the batch that were expunged before they could be fetched. */
  missing: number;
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

    const lock = await client.getMailboxLock(mailbox, { readOnly: true }).catch((err) => {
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
      const batchSize = Math.max(1, o.batchSize ?? 200);
      let done = 0;
      const progress = (n: number) => {
        done += n;
        o.onProgress?.({ done, total: uids.length, report, mailbox });
      };
      // While one group of messages is parsed and ingested, the next one is already being fetched.
      const plan = this.plan(client, mailbox, uids, batchSize);
      let next = await plan.next();
      let nextData = next.done ? null : this.prefetch(client, mailbox, next.value, pipeline);
      while (!next.done) {
        const step = next.value;
        const data = nextData;
        next = await plan.next();
        nextData = next.done ? null : this.prefetch(client, mailbox, next.value, pipeline);
        await this.importStep(client, mailbox, uidValidity, step, await data, pipeline, progress);
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
      // Fewer messages than before plus the new ones: something was expunged.
      if (checkpoint && !resync && checkpoint.messages !== null && (status.messages ?? 0) < checkpoint.messages + uids.length) {
        const onServer = new Set((await client.search({ all: true }, { uid: true })) || []);
        if (!client.usable) throw connectionClosed(o, `SEARCH ${mailbox}`);
        const gone = (await this.crm.emails.knownUids(this.account, mailbox, uidValidity)).filter((u) => !onServer.has(u));
        if (gone.length) report.deletedOnServer += await this.crm.emails.markDeletedOnServer(this.account, mailbox, uidValidity, gone);
      }
    } finally {
      lock.release();
    }
    return report;
  }

  private async saveCheckpoint(mailbox: string, cp: Omit<MailCheckpoint, 'id' | 'version' | 'updatedAt' | 'account' | 'mailbox'>) {
    await this.crm.emails.saveCheckpoint({ account: this.account, mailbox, ...cp });
  }

  /**
   * The work of a sync in order: per batch of UIDs (one size FETCH each), groups of small
   * messages (fetched whole, at most MAX_BATCH_BYTES) and single large ones (streamed).
   */
  private async *plan(client: ImapFlow, mailbox: string, uids: number[], batchSize: number): AsyncGenerator<Step> {
    const streamAbove = this.options.streamAbove ?? 1024 * 1024;
    for (let i = 0; i < uids.length; i += batchSize) {
      const batch = uids.slice(i, i + batchSize);
      const sizes = await client.fetchAll(batch.join(','), { uid: true, size: true }, { uid: true });
      this.checkUsable(client, `FETCH ${mailbox}`);
      const sizeOf = new Map(sizes.map((m) => [m.uid, m.size ?? 0]));
      const steps: Step[] = [];
      let group: number[] = [];
      let groupBytes = 0;
      const close = () => {
        if (group.length) steps.push({ kind: 'group', uids: group, batchEnd: false, batchLastUid: batch.at(-1)!, missing: 0 });
        group = [];
        groupBytes = 0;
      };
      let missing = 0;
      for (const uid of batch) {
        const size = sizeOf.get(uid);
        if (size === undefined)
          missing++; // expunged since the search
        else if (size > streamAbove) {
          close();
          steps.push({ kind: 'large', uids: [uid], batchEnd: false, batchLastUid: batch.at(-1)!, missing: 0 });
        } else {
          if (groupBytes + size > MAX_BATCH_BYTES) close();
          group.push(uid);
          groupBytes += size;
        }
      }
      close();
      if (!steps.length) steps.push({ kind: 'group', uids: [], batchEnd: false, batchLastUid: batch.at(-1)!, missing: 0 });
      steps.at(-1)!.batchEnd = true;
      steps.at(-1)!.missing = missing;
      yield* steps;
    }
  }

  /** Fetches a group's messages, handing each to the parse worker as it arrives (not when all have). */
  private prefetch(client: ImapFlow, mailbox: string, step: Step, pipeline: MailPipeline): Promise<Fetched> | null {
    if (step.kind !== 'group' || !step.uids.length) return null;
    const p = (async (): Promise<Fetched> => {
      const data = new Map<number, { raw: Buffer; parsed: Promise<PoolResult> | null }>();
      for await (const m of client.fetch(step.uids.join(','), { uid: true, source: true }, { uid: true })) {
        if (m.source) data.set(m.uid, { raw: m.source, parsed: pipeline.preparse(m.source) });
      }
      this.checkUsable(client, `FETCH ${mailbox}`);
      const items = step.uids.flatMap((uid) => (data.has(uid) ? [{ uid, ...data.get(uid)! }] : []));
      const parsed = items.map((i) => i.parsed);
      return {
        uids: items.map((i) => i.uid),
        raws: items.map((i) => i.raw),
        preparsed: parsed.every((x) => x !== null) ? Promise.all(parsed as Array<Promise<PoolResult>>) : null,
      };
    })();
    p.catch(() => undefined); // awaited (and thrown) when its turn comes
    return p;
  }

  private async importStep(
    client: ImapFlow,
    mailbox: string,
    uidValidity: number,
    step: Step,
    data: Fetched | null,
    pipeline: MailPipeline,
    progress: (n: number) => void,
  ) {
    const source = (uid: number) => ({ account: this.account, mailbox, uidValidity, uid });
    if (step.kind === 'group') {
      if (data)
        await pipeline.ingestBatch(
          data.uids.map((uid, i) => ({ raw: data.raws[i]!, source: source(uid) })),
          await data.preparsed,
        );
    } else {
      const uid = step.uids[0]!;
      const download = await client.download(String(uid), undefined, { uid: true, chunkSize: 1024 * 1024 });
      if (download?.content) await pipeline.ingestRaw(download.content, source(uid));
      else this.checkUsable(client, `FETCH ${mailbox}`);
    }
    progress(step.uids.length + step.missing);
  }

  private checkUsable(client: ImapFlow, doing: string) {
    // After a server BYE imapflow resolves fetches with nothing: that is an error, not "no mail".
    if (!client.usable) throw connectionClosed(this.options, doing);
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
    return new Observable<SyncReport>((subscriber) => {
      const controller = new AbortController();
      this.watchUntil(controller.signal, options, (report) => subscriber.next(report)).then(
        () => subscriber.complete(),
        (err: unknown) => subscriber.error(err),
      );
      return () => controller.abort();
    });
  }

  private async watchUntil(signal: AbortSignal, options: WatchOptions, emit: (report: SyncReport) => void): Promise<void> {
    const maxBackoff = (options.maxBackoffSeconds ?? 300) * 1000;
    const poll = options.pollSeconds ?? (this.mailboxes.length > 1 ? 60 : 300);
    if (typeof poll !== 'number' || !(poll >= 1 && poll <= 1740))
      throw new RapportError('VALIDATION', `pollSeconds must be a number of seconds from 1 to 1740 (got ${String(poll)})`, {
        details: { field: 'pollSeconds' },
      });
    let backoff = 1000;
    while (!signal.aborted) {
      let client: ImapFlow | null = null;
      try {
        client = await connectImap(this.options, this.options.onError);
        const c = client;
        const onAbort = () => c.close();
        signal.addEventListener('abort', onAbort, { once: true });
        // Aborted while connecting: the listener above came too late to see it.
        if (signal.aborted) c.close();
        try {
          emit(await untilClosed(c, this.syncWith(c), this.options, 'sync'));
          backoff = 1000;
          // The selected mailbox was ahead of the checkpoint last round (mail came between STATUS and SELECT).
          let aheadOfCheckpoint = false;
          while (!signal.aborted && c.usable) {
            // IDLE ends when another command runs: a NOOP on new mail or an expunge wakes the loop.
            const wake = () => void c.noop().catch(() => undefined);
            c.on('exists', wake);
            c.on('expunge', wake);
            try {
              // IDLE on the first mailbox; every mailbox is checked (one STATUS each) on wake-up,
              // which comes with new mail in the first one or after pollSeconds.
              const lock = await untilClosed(c, c.getMailboxLock(this.mailboxes[0]!, { readOnly: true }), this.options, `open mailbox ${this.mailboxes[0]!}`);
              try {
                // Mail that arrived between the sync's STATUS and this SELECT raises no EXISTS during
                // IDLE: when the selected mailbox is ahead of the checkpoint, sync first (once in a
                // row, so a server that reports uidNext differently cannot make this spin).
                const justSynced: boolean = aheadOfCheckpoint;
                const checkpoint: MailCheckpoint | null = justSynced ? null : await this.crm.emails.checkpoint(this.account, this.mailboxes[0]!);
                const selected = c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.uidNext : undefined;
                aheadOfCheckpoint = Boolean(checkpoint?.uidNext && selected && Number(selected) !== Number(checkpoint.uidNext));
                // imapflow may leave idle() pending when the server drops the connection: 'close' ends the wait.
                let timer: NodeJS.Timeout | undefined;
                let onClose: (() => void) | undefined;
                if (!aheadOfCheckpoint) {
                  await Promise.race([
                    c.idle().catch(() => undefined),
                    new Promise<void>((r) => (timer = setTimeout(r, poll * 1000))),
                    new Promise<void>((r) => c.once('close', (onClose = r))),
                  ]).finally(() => {
                    clearTimeout(timer);
                    if (onClose) c.off('close', onClose);
                  });
                }
              } finally {
                lock.release();
              }
            } finally {
              c.off('exists', wake);
              c.off('expunge', wake);
            }
            if (signal.aborted) break;
            if (!c.usable) throw connectionClosed(this.options, 'IDLE');
            emit(await untilClosed(c, this.syncWith(c), this.options, 'sync'));
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      } catch (err) {
        if (signal.aborted) break;
        const rerr = imapError(err, this.options, 'watch');
        if (rerr.code === 'FORBIDDEN' || rerr.code === 'NOT_FOUND') throw rerr;
        options.onError?.(rerr, backoff / 1000);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
        backoff = Math.min(backoff * 2, maxBackoff);
      } finally {
        if (client) await closeClient(client);
      }
    }
  }
}
