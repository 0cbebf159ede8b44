import type { Readable } from 'node:stream';
import { MailParser, type HeaderValue } from 'mailparser';

/**
 * mailparser as the bridge runs it, on the main thread and in the parse worker alike: one set of
 * options and one collection of what it yields. No `@rapport/core` here, so the worker stays light.
 */

/** The headers linking rules look at (bulk and auto-reply detection, Outlook threads, delivery reports). */
export const RULE_HEADERS = new Set([
  'list-id',
  'list-unsubscribe',
  'precedence',
  'auto-submitted',
  'x-auto-response-suppress',
  'x-autoreply',
  'x-autorespond',
  'thread-index',
  'thread-topic',
  'content-type',
]);

/** HTML longer than this is not turned into text (mailparser's html-to-text is slow on huge markup). */
export const MAX_HTML_TO_TEXT = 2_000_000;

const PARSER_OPTIONS = { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: MAX_HTML_TO_TEXT };

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

/** An attachment as mailparser streams it; `release()` once its content has been read. */
export interface AttachmentPart {
  content: Readable;
  filename?: unknown;
  contentType?: unknown;
  contentId?: unknown;
  contentDisposition?: unknown;
  related?: unknown;
  release(): void;
}

/** The unfolded value of a raw header line. */
export const headerValue = (line: string) =>
  line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();

/**
 * Parses `input` with the bridge's options. Attachments go to `onAttachment` as they stream by;
 * `stop()` ends the parse early — with an error it rejects, without one it resolves null.
 */
export function runParser(input: Readable, onAttachment: (part: AttachmentPart, stop: (err?: unknown) => void) => void): Promise<RawParse | null> {
  return new Promise<RawParse | null>((resolve, reject) => {
    const parser = new MailParser(PARSER_OPTIONS);
    const raw: RawParse = { headers: new Map(), rules: {}, text: null, html: null, rawDate: null };
    let settled = false;
    const stop = (err?: unknown) => {
      if (settled) return;
      settled = true;
      input.unpipe(parser);
      input.resume();
      if (err === undefined) {
        parser.destroy();
        resolve(null);
      } else reject(err instanceof Error ? err : new Error(String(err)));
    };
    parser.on('headers', (headers: Map<string, HeaderValue>) => {
      raw.headers = headers;
    });
    parser.on('headerLines', (lines: Array<{ key: string; line: string }>) => {
      for (const { key, line } of lines) {
        if (key === 'date' && raw.rawDate === null) raw.rawDate = headerValue(line);
        if (RULE_HEADERS.has(key) && !(key in raw.rules)) raw.rules[key] = headerValue(line);
      }
    });
    parser.on('data', (data: { type: string; text?: unknown; html?: unknown } & AttachmentPart) => {
      if (data.type === 'attachment') onAttachment(data, stop);
      else if (data.type === 'text') {
        raw.text = typeof data.text === 'string' ? data.text : null;
        raw.html = typeof data.html === 'string' ? data.html : null;
      }
    });
    parser.on('error', stop);
    input.on('error', stop);
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(raw);
    });
    input.pipe(parser);
  });
}
