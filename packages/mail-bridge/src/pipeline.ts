import { PassThrough, Readable } from 'node:stream';
import { isRapportError, type Crm, type EmailSource, type MailPolicy } from '@rapport/core';
import { parseMessage } from './parse.js';
import type { SyncReport } from './report.js';

/** Raw bytes of a message up to this size are kept with its quarantine entry. */
const KEEP_RAW_BYTES = 1024 * 1024;

export type Outcome = 'imported' | 'duplicate' | 'skipped' | 'quarantined';

const describe = (s: EmailSource) => (s.account.startsWith('imap:') ? `${s.mailbox} UID ${s.uid}` : s.uid > 1 || s.account === 'mbox' ? `${s.mailbox} #${s.uid}` : s.mailbox);

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
  ) {}

  async ingestRaw(raw: Buffer | Readable, source: EmailSource): Promise<Outcome> {
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

    let parsed;
    try {
      parsed = await parseMessage(input, (content) => this.crm.emails.storeContent(content));
    } catch (err) {
      if (isRapportError(err, 'STORAGE')) throw err;
      return this.quarantine(source, `unreadable MIME: ${(err as Error).message}`, rawBytes(), total, null, null);
    }
    const { message, essentials } = parsed;
    if (essentials === 0) {
      return this.quarantine(source, 'not an e-mail message: no From, To, Date, Subject or Message-ID header', rawBytes(), total, null, null);
    }
    try {
      const result = await this.crm.emails.ingest(message, { source, ...(this.policy ? { policy: this.policy } : {}) });
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
    } catch (err) {
      if (isRapportError(err, 'VALIDATION')) {
        return this.quarantine(source, `rejected: ${err.message}`, rawBytes(), total, message.messageId ?? null, message.subject ?? null);
      }
      throw err;
    }
  }

  /** Records a message that could not be read at all (e.g. a file that could not be opened). */
  fail(source: string, reason: string) {
    this.report.failed++;
    this.report.failures.push({ source, reason });
  }

  private async quarantine(source: EmailSource, reason: string, raw: Buffer | null, size: number, messageId: string | null, subject: string | null): Promise<Outcome> {
    let blobKey: string | null = null;
    if (raw) blobKey = (await this.crm.emails.storeContent(Readable.from([raw])).catch(() => null))?.key ?? null;
    await this.crm.emails.quarantine({ ...source, reason, messageId, subject, blobKey, size });
    this.report.quarantined++;
    this.report.quarantine.push({ source: describe(source), reason });
    return 'quarantined';
  }
}
