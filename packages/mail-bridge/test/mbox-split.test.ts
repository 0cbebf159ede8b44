import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mboxMessages } from '../src/mbox.js';

/** What the splitter must give, from the whole file: the messages after the first separator, with one ">" taken from ">...From " lines. */
function expected(text: string): Array<{ start: number; body: string; end: number }> {
  const out: Array<{ start: number; body: string; end: number }> = [];
  const starts: number[] = [];
  for (let i = 0; i < text.length; i = text.indexOf('\n', i) + 1 || text.length) if (text.startsWith('From ', i)) starts.push(i);
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? text.length;
    const bodyStart = text.indexOf('\n', start) < 0 || text.indexOf('\n', start) >= end ? end : text.indexOf('\n', start) + 1;
    const body = text.slice(bodyStart, end).replace(/^>(>*From )/gm, '$1');
    out.push({ start, body, end });
  });
  return out;
}

async function split(file: string, wholeUpTo: number, chunk: number) {
  const out: Array<{ start: number; body: string; end: number; streamed: boolean }> = [];
  for await (const m of mboxMessages(file, 0, wholeUpTo, chunk)) {
    let body: Buffer;
    if (m.raw) body = m.raw;
    else {
      const parts: Buffer[] = [];
      for await (const p of m.stream) parts.push(p);
      body = Buffer.concat(parts);
    }
    out.push({ start: m.start, body: body.toString('latin1'), end: m.end(), streamed: !m.raw });
  }
  return out;
}

describe('mbox splitter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-mbox-split-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const pieces = [
    'From a@b.test Mon Mar  2 10:00:00 2026\n',
    'Subject: x\n',
    '\n',
    'body line\n',
    '>From quoted\n',
    '>>From twice\n',
    'From\n',
    'Fro',
    'm not at start From \n',
    '>Fromage\n',
    'x\r\n',
    'From ',
    '',
  ];

  it('gives the same messages, offsets and unescaping whatever the chunk size and the whole-message limit', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 60; round++) {
      const junk = round % 5 === 0 ? 'junk before\nmore junk\n' : '';
      let text = junk;
      const count = 1 + rnd(8);
      for (let m = 0; m < count; m++) {
        text += `From sender${m}@x.test Tue Mar  3 10:00:00 2026\n`;
        const lines = rnd(12);
        for (let l = 0; l < lines; l++) text += pieces[rnd(pieces.length)];
        if (!text.endsWith('\n') && rnd(2)) text += '\n';
        if (!text.endsWith('\n')) text += '\n';
      }
      if (rnd(3) === 0) text = text.slice(0, -1); // no newline at the end of the file
      const file = join(dir, `m${round}.mbox`);
      await writeFile(file, text, 'latin1');
      const want = expected(text);
      for (const chunk of [1, 2, 3, 5, 7, 64, 1 << 20])
        for (const wholeUpTo of [4, 40, 1 << 20]) {
          const got = await split(file, wholeUpTo, chunk);
          expect(
            got.map(({ start, body, end }) => ({ start, body, end })),
            `round ${round}, chunk ${chunk}, whole up to ${wholeUpTo}`,
          ).toEqual(want);
          if (wholeUpTo === 1 << 20) expect(got.every((m) => !m.streamed)).toBe(true);
        }
    }
  });

  it('a large message its reader gave up on (stream returned early) is skipped, and the messages after it still come', async () => {
    const file = join(dir, 'abandoned.mbox');
    const big = 'x'.repeat(30) + '\n';
    await writeFile(file, `From a\nSubject: big\n\n${big.repeat(40)}From b\nSubject: next\n\nbody\nFrom c\nSubject: last\n\nend\n`);
    for (const chunk of [7, 64, 512]) {
      const seen: string[] = [];
      for await (const m of mboxMessages(file, 0, 100, chunk)) {
        if (m.raw) seen.push(m.raw.toString('latin1').split('\n')[0]!);
        else {
          // What Readable.destroy() does to its source: return() after the first piece.
          const first = await m.stream.next();
          seen.push(`streamed ${String(first.value).slice(0, 12)}`);
          await m.stream.return(undefined);
        }
      }
      expect(seen, `chunk ${chunk}`).toEqual(['streamed Subject: big', 'Subject: next', 'Subject: last']);
    }
  });

  it('a file without a "From " line has no messages', async () => {
    const file = join(dir, 'none.mbox');
    await writeFile(file, 'not\nan mbox\nFro');
    expect(await split(file, 100, 3)).toEqual([]);
  });
});
