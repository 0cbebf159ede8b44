/** A mailbox address as a mail client shows it. */
export interface MailAddress {
  name: string;
  address: string;
}

/** The message being read, as much of it as the pane needs. */
export interface CurrentMessage {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  internetMessageId: string | null;
  attachments: Array<{ name: string; size: number | null }>;
}

/** Key/value settings kept by the mail client (roaming settings, extension storage). */
export interface HostSettings {
  get(key: string): Promise<string | null>;
  set(values: Record<string, string | null>): Promise<void>;
}

/**
 * What the pane needs from a mail client. One implementation per client (Outlook, Thunderbird),
 * each a thin layer over the client's API so the pane itself never touches it.
 */
export interface MailHost {
  readonly kind: 'office' | 'thunderbird';
  /** The message on screen, or null when none is selected (e.g. a pinned pane on a folder). */
  currentMessage(): Promise<CurrentMessage | null>;
  /** The full RFC 5322 source of the current message, base64-encoded. */
  rawSource(): Promise<string>;
  /** Calls `listener` whenever the user moves to another message (or to none). */
  onMessageChanged(listener: () => void): void;
  settings: HostSettings;
  /** The server URL to offer at sign-in when none is stored. */
  defaultServerUrl(): string;
  /**
   * True when the pane can only talk to the server it was loaded from (Outlook: the pane page
   * comes from the Rapport server and its CSP allows `connect-src 'self'` only).
   */
  readonly serverFixed: boolean;
  /** Access to the CRM server where the client asks the user for it (Thunderbird host permissions). */
  access?: ServerAccess;
  /**
   * Why a request to `url` failed at the network level, in words ("the certificate is not
   * trusted", "connection refused"), when the client can tell; null when it cannot.
   */
  networkFailure?(url: string): Promise<string | null>;
}

/** A client permission to reach an origin (`https://host:port`). */
export interface ServerAccess {
  /** True when the extension may already reach the origin: no prompt needed. */
  has(origin: string): Promise<boolean>;
  /**
   * Asks the user. Must be called synchronously from a click or submit handler, and the prompt
   * may close the pane (Thunderbird's popup): persist anything needed to resume before calling.
   */
  request(origin: string): Promise<boolean>;
}

/** Parses `Name <addr@x>` or a bare address; the address is the last `<...>` (names may contain `<`). */
export function parseAddress(value: string | null | undefined): MailAddress | null {
  if (!value) return null;
  const text = value.trim();
  const open = text.lastIndexOf('<');
  if (text.endsWith('>') && open !== -1) {
    return {
      name: text
        .slice(0, open)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
      address: text.slice(open + 1, -1).trim(),
    };
  }
  return { name: '', address: text };
}

const ASCII = /^[\x20-\x7e]*$/;

/** A header value safe to put on one line: CR/LF removed, non-ASCII as an RFC 2047 word. */
export function headerValue(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  return ASCII.test(flat) ? flat : `=?UTF-8?B?${base64Utf8(flat)}?=`;
}

export function formatAddress(a: MailAddress): string {
  const address = a.address.replace(/[\r\n<>",]/g, '');
  return a.name ? `${headerValue(a.name.replace(/"/g, ''))} <${address}>` : address;
}

export function base64Utf8(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * An RFC 5322 message built from what a client shows, for clients that cannot hand over the
 * original source (Outlook before Mailbox 1.14). Threading headers are lost; the body is text.
 */
export function buildMessage(msg: CurrentMessage, body: string, date: Date): string {
  const lines = [
    msg.from ? `From: ${formatAddress(msg.from)}` : null,
    msg.to.length ? `To: ${msg.to.map(formatAddress).join(', ')}` : null,
    msg.cc.length ? `Cc: ${msg.cc.map(formatAddress).join(', ')}` : null,
    `Subject: ${headerValue(msg.subject)}`,
    msg.internetMessageId ? `Message-ID: ${msg.internetMessageId.replace(/[\r\n\s]/g, '')}` : null,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    (base64Utf8(body).match(/.{1,76}/g) ?? []).join('\r\n'),
    '',
  ];
  return lines.filter((l) => l !== null).join('\r\n');
}
