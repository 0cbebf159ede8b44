import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore } from '../../blobs.js';
import type { Context } from '../../context.js';
import type { EmailAttachment, IncomingEmail } from '../../domain/email-types.js';
import { RapportError } from '../../errors.js';
import { normalizeMessageId, safeFilename } from './normalize.js';

function blobsOf(ctx: Context): BlobStore {
  if (!ctx.blobs) throw new RapportError('VALIDATION', 'e-mail attachments need a BlobStore: pass `blobs` to createCrm (e.g. fsBlobStore({ dir }))');
  return ctx.blobs;
}

/** Streams bytes into the CRM's BlobStore. */
export function storeContent(ctx: Context, content: Readable | AsyncIterable<Uint8Array> | Uint8Array): Promise<BlobInfo> {
  return blobsOf(ctx).put(content);
}

/** Stores a message's attachment streams (pre-stored blobs are kept) and describes each. */
export async function storeAttachments(ctx: Context, message: IncomingEmail): Promise<EmailAttachment[]> {
  const out: EmailAttachment[] = [];
  for (const [i, a] of (message.attachments ?? []).entries()) {
    let blob = a.blob;
    if (!blob) {
      if (!a.content) continue;
      blob = await blobsOf(ctx).put(a.content);
    }
    out.push({
      filename: safeFilename(a.filename, `attachment-${i + 1}`),
      contentType: (typeof a.contentType === 'string' && a.contentType ? a.contentType : 'application/octet-stream').slice(0, 255).toLowerCase(),
      size: blob.size,
      blobKey: blob.key,
      sha256: blob.sha256,
      contentId: a.contentId ? normalizeMessageId(a.contentId) : null,
      inline: !!a.inline,
    });
  }
  return out;
}

/** Drains streams we will not store, so a producer waiting on them (a parser) is not stuck. */
export async function drain(message: IncomingEmail) {
  for (const a of message.attachments ?? []) {
    const c = a.content as Readable | undefined;
    if (c && typeof (c as Readable).resume === 'function') (c as Readable).resume();
    else if (c && Symbol.asyncIterator in Object(c)) for await (const _ of c as AsyncIterable<Uint8Array>);
  }
}
