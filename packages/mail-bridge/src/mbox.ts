import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const FROM_LINE = /^From /;
const ESCAPED_FROM = /^>+From /;

/** One message of an mbox: whole (up to the size limit) or as a stream of its lines (larger). */
export type MboxMessage =
  { start: number; raw: Buffer; stream?: never; end: () => number } | { start: number; raw?: never; stream: AsyncGenerator<Buffer>; end: () => number };

/**
 * Splits an mbox file into messages from byte `from` on, without reading it whole. A line starting
 * with "From " begins a message; ">From ", ">>From " ... lines are unescaped by one ">" (mboxrd;
 * for mboxo files this restores the "From " lines that were escaped). A message of at most
 * `wholeUpTo` bytes comes as one Buffer; a larger one as a stream (consume it before the next).
 * `end()` is the byte offset after the message (where the next one starts), once it was read.
 */
export async function* mboxMessages(path: string, from: number, wholeUpTo: number): AsyncGenerator<MboxMessage> {
  const stream = createReadStream(path, { start: from, highWaterMark: 256 * 1024 });
  let rest: Buffer = Buffer.alloc(0);
  let offset = from; // of the next line handed out
  const lines = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        yield buf.subarray(start, nl + 1);
        start = nl + 1;
      }
      rest = Buffer.from(buf.subarray(start));
    }
    if (rest.length) yield rest;
  };
  const source = lines();
  let pending: IteratorResult<Buffer> = await source.next();
  const advance = async () => {
    offset += pending.done ? 0 : pending.value.length;
    pending = await source.next();
  };
  const isSeparator = (line: Buffer) => FROM_LINE.test(line.toString('latin1', 0, 5));
  // Anything before the first "From " line is not a message (mbox files start with one).
  while (!pending.done && !isSeparator(pending.value)) await advance();
  while (!pending.done) {
    const start = offset;
    await advance(); // the separator line
    const body: Buffer[] = [];
    let bytes = 0;
    let ended = false;
    const unescape = (line: Buffer) => (ESCAPED_FROM.test(line.toString('latin1', 0, Math.min(line.length, 64))) ? line.subarray(1) : line);
    while (!pending.done && !isSeparator(pending.value) && bytes <= wholeUpTo) {
      const line = unescape(pending.value);
      body.push(line);
      bytes += line.length;
      await advance();
    }
    if (bytes <= wholeUpTo) {
      yield { start, raw: Buffer.concat(body, bytes), end: () => offset };
      continue;
    }
    // Too large to hold: what was read so far, then the rest of it line by line.
    const remainder = async function* (): AsyncGenerator<Buffer> {
      yield* body.splice(0);
      while (!pending.done && !isSeparator(pending.value)) {
        const line = unescape(pending.value);
        await advance();
        yield line;
      }
      ended = true;
    };
    const it = remainder();
    yield { start, stream: it, end: () => offset };
    if (!ended) for await (const _ of it);
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
