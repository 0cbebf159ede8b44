import type { CollectionDef, FieldDef } from '../store/schema.js';

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const int: FieldDef = { type: 'integer' };

export const jobs: CollectionDef = {
  name: 'jobs',
  fields: {
    key: str(255),
    kind: str(64),
    at: optDate,
    cron: optStr(128),
    timeZone: optStr(64),
    payload: { type: 'json' },
    catchUp: str(8),
    maxAttempts: int,
    status: str(16),
    nextRunAt: optDate,
    occurrenceAt: optDate,
    attempts: int,
    leaseOwner: optStr(128),
    leaseUntil: optDate,
    lastRunAt: optDate,
    lastError: { type: 'text', nullable: true },
    runs: int,
    createdAt: date,
    updatedAt: date,
  },
  indexes: [
    { name: 'jobs_key_uq', fields: ['key'], unique: true },
    // The claim query: due jobs by status and time, and expired leases.
    { name: 'jobs_due', fields: ['status', 'nextRunAt'] },
    { name: 'jobs_lease', fields: ['status', 'leaseUntil'] },
  ],
};

export const outbox: CollectionDef = {
  name: 'outbox',
  fields: {
    key: str(255),
    channel: str(16),
    payload: { type: 'json' },
    jobKey: optStr(255),
    status: str(16),
    attempts: int,
    maxAttempts: int,
    nextAttemptAt: optDate,
    leaseOwner: optStr(128),
    leaseUntil: optDate,
    lastError: { type: 'text', nullable: true },
    result: { type: 'json', nullable: true },
    sentAt: optDate,
    createdAt: date,
    updatedAt: date,
  },
  indexes: [
    { name: 'outbox_key_uq', fields: ['key'], unique: true },
    { name: 'outbox_due', fields: ['status', 'nextAttemptAt'] },
    { name: 'outbox_lease', fields: ['status', 'leaseUntil'] },
  ],
};

/** The scheduler's collections, part of `coreCollections`. */
export const automationCollections: CollectionDef[] = [jobs, outbox];
