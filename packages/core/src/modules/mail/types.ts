import type { Email } from '../../domain/email-types.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import type { Partner, Person } from '../../domain/types.js';

/** A file to attach, as a host hook returns it. */
export interface AttachmentInput {
  filename: string;
  contentType?: string;
  content: Uint8Array;
}

/** A document of the host application (order, invoice, pro forma), as the CRM knows it. */
export interface HostDocumentRef {
  docType: string;
  docId: string;
  number?: string | null;
}

/**
 * Where the bytes of what the CRM does not own come from: the host's documents (printouts of
 * orders and invoices) and its items' photos. Called outside any transaction.
 */
export interface MailHooks {
  /** The printout of a host document to attach; null when the host has none. */
  documentAttachment?(doc: HostDocumentRef): Promise<AttachmentInput | null>;
  /** The photo of an offer line's item; null when it has none. */
  itemPhoto?(item: { item: string; description: string | null }): Promise<AttachmentInput | null>;
  /** The attachments of one message of a serial run (e.g. that partner's invoice printout). */
  serialAttachments?(request: SerialAttachmentRequest): Promise<AttachmentInput[]>;
}

export interface SerialAttachmentRequest {
  runId: string;
  recipient: { kind: 'partner' | 'person'; id: string; email: string };
  partner: Partner | null;
  person: Person | null;
}

/** Who a message goes to: contact persons of the record's partner, operators, or addresses of either. */
export interface MailRecipients {
  persons?: string[];
  operators?: string[];
  addresses?: string[];
}

/** What `crm.mail.send` sends: a task, an offer or a host document, to chosen people, with chosen attachments. */
export interface SendInput {
  /** `document`: a host document the CRM recorded (sales_documents id). */
  record: { kind: 'task' | 'offer' | 'document'; id: string };
  to: MailRecipients;
  cc?: MailRecipients;
  /** A template of the record's kind (e-mail channel); or `subject` and `body`. */
  template?: string;
  subject?: string;
  body?: string;
  /** Free values for the template (`data.*`). */
  data?: Record<string, unknown>;
  attachments?: {
    /** File entries of the task (entry ids), or `all` of them. */
    files?: string[] | 'all';
    /** Host documents, through `hooks.documentAttachment`. */
    documents?: HostDocumentRef[];
    /** The photos of the offer's lines' items, through `hooks.itemPhoto`. */
    itemPhotos?: boolean;
  };
  /** The sender; default the acting operator's address, else the Mailer's default. */
  from?: string;
  /** Makes the call idempotent: the same key again returns the first message and sends nothing more. */
  key?: string;
}

export interface SendResult {
  /** The outbox key; the Message-ID is derived from it. */
  key: string;
  messageId: string;
  outbox: OutboxEntry;
  /** The message as the CRM recorded it (on the task, in the partner's e-mail log). */
  email: Email;
  /** True when `key` had been sent already: nothing new was written. */
  duplicate: boolean;
}

/** A serial mailing (korespondencja seryjna): one template to every partner or person of a view or list. */
export interface MailRun {
  id: string;
  version: number;
  /** The caller's name of the run: starting it again with the same key resumes it. */
  key: string;
  templateId: string;
  recordKind: 'partner' | 'person';
  /** Messages per minute at most; null: as fast as the worker delivers. */
  ratePerMinute: number | null;
  from: string | null;
  data: Record<string, unknown>;
  total: number;
  /** The earliest time the next message may go (the throttle). */
  nextSlotAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MailRunRecipient {
  id: string;
  version: number;
  runId: string;
  seq: number;
  kind: 'partner' | 'person';
  recordId: string;
  address: string | null;
  /** `pending` until prepared; then `queued` (in the outbox) or `skipped` (`reason`). */
  status: 'pending' | 'queued' | 'skipped';
  reason: string | null;
  outboxKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SerialInput {
  /** Names the run; the same key again resumes it instead of starting another (default: a new id). */
  key?: string;
  /** An e-mail template written for a partner or a person. */
  template: string;
  /** A saved view (id or name) of partners or persons, or a list of ids of the template's kind. */
  recipients: { view: string } | { ids: string[] };
  /** Messages per minute at most (default: no limit). */
  ratePerMinute?: number | null;
  from?: string;
  /** Free values for the template (`data.*`). */
  data?: Record<string, unknown>;
}

/** What happened to one recipient. */
export type SerialOutcome = 'pending' | 'sent' | 'bounced' | 'failed' | 'skipped';

export interface SerialReport {
  run: MailRun;
  counts: Record<SerialOutcome, number> & { total: number };
  recipients: Array<{
    kind: 'partner' | 'person';
    id: string;
    address: string | null;
    status: SerialOutcome;
    /** Why it was skipped, bounced or failed. */
    reason: string | null;
    messageId: string | null;
  }>;
}
