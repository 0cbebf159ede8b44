import type { StoredRecord } from '../store/schema.js';
import type { RegisterRestriction } from './access-types.js';

/** Custom fields ("cechy"): free-form values a host application attaches to records. */
export type CustomFields = Record<string, string | number | boolean | null>;

export interface Timestamps {
  createdAt: Date;
  updatedAt: Date;
}

export interface Address {
  street?: string;
  city?: string;
  postalCode?: string;
  region?: string;
  country?: string;
}

/** A user of the system (operator). */
export interface Operator extends StoredRecord, Timestamps {
  name: string;
  email: string;
  groups: string[];
  active: boolean;
  /** Mobile number in E.164 for SMS notifications; null when none. */
  phone: string | null;
  /** Language of messages to this operator (reminders, templates): `pl`, `ro` or `en`; null (or absent): English. */
  language?: 'pl' | 'ro' | 'en' | null;
  /** IANA time zone dates in messages to this operator are written in; null (or absent): UTC. */
  timeZone?: string | null;
}

/** A bearer token of an operator; only its SHA-256 hash is stored. */
export interface ApiToken extends StoredRecord, Timestamps {
  operatorId: string;
  tokenHash: string;
  label: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const PARTNER_KINDS = ['customer', 'prospect', 'lead', 'supplier', 'partner', 'competitor'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

/** A business partner (kontrahent). */
export interface Partner extends StoredRecord, Timestamps {
  code: string;
  name: string;
  kind: PartnerKind;
  taxId: string | null;
  emails: string[];
  emailDomains: string[];
  phones: string[];
  address: Address | null;
  industry: string | null;
  turnover: number | null;
  employees: number | null;
  ownerId: string | null;
  salesBlocked: boolean;
  /** Asked not to receive serial mail (Comarch's mailbox skips them); null or missing means no. */
  mailOptOut?: boolean | null;
  customFields: CustomFields;
}

/** A contact person, at a partner or on their own (osoba kontaktowa). */
export interface Person extends StoredRecord, Timestamps {
  partnerId: string | null;
  firstName: string;
  lastName: string;
  emails: string[];
  phones: string[];
  position: string | null;
  /** Asked not to receive serial mail; null or missing means no. */
  mailOptOut?: boolean | null;
  customFields: CustomFields;
}

/**
 * Who an address or a domain belongs to: the index behind e-mail lookups
 * (`kind` 'email' for a whole address, 'domain' for a partner's e-mail domain).
 */
export interface ContactKey extends StoredRecord {
  kind: 'email' | 'domain';
  value: string;
  ownerType: 'person' | 'partner' | 'operator';
  ownerId: string;
  /** `domain:<value>` for a key only one owner may hold (a partner's e-mail domain), else null; unique. */
  exclusive?: string | null;
}

/** A register (rejestr) of tasks: a kind of matters with a calendar colour and a number series. */
export interface Register extends StoredRecord, Timestamps {
  code: string;
  name: string;
  color: string;
  numberPattern: string;
  active: boolean;
  /** Only these groups and operators (and administrators) see the register's tasks; null: everyone. */
  restrictedTo?: RegisterRestriction | null;
}

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** A task or event (zdarzenie / zadanie). */
export interface Task extends StoredRecord, Timestamps {
  number: string;
  registerId: string;
  subject: string;
  description: string | null;
  partnerId: string | null;
  personId: string | null;
  ownerId: string | null;
  createdBy: string | null;
  plannedAt: Date | null;
  dueAt: Date | null;
  doneAt: Date | null;
  status: TaskStatus;
  priority: TaskPriority;
  parentId: string | null;
  private: boolean;
  customFields: CustomFields;
}

/** An ordered step of a task (etap). */
export interface Stage extends StoredRecord, Timestamps, TaskAccessCopy {
  taskId: string;
  position: number;
  subject: string;
  ownerId: string | null;
  personId: string | null;
  plannedAt: Date | null;
  doneAt: Date | null;
  status: 'open' | 'done';
}

/** The task's access fields copied onto a stage or entry (set by the store; absent on data not yet upgraded). */
export interface TaskAccessCopy {
  taskOwnerId?: string | null;
  taskCreatorId?: string | null;
  taskPrivate?: boolean | null;
  taskRegisterId?: string | null;
}

export type EntryKind = 'note' | 'file' | 'link' | 'email';

/** An item inside a task (pozycja): a note, a file, a linked document or an e-mail. */
export interface TaskEntry extends StoredRecord, TaskAccessCopy {
  taskId: string;
  kind: EntryKind;
  at: Date;
  createdBy: string | null;
  body: string | null;
  file: { blobKey: string; filename: string; contentType: string; size: number; sha256: string } | null;
  link: { docType: string; docId: string; number: string | null; amount: number | null; currency: string | null } | null;
  emailId: string | null;
}

/** One recorded change (who, when, from, to). */
export interface AuditEntry extends StoredRecord {
  entityType: string;
  entityId: string;
  field: string;
  from: unknown;
  to: unknown;
  actorId: string | null;
  at: Date;
}

/** One item of the partner/person timeline, written in the same transaction as the change. */
export interface TimelineItem extends StoredRecord {
  partnerId: string | null;
  personId: string | null;
  at: Date;
  kind: string;
  subjectType: string;
  subjectId: string;
  title: string;
  actorId: string | null;
  data: Record<string, unknown>;
  /** The task the item belongs to (task events, entries, e-mails filed on it), for access rules. */
  taskId?: string | null;
  /** Owner of the item's task or record. */
  ownerId?: string | null;
  /** Creator of the item's task or record. */
  creatorId?: string | null;
  /** The item's task is private. */
  private?: boolean | null;
  /** Register of the item's task. */
  registerId?: string | null;
}
