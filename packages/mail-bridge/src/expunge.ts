import type { ImapFlow, MailboxLockObject } from 'imapflow';
import type { Crm, MailCheckpoint } from '@rapport/core';

/** Ranges with more UIDs than this are compared by summaries, in FANOUT parts; smaller ones UID by UID. */
const LEAF = 512;
const FANOUT = 16;

/** One generation of one mailbox of one account: what locations are keyed by. */
export interface MailboxGeneration {
  account: string;
  mailbox: string;
  uidValidity: number;
}

/**
 * Opens a mailbox read-only; with QRESYNC enabled and a checkpoint of the same UIDVALIDITY that
 * has a HIGHESTMODSEQ, the server names the UIDs expunged since then (VANISHED (EARLIER)) while
 * the mailbox opens, and `vanished` lists them. Otherwise `vanished` is null: the caller diffs.
 */
export async function openMailbox(
  client: ImapFlow,
  mailbox: string,
  uidValidity: number,
  checkpoint: MailCheckpoint | null,
): Promise<{ lock: MailboxLockObject; vanished: number[] | null }> {
  const modseq = checkpoint?.uidValidity === uidValidity ? checkpoint.highestModseq : null;
  if (!client.enabled.has('QRESYNC') || !modseq || !/^[1-9]\d*$/.test(modseq))
    return { lock: await client.getMailboxLock(mailbox, { readOnly: true }), vanished: null };
  // Only a SELECT carries the QRESYNC parameters: a mailbox still selected from before is closed first.
  if (client.mailbox && client.mailbox.path === mailbox) await client.mailboxClose();
  const vanished: number[] = [];
  const onExpunge = (e: { vanished?: boolean; uid?: number }) => {
    if (e.vanished && e.uid) vanished.push(e.uid);
  };
  client.on('expunge', onExpunge);
  try {
    const options = { readOnly: true, changedSince: BigInt(modseq), uidValidity: BigInt(uidValidity) };
    const lock = await client.getMailboxLock(mailbox, options as { readOnly: boolean });
    // imapflow drops QRESYNC when the server's answer does not fit it (another UIDVALIDITY, NOMODSEQ).
    const used = client.mailbox && (client.mailbox as { qresync?: boolean }).qresync === true;
    return { lock, vanished: used ? vanished : null };
  } finally {
    client.off('expunge', onExpunge);
  }
}

/** Index of the first element of sorted `xs` that is >= x. */
function lowerBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * UIDs in 1..lastUid that the CRM holds as live but the server no longer has, given the server's
 * UIDs (ascending). A range whose count and sum of UIDs are the same on both sides is skipped (one
 * indexed aggregate); the others are split in parts down to ranges of LEAF UIDs, compared UID by
 * UID. One expunge in 100k UIDs costs about 2 × FANOUT aggregates and one small read, not a
 * load of every known UID. Messages the CRM never stored (ignored, quarantined) make their ranges
 * differ, so they are read UID by UID: slower, never wrong.
 */
export async function expungedByDiff(crm: Crm, g: MailboxGeneration, onServer: number[], lastUid: number): Promise<number[]> {
  const prefix = new Float64Array(onServer.length + 1);
  for (const [i, uid] of onServer.entries()) prefix[i + 1] = prefix[i]! + uid;
  const server = (from: number, to: number) => {
    const a = lowerBound(onServer, from);
    const b = lowerBound(onServer, to + 1);
    return { count: b - a, sum: prefix[b]! - prefix[a]!, uids: () => onServer.slice(a, b) };
  };
  const gone: number[] = [];
  const visit = async (from: number, to: number): Promise<void> => {
    const there = server(from, to);
    const known = await crm.emails.knownUidSummary(g.account, g.mailbox, g.uidValidity, from, to);
    if (known.count === 0 || (known.count === there.count && known.sum === there.sum)) return;
    if (to - from + 1 <= LEAF) {
      const present = new Set(there.uids());
      for (const uid of await crm.emails.knownUids(g.account, g.mailbox, g.uidValidity, { from, to })) if (!present.has(uid)) gone.push(uid);
      return;
    }
    const step = Math.ceil((to - from + 1) / FANOUT);
    for (let a = from; a <= to; a += step) await visit(a, Math.min(to, a + step - 1));
  };
  if (lastUid > 0) await visit(1, lastUid);
  return gone;
}
