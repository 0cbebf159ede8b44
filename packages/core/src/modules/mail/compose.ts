// What a message carries: its attachments as bytes, and the copy of them the CRM keeps.
import type { Context } from '../../context.js';
import type { EmailAttachment } from '../../domain/email-types.js';
import type { JsonObject } from '../../domain/automation-types.js';
import { RapportError, invalid } from '../../errors.js';
import type { AttachmentInput } from './types.js';
import * as v from '../../validate.js';
import { senderDomain } from '../scheduler/outbox.js';

/** The most a message may carry in attachments (SMTP servers commonly refuse more than 25 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Set when the bytes are in the BlobStore already (a task's file). */
  blob?: { key: string; sha256: string };
}

/** Checks what a hook returned; `null` stays null. */
export function hookAttachment(field: string, a: AttachmentInput | null | undefined): Attachment | null {
  if (a === null || a === undefined) return null;
  if (typeof a !== 'object' || !(a.content instanceof Uint8Array)) throw invalid(field, 'must be { filename, contentType?, content: Uint8Array } or null', a);
  return {
    filename: v.text(`${field}.filename`, a.filename, { max: 255 }).replace(/[\r\n/\\]/g, '_'),
    contentType: v.text(`${field}.contentType`, a.contentType ?? 'application/octet-stream', { max: 255 }),
    content: Buffer.from(a.content),
  };
}

export function checkSize(what: string, attachments: Attachment[]): void {
  const total = attachments.reduce((n, a) => n + a.content.length, 0);
  if (total > MAX_ATTACHMENT_BYTES)
    throw new RapportError('VALIDATION', `${what}: attachments total ${total} bytes, more than the ${MAX_ATTACHMENT_BYTES} a message may carry`);
}

/** Reads a stream to the end. */
export async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** The attachments as the e-mail record lists them; bytes not yet stored go to the BlobStore (none without one). */
export async function keptCopies(ctx: Context, attachments: Attachment[]): Promise<EmailAttachment[]> {
  const out: EmailAttachment[] = [];
  for (const a of attachments) {
    const blob = a.blob ?? (ctx.blobs ? await ctx.blobs.put(a.content).then((b) => ({ key: b.key, sha256: b.sha256 })) : null);
    if (!blob) continue;
    out.push({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.length,
      blobKey: blob.key,
      sha256: blob.sha256,
      contentId: null,
      inline: false,
    });
  }
  return out;
}

/** The attachments of an outbox payload (JSON: base64 text). */
export const payloadAttachments = (attachments: Attachment[]): JsonObject[] =>
  attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content.toString('base64'), encoding: 'base64' }));

/** `"Name" <address>` for a display name, else the address. */
export const formatAddress = (a: { name: string | null; address: string }) => (a.name ? `"${a.name.replace(/["\\\r\n]/g, '')}" <${a.address}>` : a.address);

/** The domain of a sender's address, for Message-IDs (`rapport.invalid` when there is none). */
export const domainOf = (address: string | null | undefined) => senderDomain(address) ?? 'rapport.invalid';
