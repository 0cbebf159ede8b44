import { Readable } from 'node:stream';
import { MailParser, type AddressObject, type EmailAddress, type HeaderValue } from 'mailparser';
import { canonicalAddress, type IncomingAttachment, type IncomingEmail, type MailAddress } from '@rapport/core';
import { sanitizeEmailHtml } from './sanitize.js';

/** What the bridge needs from a parse: the normalised message and how many headers it had. */
export interface ParsedMessage {
  message: IncomingEmail;
  /** Recognisable message headers found (From, To, Date, Subject, Message-ID). */
  essentials: number;
}

export type StoreBytes = (content: Readable) => Promise<{ key: string; size: number; sha256: string }>;

/** The headers linking rules look at (bulk and auto-reply detection, Outlook threads, delivery reports). */
export const RULE_HEADERS = new Set([
  'list-id', 'list-unsubscribe', 'precedence', 'auto-submitted', 'x-auto-response-suppress',
  'x-autoreply', 'x-autorespond', 'thread-index', 'thread-topic', 'content-type',
]);
export const MAX_HTML_TO_TEXT = 2_000_000;

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

/** The unfolded value of a raw header line. */
export const headerValue = (line: string) => line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();

/** What MailParser yields for a message, before it becomes an `IncomingEmail`. */
export interface RawParse {
  headers: Map<string, HeaderValue>;
  rules: Record<string, string>;
  text: string | null;
  html: string | null;
  /** The Date header as written: mailparser turns an unreadable one into "now", we into null. */
  rawDate: string | null;
  /** True when `html` went through sanitizeEmailHtml already (in the parse worker). */
  htmlSanitized?: boolean;
}

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
export function parseMessage(input: Readable, store: StoreBytes): Promise<ParsedMessage> {
  return new Promise<ParsedMessage>((resolve, reject) => {
    const parser = new MailParser({ skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: MAX_HTML_TO_TEXT });
    const attachments: IncomingAttachment[] = [];
    const pending: Promise<void>[] = [];
    let headers: Map<string, HeaderValue> = new Map();
    const rules: Record<string, string> = {};
    let text: string | null = null;
    let html: string | null = null;
    let rawDate: string | null = null;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      input.unpipe(parser);
      input.resume();
      reject(err instanceof Error ? err : new Error(String(err)));
    };

    parser.on('headers', (h: Map<string, HeaderValue>) => {
      headers = h;
    });
    parser.on('headerLines', (lines: Array<{ key: string; line: string }>) => {
      for (const { key, line } of lines) {
        if (key === 'date' && rawDate === null) rawDate = headerValue(line);
        if (RULE_HEADERS.has(key) && !(key in rules)) rules[key] = headerValue(line);
      }
    });
    parser.on('data', (data: any) => {
      if (data.type === 'attachment') {
        const slot = attachments.length;
        attachments.push({});
        const done = store(data.content)
          .then((blob) => {
            // A part cut off after "Content-Type: " has contentType false: only strings pass.
            attachments[slot] = {
              filename: stringOr(data.filename, null),
              contentType: stringOr(data.contentType, 'application/octet-stream'),
              contentId: stringOr(data.contentId, null),
              inline: data.contentDisposition === 'inline' || data.related === true,
              blob,
            };
          })
          .finally(() => data.release());
        pending.push(done);
        done.catch(fail);
      } else if (data.type === 'text') {
        text = typeof data.text === 'string' ? data.text : null;
        html = typeof data.html === 'string' ? data.html : null;
      }
    });
    parser.on('error', fail);
    input.on('error', fail);
    parser.on('end', () => {
      // A throw while normalising rejects the parse (it must not escape as an unhandled rejection).
      Promise.all(pending)
        .then(() => {
          if (!failed) resolve(toMessage({ headers, rules, text, html, rawDate }, attachments.filter((a) => a.blob)));
        })
        .catch(fail);
    });
    input.pipe(parser);
  });
}
