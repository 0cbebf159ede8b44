import { createHash } from 'node:crypto';
import type { Email, EmailSource, IncomingEmail, MailAddress } from '../../domain/email-types.js';
import { invalid } from '../../errors.js';

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

/** Mailing lists, newsletters and auto-replies: linked, but they start no task. */
export function isBulk(headers: Record<string, string> | undefined): boolean {
  if (!headers) return false;
  const h = (name: string) => headers[name]?.trim().toLowerCase();
  if (h('list-id') || h('list-unsubscribe')) return true;
  const precedence = h('precedence');
  if (precedence && ['bulk', 'list', 'junk'].includes(precedence)) return true;
  const auto = h('auto-submitted');
  return !!auto && auto !== 'no';
}

function cleanAddress(a: unknown): MailAddress | null {
  if (!a || typeof a !== 'object') return null;
  const address = typeof (a as MailAddress).address === 'string' ? (a as MailAddress).address.trim().toLowerCase() : '';
  if (!ADDRESS.test(address) || address.length > 320) return null;
  const name = typeof (a as MailAddress).name === 'string' && (a as MailAddress).name!.trim() ? (a as MailAddress).name!.trim().slice(0, 255) : null;
  return { name, address };
}

const cleanList = (list: unknown): MailAddress[] => (Array.isArray(list) ? list.map(cleanAddress).filter((a): a is MailAddress => a !== null) : []);

/** Checks where a message was seen; null when the caller did not say. */
export function checkSource(source: EmailSource | undefined): EmailSource | null {
  if (!source) return null;
  const ok = typeof source.account === 'string' && source.account && typeof source.mailbox === 'string' && Number.isSafeInteger(source.uidValidity) && Number.isSafeInteger(source.uid);
  if (!ok) throw invalid('source', 'must be { account, mailbox, uidValidity, uid } with whole numbers', JSON.stringify(source));
  return { account: source.account.slice(0, 320), mailbox: source.mailbox.slice(0, 1000), uidValidity: source.uidValidity, uid: source.uid };
}

/** A message checked and normalised, before it becomes an `Email` record. */
export type Prepared = Pick<Email, 'messageId' | 'from' | 'to' | 'cc' | 'replyTo' | 'subject' | 'sentAt' | 'text' | 'html' | 'references' | 'inReplyTo' | 'headers'> & {
  key: string;
  threadRefs: string[];
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
  return {
    key: messageId ?? hashMessageKey(message),
    messageId,
    threadRefs: [...new Set([...references, ...(inReplyTo ? [inReplyTo] : [])])],
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
  const base = String(name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.replace(FILENAME_UNSAFE, '_').replace(/^[.\s]+/, '').trim().slice(0, 255);
  return clean || fallback;
}
