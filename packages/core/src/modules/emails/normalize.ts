import { createHash } from 'node:crypto';
import type { Email, EmailSource, IncomingEmail, MailAddress } from '../../domain/email-types.js';
import { invalid } from '../../errors.js';
import { canonicalAddress } from '../../domain/mail-address.js';

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const MAX_TEXT = 2_000_000;

/**
 * The normalised form of a Message-ID: without angle brackets and surrounding space, the domain
 * part lower-case (the local part is case-sensitive by RFC 5322). Null when there is none.
 */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const match = /<([^<>]*)>/.exec(value);
  const raw = (match ? match[1]! : value).trim().replace(/\s+/g, '');
  if (!raw) return null;
  const at = raw.lastIndexOf('@');
  const key = at < 0 ? raw : `${raw.slice(0, at)}@${raw.slice(at + 1).toLowerCase()}`;
  return key.slice(0, 500);
}

/** A stable id for a message without a Message-ID: the same message always hashes the same. */
export function hashMessageKey(message: IncomingEmail): string {
  const hash = createHash('sha256');
  const addresses = (list: MailAddress[] | undefined) => (list ?? []).map((a) => a.address.toLowerCase()).join(',');
  hash.update(
    JSON.stringify([
      message.from?.address?.toLowerCase() ?? '',
      addresses(message.to),
      addresses(message.cc),
      message.date && !Number.isNaN(message.date.getTime()) ? message.date.toISOString() : '',
      message.subject ?? '',
      (message.text ?? '').slice(0, 65_536),
      (message.attachments ?? []).map((a) => a.filename ?? '').join(','),
    ]),
  );
  return `hash:${hash.digest('hex')}`;
}

/**
 * Subjects robots give auto-replies and bounces in the languages of the seeds and their
 * neighbours, for senders that set no Auto-Submitted. Anchored at the start: a person writing
 * about an "automatic reply" mid-subject is not a robot.
 */
const AUTOMATIC_SUBJECT = new RegExp(
  '^\\s*(' +
    [
      'out of (the )?office',
      'automatic reply',
      'auto[- ]?reply',
      'autoresponse',
      'automatische antwort',
      'abwesenheitsnotiz',
      'odpowied[źz] automatyczna',
      'autoodpowied[źz]',
      'automatyczna odpowied[źz]',
      'r[ăa]spuns automat',
      'autosvar',
      'fr[åa]nvaro',
      'automatisch antwoord',
      'r[ée]ponse automatique',
      'respuesta autom[áa]tica',
      'risposta automatica',
      'undeliverable',
      'undelivered mail',
      'delivery status notification',
      'mail delivery failed',
      'returned mail',
      'failure notice',
    ].join('|') +
    ')(?![\\p{L}\\p{N}])',
  'iu',
);

/**
 * Mail no person wrote to start a conversation: linked, but it starts no task and makes no
 * prospect. Mailing lists and newsletters (List-Id, List-Unsubscribe, Precedence bulk/list/junk),
 * Auto-Submitted other than `no`, delivery reports (multipart/report, message/delivery-status),
 * auto-replies marked X-Autoreply / X-Autorespond, and auto-reply or bounce subjects.
 */
export function isBulk(headers: Record<string, string> | undefined, subject?: string | null): boolean {
  if (subject && AUTOMATIC_SUBJECT.test(subject)) return true;
  if (!headers) return false;
  const h = (name: string) => headers[name]?.trim().toLowerCase();
  if (h('list-id') || h('list-unsubscribe') || h('x-autoreply') || h('x-autorespond')) return true;
  const precedence = h('precedence');
  if (precedence && ['bulk', 'list', 'junk'].includes(precedence)) return true;
  const type = h('content-type');
  if (type && /^(multipart\/report|message\/delivery-status)\b/.test(type)) return true;
  const auto = h('auto-submitted');
  return !!auto && auto !== 'no';
}

// English, German, Polish (Odp, PD), Nordic, Dutch, French, Spanish, Portuguese and Hungarian
// mail clients' prefixes for replies and forwards.
const REPLY_PREFIX = /^\s*((re|res|aw|odp|pd|sv|vs|antw|wg|fwd?|tr|rv|enc|vá)(\s*\[\d+\])?\s*:\s*)+/iu;

/** True when the subject starts with a reply or forward prefix (RE:, AW:, Odp:, SV:, Fwd:, FW:, ...). */
export const hasReplyPrefix = (subject: string | null) => !!subject && REPLY_PREFIX.test(subject);

