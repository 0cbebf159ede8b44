import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const FROM_LINE = /^From /;
const NL = 10;
const GT = 0x3e;
const NL_FROM = Buffer.from('\nFrom ', 'latin1');
const NL_GT = Buffer.from('\n>', 'latin1');

/** One message of an mbox: whole (up to the size limit) or as a stream of its lines (larger). */
export type MboxMessage =
  { start: number; raw: Buffer; stream?: never; end: () => number } | { start: number; raw?: never; stream: AsyncGenerator<Buffer>; end: () => number };

/** The first line start at or after `pos` (itself a line start) that begins with "From ", or -1 if `buf` shows none. */
function findSeparator(buf: Buffer, pos: number): number {
  if (buf.length - pos >= 5 && buf.toString('latin1', pos, pos + 5) === 'From ') return pos;
  const i = buf.indexOf(NL_FROM, pos);
  return i < 0 ? -1 : i + 1;
}

/** Complete lines of a message with ">From ", ">>From " ... lines unescaped by one ">" (mboxrd; for mboxo this restores "From " lines). */
function unescapeFrom(lines: Buffer): Buffer {
  const kept: Buffer[] = [];
  let copied = 0;
  const next = (p: number) => {
    const i = lines.indexOf(NL_GT, p);
    return i < 0 ? -1 : i + 1;
  };
  for (let q = lines[0] === GT ? 0 : next(0); q >= 0; q = next(q)) {
    let r = q;
    while (lines[r] === GT) r++;
    if (lines.toString('latin1', r, r + 5) === 'From ') {
      kept.push(lines.subarray(copied, q));
      copied = q + 1;
    }
  }
  if (kept.length === 0) return lines;
  kept.push(lines.subarray(copied));
  return Buffer.concat(kept);
}

/**
 * Splits an mbox file into messages from byte `from` on, without reading it whole. A line starting
 * with "From " begins a message; ">From ", ">>From " ... lines are unescaped by one ">" (mboxrd;
 * for mboxo files this restores the "From " lines that were escaped). A message of at most
 * `wholeUpTo` bytes comes as one Buffer; a larger one as a stream (consume it before the next).
 * `end()` is the byte offset after the message (where the next one starts), once it was read.
 * It scans chunks of the file for separators (one await per chunk, not per line).
 */
export async function* mboxMessages(path: string, from: number, wholeUpTo: number, chunkSize = 1024 * 1024): AsyncGenerator<MboxMessage> {
  const chunks = createReadStream(path, { start: from, highWaterMark: chunkSize })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf: Buffer = Buffer.alloc(0);
  let base = from; // the file offset of buf[0]
  // Drops what is before `keep` and appends the next chunk; false (and nothing dropped) at the end of the file.
  const more = async (keep: number): Promise<boolean> => {
    const r = await chunks.next();
    if (r.done) return false;
    buf = keep < buf.length ? Buffer.concat([buf.subarray(keep), r.value]) : r.value;
    base += keep;
    return true;
  };
  // Anything before the first "From " line is not a message (mbox files start with one).
  let s = findSeparator(buf, 0);
  while (s < 0) {
    const last = buf.lastIndexOf(NL) + 1; // the start of the line that may be cut
    if (!(await more(last))) return;
    s = findSeparator(buf, 0);
  }
  for (;;) {
    const start = base + s;
    // The separator line: the body starts after it.
    let b = buf.indexOf(NL, s) + 1;
    while (b === 0) {
      if (!(await more(s))) b = buf.length;
      else {
        s = 0;
        b = buf.indexOf(NL, 0) + 1;
      }
    }
    // The next separator (n), read for while the message fits in memory.
    let n = findSeparator(buf, b);
    let atEnd = false;
    while (n < 0 && buf.length - b <= wholeUpTo) {
      const last = Math.max(b, buf.lastIndexOf(NL) + 1);
      if (!(await more(b))) {
        atEnd = true;
        break;
      }
      n = findSeparator(buf, last - b);
      b = 0;
    }
    if (n >= 0 || atEnd) {
      const end = n >= 0 ? n : buf.length;
      const endOffset = base + end;
      yield { start, raw: unescapeFrom(buf.subarray(b, end)), end: () => endOffset };
      if (n < 0) return;
      s = n;
      continue;
    }
    // Too large to hold: its complete lines as they are read, up to the next separator. The
    // position lives here, not in the stream handed out, so what its reader leaves unread (a
    // stream destroyed on a parse error returns early) is skipped and the next message still comes.
    const nextPiece = async (): Promise<Buffer | null> => {
      for (;;) {
        const upTo = n >= 0 ? n : buf.lastIndexOf(NL) + 1; // complete lines end here
        if (upTo > b) {
          const piece = buf.subarray(b, upTo);
          b = upTo;
          return unescapeFrom(piece);
        }
        if (n >= 0) return null;
        if (!(await more(b))) {
          const piece = buf.subarray(b);
          b = buf.length;
          return piece.length ? unescapeFrom(piece) : null;
        }
        b = 0;
        n = findSeparator(buf, 0);
      }
    };
    const stream = (async function* () {
      for (let piece = await nextPiece(); piece; piece = await nextPiece()) yield piece;
    })();
    yield { start, stream, end: () => base + (n >= 0 ? n : buf.length) };
    // After any read still under way in the stream, whatever its reader did not read.
    for await (const _ of stream);
    while (await nextPiece());
    if (n < 0) return;
    s = n;
  }
}
/** Whether an mbox message starts at `offset` of the file, after blank lines (the "From " line of a resume point is still there). */
export async function messageStartsAt(path: string, offset: number): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    // The blank line that ends the previous message may come after the offset (a file appended to).
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(16), 0, 16, offset);
    return FROM_LINE.test(buffer.toString('latin1', 0, bytesRead).replace(/^[\r\n]+/, ''));
  } finally {
    await handle.close();
  }
}

/**
 * Why a file cannot be imported as an mbox (missing, unreadable, a folder, empty, or not starting
 * with a "From " line, such as a PNG), or null; else its first KB, which identifies the file.
 */
export async function readMboxHead(path: string): Promise<{ problem: string } | { head: Buffer; size: number }> {
  let head: Buffer;
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) return { problem: `${path} is a folder, not an mbox file` };
    size = s.size;
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { problem: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (head.length === 0) return { problem: `${path} is empty, not an mbox file` };
  // Leading blank lines are tolerated; then an mbox starts with its first "From " separator.
  if (!FROM_LINE.test(head.toString('latin1').replace(/^[\r\n]+/, '')))
    return { problem: `${path} is not an mbox file (it does not start with a "From " line)` };
  return { head, size };
}
