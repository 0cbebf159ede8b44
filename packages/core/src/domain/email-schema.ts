import type { CollectionDef, FieldDef } from '../store/schema.js';
import { RECENT } from './recent-index.js';

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const int: FieldDef = { type: 'integer' };
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const json: FieldDef = { type: 'json' };

export const emails: CollectionDef = {
  name: 'emails',
  fields: {
    messageKey: str(500),
    messageId: optStr(1000),
    threadKey: str(500),
    inReplyTo: optStr(1000),
    references: json,
    from: { type: 'json', nullable: true },
    fromAddress: optStr(320),
    to: json,
    cc: json,
    replyTo: json,
    subject: optStr(1000),
    sentAt: optDate,
    text: { type: 'text', nullable: true },
    html: { type: 'text', nullable: true },
    attachments: json,
    headers: json,
    bulk: { type: 'boolean' },
    direction: str(16),
    status: str(16),
    taskId: optStr(64),
    partnerIds: json,
    personIds: json,
    createdAt: date,
    updatedAt: date,
    // The task's owner, creator, privacy and register, copied for access rules (see timeline).
    ownerId: optStr(64),
    creatorId: optStr(64),
    private: { type: 'boolean', nullable: true },
    registerId: optStr(64),
  },
  indexes: [
    { name: 'emails_message_key_uq', fields: ['messageKey'], unique: true },
    // Thread placement reads a thread's oldest messages (with a task) without loading the thread.
    { name: 'emails_thread_age', fields: ['threadKey', 'createdAt', 'id'] },
    { name: 'emails_task', fields: ['taskId'] },
    { name: 'emails_from', fields: ['fromAddress', { field: 'sentAt', desc: true }] },
    { name: 'emails_recent', fields: RECENT('createdAt') },
  ],
  search: ['subject'],
};

export const emailLocations: CollectionDef = {
  name: 'email_locations',
  fields: { emailId: str(64), account: str(320), mailbox: str(1000), uidValidity: int, uid: int, deletedAt: optDate, createdAt: date },
  indexes: [
    { name: 'email_locations_uid_uq', fields: ['account', 'mailbox', 'uidValidity', 'uid'], unique: true },
    { name: 'email_locations_email', fields: ['emailId'] },
    // Counts of live UIDs over a range (the expunge check) are read from this index alone.
    { name: 'email_locations_live', fields: ['account', 'mailbox', 'uidValidity', 'deletedAt', 'uid'] },
  ],
};

export const mailCheckpoints: CollectionDef = {
  name: 'mail_checkpoints',
  fields: {
    account: str(320),
    mailbox: str(1000),
    uidValidity: int,
    lastUid: int,
    highestModseq: optStr(32),
    uidNext: { type: 'integer', nullable: true },
    messages: { type: 'integer', nullable: true },
    updatedAt: date,
  },
  indexes: [{ name: 'mail_checkpoints_mailbox_uq', fields: ['account', 'mailbox'], unique: true }],
};

export const mailQuarantine: CollectionDef = {
  name: 'mail_quarantine',
  fields: {
    account: str(320),
    mailbox: str(1000),
    uidValidity: int,
    uid: int,
    reason: str(1000),
    messageId: optStr(1000),
    subject: optStr(1000),
    blobKey: optStr(64),
    size: { type: 'integer', nullable: true },
    at: date,
  },
  indexes: [{ name: 'mail_quarantine_source_uq', fields: ['account', 'mailbox', 'uidValidity', 'uid'], unique: true }],
};

/** The mail collections, part of `coreCollections`. */
export const emailCollections: CollectionDef[] = [emails, emailLocations, mailCheckpoints, mailQuarantine];
