import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { Crm, EmailSource, MailPolicy } from '@rapport/core';
import { mboxMessages, messageStartsAt, readMboxHead } from './mbox.js';
import { sharedParsePool, type PoolResult } from './parse-pool.js';
import { MailPipeline } from './pipeline.js';
import { DEFAULT_BATCH } from './batch-size.js';
import { emptyReport, type ProgressListener, type SyncReport } from './report.js';
import { requireBlobStore } from './require-blobs.js';

export interface FileImportOptions {
  /** Mail policy overrides for this import. */
  policy?: Partial<MailPolicy>;
  onProgress?: ProgressListener;
  /** Messages per transaction (default 500, decision 0193), as for IMAP. */
  batchSize?: number;
  /** Parse messages on a worker thread while the main thread writes to the CRM (default true). */
  parseWorker?: boolean;
  /**
   * mbox: continue where the last import of the same file stopped (its checkpoint: a byte offset),
   * default true; false reads the file from the start (stored messages count as duplicates).
   */
  resume?: boolean;
}

/** Messages larger than this are streamed rather than held whole (as for IMAP). */
const WHOLE_UP_TO = 1024 * 1024;
/** Bytes of whole messages in one batch; with the next batch read ahead, twice this is in memory. */
const MAX_BATCH_BYTES = 12 * 1024 * 1024;

interface Pending {
  items: Array<{ raw: Buffer; source: EmailSource }>;
  parsed: Array<Promise<PoolResult> | null>;
  bytes: number;
  /** Where the file import resumes after this batch commits. */
  after: { offset: number; n: number } | null;
}

/**
 * Batches whole messages through the parse worker and `ingestBatch`, like an IMAP sync: while
 * one batch is written, the next one is read and parsed on the worker.
 */
class Batcher {
  private current: Pending = Batcher.empty();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pipeline: MailPipeline,
    private readonly batchSize: number,
    private readonly committed: (after: Pending['after'], count: number) => Promise<void>,
  ) {}

  private static empty(): Pending {
    return { items: [], parsed: [], bytes: 0, after: null };
  }

  async add(raw: Buffer, source: EmailSource, after: Pending['after']) {
    if (this.current.items.length && (this.current.items.length >= this.batchSize || this.current.bytes + raw.length > MAX_BATCH_BYTES)) await this.flush();
    this.current.items.push({ raw, source });
    this.current.parsed.push(this.pipeline.preparse(raw));
    this.current.bytes += raw.length;
    this.current.after = after;
  }

  /** Hands the batch read so far to the writer (after the previous one) and waits for the one before it. */
  async flush() {
    const batch = this.current;
    this.current = Batcher.empty();
    if (!batch.items.length) return;
    const previous = this.writing;
    this.writing = (async () => {
      await previous;
      const parsed = batch.parsed.every((p) => p !== null) ? await Promise.all(batch.parsed as Array<Promise<PoolResult>>) : null;
      await this.pipeline.ingestBatch(batch.items, parsed);
      await this.committed(batch.after, batch.items.length);
    })();
    // Awaited by the next flush or drain; until then a failure must not count as unhandled.
    this.writing.catch(() => undefined);
    // One batch may be written while the next is read: wait for the one before.
    await previous;
  }

  /** Writes what is left. */
  async drain() {
    await this.flush();
    await this.writing;
  }
}

const ACCOUNT_MBOX = 'mbox';

/**
 * Imports a mailbox file (Thunderbird local folder, mboxrd or mboxo) through the batched
 * pipeline IMAP uses. After each committed batch the file's checkpoint records the byte offset
 * of the next message, so an interrupted import resumes there (and a re-run of an unchanged
 * file reads nothing); messages appended since are imported on the next run.
 */
