import type { ImapFlow } from 'imapflow';
import { RapportError, type MailCheckpoint } from '@rapport/core';
import { closeClient, connectImap, connectionClosed, imapError, untilClosed, type ImapConnection } from './connection.js';
import type { SyncReport } from './report.js';

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

/** What the watch loop needs of a sync. */
export interface WatchTarget {
  connection: ImapConnection & { onError?: (err: Error) => void };
  mailboxes: string[];
  checkpoint(mailbox: string): Promise<MailCheckpoint | null>;
  sync(client: ImapFlow): Promise<SyncReport>;
}

/**
 * Syncs, IDLEs on the first mailbox, syncs again on a change or after `pollSeconds`; reconnects
 * with exponential back-off until `signal` aborts. Bad credentials or an unknown mailbox end it.
 */
export async function watchUntil(target: WatchTarget, signal: AbortSignal, options: WatchOptions, emit: (report: SyncReport) => void): Promise<void> {
  const o = target.connection;
  const first = target.mailboxes[0]!;
  const maxBackoff = (options.maxBackoffSeconds ?? 300) * 1000;
  const poll = options.pollSeconds ?? (target.mailboxes.length > 1 ? 60 : 300);
  if (typeof poll !== 'number' || !(poll >= 1 && poll <= 1740))
    throw new RapportError('VALIDATION', `pollSeconds must be a number of seconds from 1 to 1740 (got ${String(poll)})`, {
      details: { field: 'pollSeconds' },
    });
  let backoff = 1000;
  while (!signal.aborted) {
    let client: ImapFlow | null = null;
    try {
      client = await connectImap(o, o.onError);
      const c = client;
      // Stopped while idling: IDLE ends and the connection logs out (finally, below). Stopped
      // during a sync: the connection closes at once (a long import need not finish first).
      let idling = false;
      const onAbort = () => !idling && c.close();
      signal.addEventListener('abort', onAbort, { once: true });
      // Aborted while connecting: the listener above came too late to see it.
      if (signal.aborted) c.close();
      try {
        emit(await untilClosed(c, target.sync(c), o, 'sync'));
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
            const lock = await untilClosed(c, c.getMailboxLock(first, { readOnly: true }), o, `open mailbox ${first}`);
            try {
              // Mail that arrived between the sync's STATUS and this SELECT raises no EXISTS during
              // IDLE: when the selected mailbox is ahead of the checkpoint, sync first (once in a
              // row, so a server that reports uidNext differently cannot make this spin).
              const justSynced: boolean = aheadOfCheckpoint;
              const checkpoint: MailCheckpoint | null = justSynced ? null : await target.checkpoint(first);
              const selected = c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.uidNext : undefined;
              aheadOfCheckpoint = Boolean(checkpoint?.uidNext && selected && Number(selected) !== Number(checkpoint.uidNext));
              // imapflow may leave idle() pending when the server drops the connection: 'close' ends the wait.
              let timer: NodeJS.Timeout | undefined;
              let onClose: (() => void) | undefined;
              let onStop: (() => void) | undefined;
              if (!aheadOfCheckpoint && !signal.aborted) {
                idling = true;
                await Promise.race([
                  c.idle().catch(() => undefined),
                  new Promise<void>((r) => (timer = setTimeout(r, poll * 1000))),
                  new Promise<void>((r) => c.once('close', (onClose = r))),
                  new Promise<void>((r) => signal.addEventListener('abort', (onStop = () => r()), { once: true })),
                ]).finally(() => {
                  idling = false;
                  clearTimeout(timer);
                  if (onClose) c.off('close', onClose);
                  if (onStop) signal.removeEventListener('abort', onStop);
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
          if (!c.usable) throw connectionClosed(o, 'IDLE');
          emit(await untilClosed(c, target.sync(c), o, 'sync'));
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (signal.aborted) break;
      const rerr = imapError(err, o, 'watch');
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
