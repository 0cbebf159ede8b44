import { Writable } from 'node:stream';
import type { Crm, SendFileResult } from '@rapport/core';
import { RapportError } from '@rapport/core';
import { writeCsv } from './csv.js';
import type { ExportReport } from './values.js';
import { writePdf } from './pdf.js';
import { writeXlsx } from './xlsx.js';

/** The most an export mailed as an attachment may weigh (the Mailer's limit for a message's attachments). */
export const MAX_MAILED_EXPORT_BYTES = 20 * 1024 * 1024;

const TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

export interface MailExportOptions {
  format: keyof typeof TYPES;
  to: string[];
  subject?: string;
  body?: string;
  /** The attachment's name (default: the view's name and the format). */
  filename?: string;
  /** Makes the mailing idempotent (see `crm.mail.sendFile`). */
  key?: string;
  timeZone?: string;
  onProgress?: (rows: number) => void;
}

/** Collects what is written, refusing more than `limit` bytes. */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void) {
    this.size += chunk.length;
    if (this.size > this.limit)
      return done(
        new RapportError(
          'VALIDATION',
          `the export is larger than the ${this.limit} bytes a mailed attachment may have: narrow the view or export it to a file`,
        ),
      );
    this.chunks.push(Buffer.from(chunk));
    done();
  }
}

/**
 * Exports a view (as the given CRM's operator sees it) and mails the file through the outbox
 * (`crm.mail.sendFile`): a worker delivers it. Resolves with the export's and the mailing's report.
 */
export async function mailExport(
  crm: Crm,
  view: string,
  o: MailExportOptions,
): Promise<{ export: ExportReport; file: Buffer; filename: string; mail: SendFileResult }> {
  const reader = await crm.views.reader(view, o.timeZone ? { timeZone: o.timeZone } : {});
  const sink = new Collector(MAX_MAILED_EXPORT_BYTES);
  const write = { csv: writeCsv, xlsx: writeXlsx, pdf: writePdf }[o.format];
  const report = await write(reader, sink, o.onProgress ? { onProgress: o.onProgress } : {});
  if (!sink.writableFinished)
    await new Promise<void>((resolve, reject) => (sink.writableEnded ? sink.once('finish', resolve).once('error', reject) : sink.end(resolve)));
  const file = Buffer.concat(sink.chunks);
  const filename = o.filename ?? `${reader.name.replace(/[^\p{L}\p{N} ._-]+/gu, '_').trim() || 'export'}.${o.format}`;
  const mail = await crm.mail.sendFile({
    to: o.to,
    subject: o.subject ?? `${reader.name} (${report.rows} rows)`,
    body: o.body ?? `${reader.name}: ${report.rows} rows, ${o.format.toUpperCase()} attached.`,
    attachments: [{ filename, contentType: TYPES[o.format], content: file }],
    ...(o.key ? { key: o.key } : {}),
  });
  return { export: report, file, filename, mail };
}