export async function importMbox(crm: Crm, files: string | string[], options: FileImportOptions = {}): Promise<SyncReport> {
  requireBlobStore(crm, 'importMbox');
  const started = Date.now();
  const report = emptyReport();
  const pipeline = new MailPipeline(crm, report, options.policy, options.parseWorker === false ? null : sharedParsePool());
  let done = 0;
  for (const file of Array.isArray(files) ? files : [files]) {
    const path = resolve(file);
    const head = await readMboxHead(path);
    if ('problem' in head) {
      pipeline.fail(path, head.problem);
      continue;
    }
    // The file's generation, like an IMAP UIDVALIDITY: a checksum of its first KB as first imported
    // (`messages` keeps how many bytes it covers; appending to the file keeps them). Another file
    // at the same path is a new generation: read from the start, its messages get new locations.
    const generation = (length: number) => crc32(head.head.subarray(0, length)) >>> 1;
    const cp = options.resume === false ? null : await crm.emails.checkpoint(ACCOUNT_MBOX, path);
    const covered = cp?.messages ?? 0;
    const same = cp !== null && cp.uidNext !== null && cp.uidNext <= head.size && covered <= head.head.length && cp.uidValidity === generation(covered);
    const resume = same && (cp.uidNext === head.size || (await messageStartsAt(path, cp.uidNext!)));
    const length = same ? covered : head.head.length;
    const uidValidity = generation(length);
    let from = 0;
    let n = 0;
    if (resume) {
      from = cp.uidNext!;
      n = cp.lastUid;
    }
    const save = async (after: { offset: number; n: number } | null, count: number) => {
      if (after)
        await crm.emails.saveCheckpoint({
          account: ACCOUNT_MBOX,
          mailbox: path,
          uidValidity,
          lastUid: after.n,
          uidNext: after.offset,
          highestModseq: null,
          messages: length,
        });
      done += count;
      options.onProgress?.({ done, total: null, report });
    };
    const batcher = new Batcher(pipeline, Math.max(1, options.batchSize ?? DEFAULT_BATCH), save);
    for await (const m of mboxMessages(path, from, WHOLE_UP_TO)) {
      n++;
      // Locations of mbox messages: the file, its generation and the message's number in it.
      const source = { account: ACCOUNT_MBOX, mailbox: path, uidValidity, uid: n };
      if (m.raw) {
        await batcher.add(m.raw, source, { offset: m.end(), n });
        continue;
      }
      await batcher.drain();
      await pipeline.ingestRaw(Readable.from(m.stream), source);
      await save({ offset: m.end(), n }, 1);
    }
    await batcher.drain();
    if (n === 0 && from === 0) await save({ offset: head.size, n: 0 }, 0);
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/**
 * Imports .eml files (one message each) through the same batched pipeline. A file already
 * imported (its location is recorded) is counted as a duplicate without being read again.
 */
export async function importEml(crm: Crm, files: string | string[], options: FileImportOptions = {}): Promise<SyncReport> {
  requireBlobStore(crm, 'importEml');
  const started = Date.now();
  const report = emptyReport();
  const pipeline = new MailPipeline(crm, report, options.policy, options.parseWorker === false ? null : sharedParsePool());
  const list = Array.isArray(files) ? files : [files];
  let done = 0;
  const progress = async (_after: unknown, count: number) => {
    done += count;
    options.onProgress?.({ done, total: list.length, report });
  };
  const batcher = new Batcher(pipeline, Math.max(1, options.batchSize ?? DEFAULT_BATCH), progress);
  for (const file of list) {
    const path = resolve(file);
    let size: number;
    try {
      const s = await stat(path);
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      size = s.size;
    } catch (err) {
      pipeline.fail(path, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    const source = { account: 'eml', mailbox: path, uidValidity: 0, uid: 1 };
    if (options.resume !== false && (await crm.emails.knownUids('eml', path, 0)).length > 0) {
      report.duplicates++;
      await progress(null, 1);
      continue;
    }
    if (size <= WHOLE_UP_TO) await batcher.add(await readFile(path), source, null);
    else {
      await batcher.drain();
      await pipeline.ingestRaw(createReadStream(path), source);
      await progress(null, 1);
    }
  }
  await batcher.drain();
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
