/**
 * The outbound mail port. Core decides what to send and derives the Message-ID; an adapter
 * (nodemailer over SMTP in `@rapport/mail-bridge`) only transmits.
 */
export interface Mailer {
  /**
   * Sends one message and resolves once the server has taken it. Throws when nothing was
   * accepted because of the connection or the server (the outbox retries it later).
   */
  send(message: MailMessage): Promise<SendResult>;
  /** Checks the connection and credentials without sending (used by `rapport mail test`). */
  verify?(): Promise<void>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** One outgoing message. Addresses are text: `ala@example.com` or `"Ala Kowalska" <ala@example.com>`. */
export interface MailMessage {
  /** The sender; the adapter's default when missing. */
  from?: string;
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  /** `<id@domain>`: the outbox derives it from the idempotency key, so a repeat carries the same one. */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  contentType?: string;
  /** The bytes, as a Buffer or base64 text (outbox payloads are JSON, so they carry base64). */
  content: Buffer | string;
  encoding?: 'base64';
}

/** What the server said. */
export interface SendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}