/** The subject of a conversation: without reply/forward prefixes, spaces collapsed, lower-case. */
export function normalizeSubject(subject: string | null): string {
  return (subject ?? '').replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The conversation an Outlook Thread-Index names: its first 22 bytes (a time stamp and the
 * conversation's GUID; each reply appends 5). Null when the header is missing or malformed.
 */
export function threadIndexRoot(value: string | undefined): string | null {
  if (!value || !/^[A-Za-z0-9+/=\s]+$/.test(value)) return null;
  const bytes = Buffer.from(value.replace(/\s+/g, ''), 'base64');
  return bytes.length >= 22 ? `thread-index:${bytes.subarray(0, 22).toString('base64')}` : null;
}

function cleanAddress(a: unknown): MailAddress | null {
  if (!a || typeof a !== 'object') return null;
  const address = typeof (a as MailAddress).address === 'string' ? canonicalAddress((a as MailAddress).address) : '';
  if (!ADDRESS.test(address) || address.length > 320) return null;
  const name = typeof (a as MailAddress).name === 'string' && (a as MailAddress).name!.trim() ? (a as MailAddress).name!.trim().slice(0, 255) : null;
  return { name, address };
}

const cleanList = (list: unknown): MailAddress[] => (Array.isArray(list) ? list.map(cleanAddress).filter((a): a is MailAddress => a !== null) : []);

/** Checks where a message was seen; null when the caller did not say. */
export function checkSource(source: EmailSource | undefined): EmailSource | null {
  if (!source) return null;
  const ok =
    typeof source.account === 'string' &&
    source.account &&
    typeof source.mailbox === 'string' &&
    Number.isSafeInteger(source.uidValidity) &&
    Number.isSafeInteger(source.uid);
  if (!ok) throw invalid('source', 'must be { account, mailbox, uidValidity, uid } with whole numbers', JSON.stringify(source));
  return { account: source.account.slice(0, 320), mailbox: source.mailbox.slice(0, 1000), uidValidity: source.uidValidity, uid: source.uid };
}

/** A message checked and normalised, before it becomes an `Email` record. */
export type Prepared = Pick<
  Email,
  'messageId' | 'from' | 'to' | 'cc' | 'replyTo' | 'subject' | 'sentAt' | 'text' | 'html' | 'references' | 'inReplyTo' | 'headers'
> & {
  key: string;
  threadRefs: string[];
  /** The Outlook conversation (Thread-Index) of a message without References/In-Reply-To. */
  conversation: string | null;
};

/** Checks and normalises an incoming message: addresses, Message-IDs, dates, bounded text. */
export function prepare(message: IncomingEmail): Prepared {
  if (!message || typeof message !== 'object') throw invalid('email', 'must be an object', message);
  const messageId = normalizeMessageId(message.messageId);
  const references = (Array.isArray(message.references) ? message.references : [])
    .map((r) => normalizeMessageId(r))
    .filter((r): r is string => !!r)
    .slice(-100);
  const inReplyTo = normalizeMessageId(message.inReplyTo);
  const date = message.date instanceof Date && !Number.isNaN(message.date.getTime()) ? message.date : null;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v.slice(0, 2000);
  const text = (s: unknown, max: number) => (typeof s === 'string' && s.length > 0 ? s.slice(0, max) : null);
  const threadRefs = [...new Set([...references, ...(inReplyTo ? [inReplyTo] : [])])];
  return {
    key: messageId ?? hashMessageKey(message),
    messageId,
    threadRefs,
    conversation: threadRefs.length === 0 ? threadIndexRoot(headers['thread-index']) : null,
    from: cleanAddress(message.from),
    to: cleanList(message.to),
    cc: cleanList(message.cc),
    replyTo: cleanList(message.replyTo),
    subject: text(message.subject?.replace(/[\r\n]+/g, ' '), 1000),
    sentAt: date,
    text: text(message.text, MAX_TEXT),
    html: text(message.html, MAX_TEXT),
    references,
    inReplyTo,
    headers,
  };
}

// Control characters are exactly what this pattern is for.
// eslint-disable-next-line no-control-regex
const FILENAME_UNSAFE = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;

/** A file name safe to show and to write: no directories, no control characters, not empty. */
export function safeFilename(name: string | null | undefined, fallback = 'attachment'): string {
  const base =
    String(name ?? '')
      .split(/[/\\]/)
      .pop() ?? '';
  const clean = base
    .replace(FILENAME_UNSAFE, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 255);
  return clean || fallback;
}
