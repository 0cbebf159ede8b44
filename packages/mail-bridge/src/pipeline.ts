import { PassThrough, Readable } from 'node:stream';
import { isRapportError, type Crm, type EmailSource, type IncomingEmail, type IngestResult, type MailPolicy } from '@rapport/core';
import { parseMessage } from './parse.js';
import type { ParsePool, PoolResult } from './parse-pool.js';
import type { SyncReport } from './report.js';

/** Raw bytes of a message up to this size are kept with its quarantine entry. */
const KEEP_RAW_BYTES = 1024 * 1024;

export type Outcome = 'imported' | 'duplicate' | 'skipped' | 'quarantined';

const describe = (s: EmailSource) =>
  s.account.startsWith('imap:') ? `${s.mailbox} UID ${s.uid}` : s.uid > 1 || s.account === 'mbox' ? `${s.mailbox} #${s.uid}` : s.mailbox;

/**
 * Whether an error while importing one message is the CRM store failing (stop: the next run does
 * it again) rather than a problem of that message (quarantine it and go on). Anything but a store
 * failure is the message's: a message that breaks the parser or a normaliser must not stop the
 * import, nor hold an IMAP checkpoint back forever.
 */
const storeFailed = (err: unknown) => isRapportError(err, 'STORAGE');
/** The transport failing while a message streamed in (a dropped connection): stop too, never quarantine a cut-off message. */
const transportFailed = (err: unknown) => isRapportError(err, 'CONNECTION');

/** A quarantine reason for an error: RapportErrors say what was wrong; anything else is named as unexpected. */
const because = (err: unknown) => (isRapportError(err) ? err.message : `unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);

/**
 * One path from raw RFC 5322 bytes to `crm.emails.ingest`, shared by IMAP, mbox and .eml:
 * parse (attachments streamed into the BlobStore), ingest, and quarantine what cannot be read.
 * Errors of the CRM store itself are thrown: the caller stops and does not advance its checkpoint.
 */
export class MailPipeline {
  constructor(
    private readonly crm: Crm,
    private readonly report: SyncReport,
    private readonly policy?: Partial<MailPolicy>,
    private readonly pool: ParsePool | null = null,
  ) {}

  /** Starts parsing a whole message on the worker thread (when there is one); see `ingestBatch`. */
  preparse(raw: Buffer): Promise<PoolResult> | null {
    return this.pool ? this.pool.parse(raw) : null;
  }

  /**
   * Parses one message (streaming its attachments into the BlobStore); null when it was
   * quarantined. `kept` gives the message's bytes (null for a stream over KEEP_RAW_BYTES), for a later quarantine.
   */
  private async parse(raw: Buffer | Readable, source: EmailSource): Promise<{ message: IncomingEmail; kept: () => Buffer | null; size: number } | null> {
    this.report.fetched++;
    // Keep the first megabyte of a streamed message, so a small broken one can be quarantined whole.
    const head: Buffer[] = [];
    let headBytes = 0;
    let total = 0;
    let input: Readable;
    if (Buffer.isBuffer(raw)) {
      input = Readable.from([raw]);
      total = raw.length;
    } else {
      const tap = new PassThrough();
      raw.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (headBytes <= KEEP_RAW_BYTES) {
          head.push(chunk);
          headBytes += chunk.length;
        }
      });
      raw.on('error', (err) => tap.destroy(err));
      raw.pipe(tap);
      input = tap;
    }
    const rawBytes = () => (Buffer.isBuffer(raw) ? raw : total <= KEEP_RAW_BYTES ? Buffer.concat(head) : null);
    try {
      const { message, essentials } = await parseMessage(input, (content) => this.crm.emails.storeContent(content));
      if (essentials > 0) return { message, kept: rawBytes, size: total };
      await this.quarantine(source, 'not an e-mail message: no From, To, Date, Subject or Message-ID header', rawBytes(), total, null, null);
    } catch (err) {
      if (storeFailed(err) || transportFailed(err)) throw err;
      await this.quarantine(source, `unreadable MIME: ${because(err)}`, rawBytes(), total, null, null);
    }
    return null;
  }

  private tally(result: IngestResult): Outcome {
    switch (result.status) {
      case 'imported':
        this.report.imported++;
        if (result.linkedToExisting) this.report.linked++;
        if (result.createdTask) this.report.tasksCreated++;
        return 'imported';
      case 'duplicate':
        this.report.duplicates++;
        return 'duplicate';
      default:
        this.report.skipped++;
        return 'skipped';
    }
  }

  /** Parses and ingests one message (a stream stays a stream: large messages never sit in memory). */
  async ingestRaw(raw: Buffer | Readable, source: EmailSource): Promise<Outcome> {
    const parsed = await this.parse(raw, source);
    if (!parsed) return 'quarantined';
    const { message, kept, size } = parsed;
    try {
      return this.tally(await this.crm.emails.ingest(message, { source, ...(this.policy ? { policy: this.policy } : {}) }));
    } catch (err) {
      if (storeFailed(err)) throw err;
      return this.quarantine(source, `rejected: ${because(err)}`, kept(), size, message.messageId ?? null, message.subject ?? null);
    }
  }

  /**
   * Parses several whole messages and ingests them in one transaction (one commit per batch).
   * `preparsed` are the worker's results for the same items; what it could not do is parsed here.
   */
  async ingestBatch(items: Array<{ raw: Buffer; source: EmailSource }>, preparsed?: PoolResult[] | null): Promise<void> {
    const parsed: Array<{ message: IncomingEmail; source: EmailSource; raw: Buffer }> = [];
    for (const [i, item] of items.entries()) {
      const pre = preparsed?.[i]?.parsed;
      let message: IncomingEmail | null;
      if (pre && pre.essentials > 0) {
        this.report.fetched++;
        message = pre.message;
      } else message = (await this.parse(item.raw, item.source))?.message ?? null;
      if (message) parsed.push({ message, source: item.source, raw: item.raw });
    }
    if (!parsed.length) return;
    const results = await this.crm.emails.ingestMany(parsed, this.policy ? { policy: this.policy } : {});
    for (const [i, result] of results.entries()) {
      if (result.status !== 'error') this.tally(result);
      else {
        const { message, source, raw } = parsed[i]!;
        await this.quarantine(source, `rejected: ${because(result.error)}`, raw, raw.length, message.messageId ?? null, message.subject ?? null);
      }
    }
  }

  /** Records a message that could not be read at all (e.g. a file that could not be opened). */
  fail(source: string, reason: string) {
    this.report.failed++;
    this.report.failures.push({ source, reason });
  }

  private async quarantine(
    source: EmailSource,
    reason: string,
    raw: Buffer | null,
    size: number | null,
    messageId: string | null,
    subject: string | null,
  ): Promise<Outcome> {
    let blobKey: string | null = null;
    if (raw) blobKey = (await this.crm.emails.storeContent(Readable.from([raw])).catch(() => null))?.key ?? null;
    await this.crm.emails.quarantine({ ...source, reason, messageId, subject, blobKey, size });
    this.report.quarantined++;
    this.report.quarantine.push({ source: describe(source), reason });
    return 'quarantined';
  }
}
