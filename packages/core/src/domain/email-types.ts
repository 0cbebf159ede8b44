import type { Readable } from 'node:stream';
import type { StoredRecord } from '../store/schema.js';
import type { Timestamps } from './types.js';

/** A mailbox address as it appeared in a header. */
export interface MailAddress {
  name: string | null;
  address: string;
}

/** One attachment of a stored e-mail; its bytes live in the BlobStore under `blobKey`. */
export interface EmailAttachment {
  filename: string;
  contentType: string;
  size: number;
  blobKey: string;
  sha256: string;
  contentId: string | null;
  inline: boolean;
}

/** Where a message was seen: an IMAP mailbox (account, mailbox, UIDVALIDITY, UID) or a file. */
export interface EmailSource {
  /** `imap:user@host`, `mbox`, `eml`, `api` ... : the account or kind of source. */
  account: string;
  /** IMAP mailbox path, or the file path for mbox/eml. */
  mailbox: string;
  uidValidity: number;
  /** IMAP UID, or the position of the message in an mbox file (1-based; 1 for an .eml file). */
  uid: number;
}

/**
 * A stored e-mail message. `messageKey` is the normalised Message-ID (`local@domain` without
 * angle brackets, domain lower-case) or `hash:<sha256>` for messages without one; a unique
 * index on it makes a message stored once however many importers run.
 *
 * `html` is the message's HTML as the transport handed it over: the mail bridge sanitises it
 * (`sanitizeEmailHtml`), and a host ingesting mail itself must do the same.
 */
export interface Email extends StoredRecord, Timestamps {
  messageKey: string;
  messageId: string | null;
  threadKey: string;
  inReplyTo: string | null;
  references: string[];
  from: MailAddress | null;
  fromAddress: string | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  subject: string | null;
  sentAt: Date | null;
  text: string | null;
  html: string | null;
  attachments: EmailAttachment[];
  /** The headers rules look at (list-id, precedence, auto-submitted, ...), names lower-case. */
  headers: Record<string, string>;
  bulk: boolean;
  direction: 'inbound' | 'outbound';
  /** linked: to a partner/person; unlinked: kept without a match (policy "keep"). */
  status: 'linked' | 'unlinked';
  taskId: string | null;
  partnerIds: string[];
  personIds: string[];
  /** Owner of the e-mail's task, copied for access rules. */
  ownerId?: string | null;
  /** Creator of the e-mail's task. */
  creatorId?: string | null;
  /** The e-mail's task is private. */
  private?: boolean | null;
  /** Register of the e-mail's task. */
  registerId?: string | null;
}

/** A mailbox location of a stored e-mail; expunged on the server → `deletedAt` set, never erased. */
export interface EmailLocation extends StoredRecord, EmailSource {
  emailId: string;
  deletedAt: Date | null;
  createdAt: Date;
}

/** The sync position of one IMAP mailbox; advanced only after the batch it covers has committed. */
export interface MailCheckpoint extends StoredRecord {
  account: string;
  mailbox: string;
  uidValidity: number;
  lastUid: number;
  /** CONDSTORE HIGHESTMODSEQ as a decimal string (it can exceed 2^53); null without CONDSTORE. */
  highestModseq: string | null;
  uidNext: number | null;
  messages: number | null;
  updatedAt: Date;
}

/** A message that could not be imported, with the reason; `blobKey` keeps its raw bytes when known. */
export interface QuarantinedEmail extends StoredRecord {
  account: string;
  mailbox: string;
  uidValidity: number;
  uid: number;
  reason: string;
  messageId: string | null;
  subject: string | null;
  blobKey: string | null;
  size: number | null;
  at: Date;
}

/** An attachment handed to ingest: its bytes as a stream (stored while ingesting) or already stored. */
export interface IncomingAttachment {
  filename?: string | null;
  contentType?: string | null;
  contentId?: string | null;
  inline?: boolean;
  content?: Readable | AsyncIterable<Uint8Array> | Uint8Array;
  /** Bytes already put into the crm's BlobStore (see `crm.emails.storeContent`). */
  blob?: { key: string; size: number; sha256: string };
}

/** A normalised message: what a transport (IMAP, mbox, .eml, API) hands to `crm.emails.ingest`. */
export interface IncomingEmail {
  messageId?: string | null;
  from?: MailAddress | null;
  to?: MailAddress[];
  cc?: MailAddress[];
  replyTo?: MailAddress[];
  date?: Date | null;
  subject?: string | null;
  text?: string | null;
  /** Sanitised HTML: core stores it as given (see `Email.html`). */
  html?: string | null;
  references?: string[];
  inReplyTo?: string | null;
  /** Header names lower-case; only those rules need (list-id, list-unsubscribe, precedence, auto-submitted). */
  headers?: Record<string, string>;
  attachments?: IncomingAttachment[];
}

export const UNKNOWN_SENDER_POLICIES = ['ignore', 'prospect', 'keep'] as const;
export type UnknownSenderPolicy = (typeof UNKNOWN_SENDER_POLICIES)[number];

/** How incoming mail becomes CRM data; set in `createCrm({ mail })`, overridable per account/import. */
export interface MailPolicy {
  /** The organisation's own domains: never matched to partners, never made prospects. */
  ownDomains: string[];
  /** Mail whose external participants match nobody: ignore it, create a prospect, or keep it unlinked. */
  unknownSenders: UnknownSenderPolicy;
  /** Addresses (`a@b.com`) and domains (`@b.com`, subdomains included) whose mail is not imported. */
  blocklist: string[];
  /** Register code for tasks made from mail (default: the default register). */
  register: string | null;
  /** Operator id that owns tasks made from mail. */
  ownerId: string | null;
  /** Create a task for a new thread (default true); bulk mail never gets one. */
  createTasks: boolean;
  /**
   * Days within which a reply known only by its subject ("RE: Offer", no thread headers) joins
   * the open task of the same subject and partner (default 30).
   */
  replyWindowDays: number;
}

export type IngestStatus = 'imported' | 'duplicate' | 'ignored' | 'blocked';

export interface IngestResult {
  status: IngestStatus;
  email: Email | null;
  /** Why an `ignored`/`blocked` message was not stored. */
  reason?: string;
  taskId: string | null;
  createdTask: boolean;
  /** True when the message was linked to a partner, person or thread task that existed before it. */
  linkedToExisting: boolean;
  /** True when this source location was new (a duplicate seen in another mailbox is linked there). */
  newLocation: boolean;
}
