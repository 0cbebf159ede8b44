import type { Readable } from 'node:stream';
import type { AddressObject, EmailAddress, HeaderValue } from 'mailparser';
import { canonicalAddress, type IncomingAttachment, type IncomingEmail, type MailAddress } from '@rapport/core';
import { runParser, type RawParse } from './parser.js';
import { sanitizeEmailHtml } from './sanitize.js';

/** What the bridge needs from a parse: the normalised message and how many headers it had. */
export interface ParsedMessage {
  message: IncomingEmail;
  /** Recognisable message headers found (From, To, Date, Subject, Message-ID). */
  essentials: number;
}

export type StoreBytes = (content: Readable) => Promise<{ key: string; size: number; sha256: string }>;

function flatten(value: HeaderValue | undefined): MailAddress[] {
  if (!value) return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  const out: MailAddress[] = [];
  const walk = (list: EmailAddress[] | undefined) => {
    for (const a of list ?? []) {
      if (a.group) walk(a.group);
      // mailparser turns xn-- domains into Unicode: back to the one spelling the CRM stores.
      else if (a.address) out.push({ name: a.name || null, address: canonicalAddress(a.address) });
    }
  };
  for (const o of objects) if (o && typeof o === 'object' && 'value' in o) walk(o.value);
  return out;
}

/** Every `<id>` in a header value (References may hold many, in one string or an array). */
export function messageIds(value: HeaderValue | undefined): string[] {
  if (!value) return [];
  const text = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string').join(' ');
  const ids = text.match(/<[^<>\s]+>/g);
  if (ids) return ids;
  return text.split(/\s+/).filter((s) => s.includes('@'));
}

const str = (v: HeaderValue | undefined): string | null => (typeof v === 'string' ? v : null);
const stringOr = <T>(v: unknown, fallback: T): string | T => (typeof v === 'string' && v ? v : fallback);

/** Builds the normalised message from parsed headers and bodies. */
export function toMessage(raw: RawParse, attachments: IncomingAttachment[]): ParsedMessage {
  const { headers } = raw;
  const from = flatten(headers.get('from'))[0] ?? null;
  const date = headers.get('date');
  const messageId = messageIds(headers.get('message-id'))[0] ?? str(headers.get('message-id'));
  const subject = str(headers.get('subject'));
  const to = flatten(headers.get('to'));
  const message: IncomingEmail = {
    messageId,
    from,
    to,
    cc: flatten(headers.get('cc')),
    replyTo: flatten(headers.get('reply-to')),
    date: date instanceof Date && raw.rawDate !== null && !Number.isNaN(new Date(raw.rawDate).getTime()) ? date : null,
    subject,
    text: raw.text,
    // Untrusted markup never leaves the bridge: what the CRM stores is safe to display.
    html: raw.html === null ? null : raw.htmlSanitized ? raw.html : sanitizeEmailHtml(raw.html),
    references: messageIds(headers.get('references')),
    inReplyTo: messageIds(headers.get('in-reply-to')).at(-1) ?? null,
    headers: raw.rules,
    attachments,
  };
  const essentials = [from, raw.rawDate, messageId, subject, to.length ? to : null].filter((v) => v !== null && v !== undefined).length;
  return { message, essentials };
}

/**
 * Parses one RFC 5322 message as a stream. Attachments are handed to `store` as streams while
 * parsing, so a large attachment never sits in memory whole.
 */
export async function parseMessage(input: Readable, store: StoreBytes): Promise<ParsedMessage> {
  const attachments: IncomingAttachment[] = [];
  const pending: Promise<void>[] = [];
  const raw = await runParser(input, (part, stop) => {
    const slot = attachments.length;
    attachments.push({});
    const done = store(part.content)
      .then((blob) => {
        // A part cut off after "Content-Type: " has contentType false: only strings pass.
        attachments[slot] = {
          filename: stringOr(part.filename, null),
          contentType: stringOr(part.contentType, 'application/octet-stream'),
          contentId: stringOr(part.contentId, null),
          inline: part.contentDisposition === 'inline' || part.related === true,
          blob,
        };
      })
      .finally(() => part.release());
    pending.push(done);
    done.catch(stop);
  });
  await Promise.all(pending);
  // null only when stopped without an error, which this caller never does.
  if (!raw) throw new Error('the parse was stopped');
  return toMessage(
    raw,
    attachments.filter((a) => a.blob),
  );
}
