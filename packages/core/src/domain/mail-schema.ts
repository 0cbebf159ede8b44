import type { CollectionDef, FieldDef } from '../store/schema.js';

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const int: FieldDef = { type: 'integer' };

/** A serial mailing (korespondencja seryjna): one template to many partners or persons. */
export const mailRuns: CollectionDef = {
  name: 'mail_runs',
  fields: {
    key: str(200),
    templateId: str(64),
    recordKind: str(16),
    ratePerMinute: { type: 'integer', nullable: true },
    from: optStr(320),
    data: { type: 'json' },
    total: int,
    nextSlotAt: optDate,
    createdBy: optStr(64),
    createdAt: date,
    updatedAt: date,
  },
  indexes: [{ name: 'mail_runs_key_uq', fields: ['key'], unique: true }],
};

/** One recipient of a serial mailing: pending until its message is in the outbox (queued) or it is skipped. */
export const mailRunRecipients: CollectionDef = {
  name: 'mail_run_recipients',
  fields: {
    runId: str(64),
    seq: int,
    kind: str(16),
    recordId: str(64),
    address: optStr(320),
    status: str(16),
    reason: optStr(255),
    outboxKey: optStr(255),
    createdAt: date,
    updatedAt: date,
  },
  indexes: [
    { name: 'mail_run_recipients_uq', fields: ['runId', 'kind', 'recordId'], unique: true },
    { name: 'mail_run_recipients_next', fields: ['runId', 'status', 'seq'] },
    { name: 'mail_run_recipients_order', fields: ['runId', 'seq'] },
  ],
};

export const mailCollections: CollectionDef[] = [mailRuns, mailRunRecipients];
