import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dovecot } from './dovecot.js';

export interface MessageSpec {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string | null;
  date?: string;
  body?: string;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
}

/** A small RFC 5322 message (CRLF line ends). */
export function rfc822(spec: MessageSpec = {}): string {
  const lines = [
    `From: ${spec.from ?? 'Jan Fiszka <jan@zefir.test>'}`,
    `To: ${spec.to ?? 'Anna <anna@firma.test>'}`,
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject ?? 'Hello'}`,
    `Date: ${spec.date ?? 'Mon, 02 Mar 2026 10:00:00 +0100'}`,
    ...(spec.messageId === null ? [] : [`Message-ID: ${spec.messageId ?? `<${Math.random().toString(36).slice(2)}@zefir.test>`}`]),
    ...(spec.inReplyTo ? [`In-Reply-To: ${spec.inReplyTo}`] : []),
    ...(spec.references ? [`References: ${spec.references}`] : []),
    ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    spec.body ?? 'Hello from the test.',
    '',
  ];
  return lines.join('\r\n');
}

/**
 * Puts messages straight into a user's Maildir folder (much faster than APPEND for big
 * mailboxes); Dovecot assigns UIDs when it next looks. `mailbox` must exist (create it over IMAP).
 */
export function fillMaildir(dovecot: Dovecot, user: string, mailbox: string, messages: Iterable<string | Buffer>): number {
  const base = join(dovecot.dir, 'home', user, 'Maildir', mailbox === 'INBOX' ? '' : `.${mailbox.replace(/\//g, '.')}`);
  const uid = Number(execFileSync('id', ['-u', 'dovecot']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'dovecot']).toString().trim());
  for (const sub of ['', 'new', 'cur', 'tmp']) {
    mkdirSync(join(base, sub), { recursive: true });
    chownSync(join(base, sub), uid, gid);
  }
  let n = 0;
  const stamp = Date.now();
  for (const m of messages) {
    const file = join(base, 'new', `${stamp}.M${n}P${process.pid}.rapport`);
    writeFileSync(file, m);
    chownSync(file, uid, gid);
    n++;
  }
  return n;
}
