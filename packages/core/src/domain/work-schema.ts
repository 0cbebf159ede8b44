import type { CollectionDef, FieldDef } from '../store/schema.js';

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const json: FieldDef = { type: 'json' };

/** Answers, comments and completions of a task by someone other than its issuer: the issuer's "responses" box. */
export const taskResponses: CollectionDef = {
  name: 'task_responses',
  fields: { taskId: str(64), issuerId: str(64), responderId: str(64), kind: str(16), entryId: optStr(64), summary: str(500), at: date },
  indexes: [
    { name: 'task_responses_issuer_at', fields: ['issuerId', { field: 'at', desc: true }, { field: 'id', desc: true }] },
    { name: 'task_responses_task', fields: ['taskId', 'at'] },
  ],
};

/** When an operator last looked at an inbox box ("new since I last looked"). */
export const inboxMarks: CollectionDef = {
  name: 'inbox_marks',
  fields: { operatorId: str(64), box: str(32), seenAt: date },
  indexes: [{ name: 'inbox_marks_operator_box_uq', fields: ['operatorId', 'box'], unique: true }],
};

/** One task launched to many: the origin and each recipient's own task. */
export const taskLaunches: CollectionDef = {
  name: 'task_launches',
  fields: { originId: str(64), taskId: str(64), operatorId: str(64), createdAt: date },
  indexes: [
    { name: 'task_launches_origin_operator_uq', fields: ['originId', 'operatorId'], unique: true },
    { name: 'task_launches_task', fields: ['taskId'] },
  ],
};

/** A secret, revocable iCalendar feed URL: only the token's SHA-256 is kept. */
export const calendarFeeds: CollectionDef = {
  name: 'calendar_feeds',
  fields: {
    operatorId: str(64),
    tokenHash: str(128),
    label: optStr(),
    scope: json,
    fields: json,
    timeZone: str(64),
    lastUsedAt: optDate,
    revokedAt: optDate,
    createdAt: date,
    updatedAt: date,
  },
  indexes: [
    { name: 'calendar_feeds_token_uq', fields: ['tokenHash'], unique: true },
    { name: 'calendar_feeds_operator', fields: ['operatorId'] },
  ],
};

/** Collections of the work-management features: responses, inbox marks, launches, feeds. */
export const workCollections: CollectionDef[] = [taskResponses, inboxMarks, taskLaunches, calendarFeeds];
