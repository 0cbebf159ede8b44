import type { Crm } from '@rapport/core';
import { describe, expect, it } from 'vitest';
import { expungedByDiff, parseUidSet, uidRanges, type UidRanges } from '../src/expunge.js';

/** The two reads the diff makes, over a list of known UIDs (a unit test of the range arithmetic). */
function knownSide(known: number[]) {
  const reads = { summaries: 0, lists: 0 };
  const inRange = (from: number, to: number) => known.filter((u) => u >= from && u <= to);
  const emails = {
    knownUidSummary: async (_a: string, _m: string, _v: number, from: number, to: number) => {
      reads.summaries++;
      const uids = inRange(from, to);
      return { count: uids.length, sum: uids.reduce((s, u) => s + u, 0) };
    },
    knownUids: async (_a: string, _m: string, _v: number, range?: { from: number; to: number }) => {
      reads.lists++;
      return range ? inRange(range.from, range.to) : known;
    },
  };
  return { crm: { emails } as unknown as Crm, reads };
}

const g = { account: 'imap:a@h', mailbox: 'INBOX', uidValidity: 1 };
const expand = (r: UidRanges) => r.starts.flatMap((a, i) => Array.from({ length: r.ends[i]! - a + 1 }, (_, k) => a + k));

describe('UID sets and the range diff', () => {
  it('parses ESEARCH ALL sets: unordered, reversed and overlapping parts merge; clipped to 1..max; garbage refused', () => {
    expect(parseUidSet('1:49999,50001:100000', 100_000)).toEqual({ starts: [1, 50001], ends: [49999, 100000] });
    expect(parseUidSet('9:7,1,2,3:4,20', 10)).toEqual({ starts: [1, 7], ends: [4, 9] });
    expect(parseUidSet(undefined, 10)).toEqual({ starts: [], ends: [] });
    expect(parseUidSet('', 10)).toEqual({ starts: [], ends: [] });
    expect(() => parseUidSet('1:*', 10)).toThrow(/not a UID set/);
    expect(() => parseUidSet('1;DROP', 10)).toThrow(/not a UID set/);
    expect(uidRanges([1, 2, 3, 5, 7, 8])).toEqual({ starts: [1, 5, 7], ends: [3, 5, 8] });
  });

  it('finds exactly the known UIDs missing on the server, for random sets (ranges cut at every edge)', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const last = 1 + Math.floor(random() * 20_000);
      const server: number[] = [];
      const known: number[] = [];
      for (let u = 1; u <= last; u++) {
        const onServer = random() > (round % 2 ? 0.0005 : 0.3);
        if (onServer) server.push(u);
        // Known: most of what is on the server (some never stored), and some expunged ones.
        if (onServer ? random() > 0.001 : random() > 0.5) known.push(u);
      }
      const { crm } = knownSide(known);
      const present = new Set(server);
      const want = known.filter((u) => !present.has(u));
      const packed = uidRanges(server);
      expect(expand(packed)).toEqual(server);
      const set = packed.starts.map((a, i) => (a === packed.ends[i] ? `${a}` : `${a}:${packed.ends[i]}`)).join(',');
      expect((await expungedByDiff(crm, g, parseUidSet(set, last), last)).sort((a, b) => a - b)).toEqual(want);
    }
  });

  it('one expunge in 100,000 UIDs: two server ranges, a few dozen summaries and one leaf read', async () => {
    const known = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const { crm, reads } = knownSide(known);
    const gone = await expungedByDiff(crm, g, parseUidSet('1:61233,61235:100000', 100_000), 100_000);
    expect(gone).toEqual([61234]);
    expect(reads.lists).toBe(1);
    expect(reads.summaries).toBeLessThan(40);
  });
});
