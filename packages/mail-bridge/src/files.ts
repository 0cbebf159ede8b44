import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import type { Crm, MailPolicy } from '@rapport/core';
import { MailPipeline } from './pipeline.js';
import { emptyReport, type ProgressListener, type SyncReport } from './report.js';
import { requireBlobStore } from './require-blobs.js';

export interface FileImportOptions {
  /** Mail policy overrides for this import. */
  policy?: Partial<MailPolicy>;
  onProgress?: ProgressListener;
}

const FROM_LINE = /^From /;
const ESCAPED_FROM = /^>+From /;

/**
 * Splits an mbox stream into messages without reading the file whole. A line starting with
 * "From " begins a message; ">From ", ">>From " ... lines are unescaped by one ">" (mboxrd; for
 * mboxo files this restores the "From " lines that were escaped).
 */
async function* mboxMessages(path: string): AsyncGenerator<AsyncGenerator<Buffer>> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let rest: Buffer = Buffer.alloc(0);
  const lines = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        yield buf.subarray(start, nl + 1);
        start = nl + 1;
      }
      rest = Buffer.from(buf.subarray(start));
      buf = Buffer.alloc(0);
    }
    if (rest.length) yield rest;
  };
  const source = lines();
  let pending: IteratorResult<Buffer> = await source.next();
  // Anything before the first "From " line is not a message (mbox files start with one).
  while (!pending.done && !FROM_LINE.test(pending.value.toString('latin1', 0, 5))) pending = await source.next();
  while (!pending.done) {
    pending = await source.next(); // skip the separator line
    let ended = false;
    const body = async function* (): AsyncGenerator<Buffer> {
      while (!pending.done) {
        const line = pending.value;
        const startText = line.toString('latin1', 0, Math.min(line.length, 64));
        if (FROM_LINE.test(startText)) break;
        pending = await source.next();
        yield ESCAPED_FROM.test(startText) ? line.subarray(1) : line;
      }
      ended = true;
    };
    const it = body();
    yield it;
    if (!ended) for await (const _ of it);
  }
}

/**
 * Why a file cannot be imported as an mbox (missing, unreadable, a folder, empty, or not starting
 * with a "From " line, such as a PNG), or null. Checked first, so such a file is a failure with a
 * reason rather than an import of nothing.
 */
async function notAnMbox(path: string): Promise<string | null> {
  let head: Buffer;
  try {
    const s = await stat(path);
    if (s.isDirectory()) return `${path} is a folder, not an mbox file`;
    const handle = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    return `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (head.length === 0) return `${path} is empty, not an mbox file`;
  // Leading blank lines are tolerated; then an mbox starts with its first "From " separator.
  if (!FROM_LINE.test(head.toString('latin1').replace(/^[\r\n]+/, ''))) return `${path} is not an mbox file (it does not start with a "From " line)`;
  return null;
}

/** Imports a mailbox file (Thunderbird local folder, mboxrd or mboxo) through the ingest pipeline. */
export async function importMbox(crm: Crm, files: string | string[], options: FileImportOptions = {}): Promise<SyncReport> {
  requireBlobStore(crm, 'importMbox');
  const started = Date.now();
  const report = emptyReport();
  const pipeline = new MailPipeline(crm, report, options.policy);
  for (const file of Array.isArray(files) ? files : [files]) {
    const path = resolve(file);
    const problem = await notAnMbox(path);
    if (problem) {
      pipeline.fail(path, problem);
      continue;
    }
    let n = 0;
    for await (const lines of mboxMessages(path)) {
      n++;
      const stream = new PassThrough();
      const ingest = pipeline.ingestRaw(stream, { account: 'mbox', mailbox: path, uidValidity: 0, uid: n });
      ingest.catch(() => stream.resume());
      try {
        for await (const line of lines) if (!stream.write(line)) await Promise.race([once(stream, 'drain'), ingest]);
        stream.end();
        await ingest;
      } catch (err) {
        stream.destroy();
        throw err;
      }
      options.onProgress?.({ done: n, total: null, report });
    }
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Imports .eml files (one message each) through the ingest pipeline. */
export async function importEml(crm: Crm, files: string | string[], options: FileImportOptions = {}): Promise<SyncReport> {
  requireBlobStore(crm, 'importEml');
  const started = Date.now();
  const report = emptyReport();
  const pipeline = new MailPipeline(crm, report, options.policy);
  const list = Array.isArray(files) ? files : [files];
  for (const [i, file] of list.entries()) {
    const path = resolve(file);
    try {
      const s = await stat(path);
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (err) {
      pipeline.fail(path, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    await pipeline.ingestRaw(createReadStream(path), { account: 'eml', mailbox: path, uidValidity: 0, uid: 1 });
    options.onProgress?.({ done: i + 1, total: list.length, report });
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
