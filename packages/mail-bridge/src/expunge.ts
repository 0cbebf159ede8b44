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

/** Index of the first range of sorted, disjoint `ranges` whose end is >= x. */
function firstEndingFrom(ranges: UidRanges, x: number): number {
  let lo = 0;
  let hi = ranges.ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges.ends[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A set of UIDs as sorted, disjoint ranges (how ESEARCH returns it: `1:49999,50001:100000`). */
export interface UidRanges {
  starts: number[];
  ends: number[];
}

/**
 * Parses an IMAP sequence set of UIDs (RFC 3501 `sequence-set`, no `*`) into sorted, disjoint
 * ranges clipped to 1..max; throws on anything else (a server's answer is not trusted blindly).
 */
export function parseUidSet(set: string | undefined, max: number): UidRanges {
  const pairs: Array<[number, number]> = [];
  for (const part of (set ?? '').split(',')) {
    if (!part) continue;
    const m = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(part.trim());
    if (!m) throw new Error(`not a UID set: ${JSON.stringify(set?.slice(0, 100))}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const [lo, hi] = [Math.max(1, Math.min(a, b)), Math.min(max, Math.max(a, b))];
    if (lo <= hi) pairs.push([lo, hi]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  const out: UidRanges = { starts: [], ends: [] };
  for (const [a, b] of pairs) {
    const last = out.ends.length - 1;
    if (last >= 0 && a <= out.ends[last]! + 1) out.ends[last] = Math.max(out.ends[last]!, b);
    else {
      out.starts.push(a);
      out.ends.push(b);
    }
  }
  return out;
}

/** The UID ranges of a sorted list of UIDs. */
export function uidRanges(uids: number[]): UidRanges {
  const out: UidRanges = { starts: [], ends: [] };
  for (const uid of uids) {
    const last = out.ends.length - 1;
    if (last >= 0 && uid === out.ends[last]! + 1) out.ends[last] = uid;
    else if (last < 0 || uid > out.ends[last]!) {
      out.starts.push(uid);
      out.ends.push(uid);
    }
  }
  return out;
}

/**
 * UIDs in 1..lastUid that the CRM holds as live but the server no longer has, given the server's
 * UIDs as ranges (an ESEARCH `ALL` answer: one expunge in 100k UIDs is two ranges, not 100k
 * numbers on the wire). A range whose count and sum of UIDs are the same on both sides is skipped
 * (one indexed aggregate); the others are split in parts down to ranges of LEAF UIDs, compared UID
 * by UID. One expunge in 100k UIDs costs about 2 × FANOUT aggregates and one small read, not a
 * load of every known UID. Messages the CRM never stored (ignored, quarantined) make their ranges
 * differ, so they are read UID by UID: slower, never wrong.
 */
export async function expungedByDiff(crm: Crm, g: MailboxGeneration, onServer: UidRanges, lastUid: number): Promise<number[]> {
  // Prefix count and sum of the server's UIDs over whole ranges, for any window in O(log n).
  const n = onServer.starts.length;
  const count = new Float64Array(n + 1);
  const sum = new Float64Array(n + 1);
  const series = (a: number, b: number) => (b < a ? 0 : ((a + b) * (b - a + 1)) / 2);
  for (let i = 0; i < n; i++) {
    const [a, b] = [onServer.starts[i]!, onServer.ends[i]!];
    count[i + 1] = count[i]! + (b - a + 1);
    sum[i + 1] = sum[i]! + series(a, b);
  }
  const server = (from: number, to: number) => {
    const i = firstEndingFrom(onServer, from); // first range reaching into the window
    const j = firstEndingFrom(onServer, to + 1); // first range reaching past it (or n)
    let c = count[j]! - count[i]!;
    let s = sum[j]! - sum[i]!;
    // Trim the ranges cut by the window's edges.
    if (i < n && onServer.starts[i]! < from) {
      c -= from - onServer.starts[i]!;
      s -= series(onServer.starts[i]!, from - 1);
    }
    if (j < n && onServer.starts[j]! <= to) {
      c += to - onServer.starts[j]! + 1;
      s += series(onServer.starts[j]!, to);
    }
    return { count: c, sum: s };
  };
  const has = (uid: number) => {
    const i = firstEndingFrom(onServer, uid);
    return i < n && onServer.starts[i]! <= uid;
  };
  const gone: number[] = [];
  const visit = async (from: number, to: number): Promise<void> => {
    const there = server(from, to);
    const known = await crm.emails.knownUidSummary(g.account, g.mailbox, g.uidValidity, from, to);
    if (known.count === 0 || (known.count === there.count && known.sum === there.sum)) return;
    if (to - from + 1 <= LEAF) {
      for (const uid of await crm.emails.knownUids(g.account, g.mailbox, g.uidValidity, { from, to })) if (!has(uid)) gone.push(uid);
      return;
    }
    const step = Math.ceil((to - from + 1) / FANOUT);
    for (let a = from; a <= to; a += step) await visit(a, Math.min(to, a + step - 1));
  };
  if (lastUid > 0) await visit(1, lastUid);
  return gone;
}
