import type { StoredRecord } from '../store/schema.js';

export const RESPONSE_KINDS = ['answer', 'comment', 'completed', 'cancelled'] as const;
/** `answer`: an entry by the task's owner; `comment`: by anyone else; `completed`/`cancelled`: its status. */
export type ResponseKind = (typeof RESPONSE_KINDS)[number];

/** Someone other than the issuer answered, commented on, completed or cancelled a task. */
export interface TaskResponse extends StoredRecord {
  taskId: string;
  /** Who issued the task (its creator): the operator this response is for. */
  issuerId: string;
  responderId: string;
  kind: ResponseKind;
  entryId: string | null;
  summary: string;
  at: Date;
}

export const INBOX_BOXES = ['for_me', 'from_me', 'responses'] as const;
export type InboxBox = (typeof INBOX_BOXES)[number];

/** When an operator last looked at an inbox box. */
export interface InboxMark extends StoredRecord {
  operatorId: string;
  box: InboxBox;
  seenAt: Date;
}

/** A recipient's own task of a task launched to many. */
export interface TaskLaunch extends StoredRecord {
  originId: string;
  taskId: string;
  operatorId: string;
  createdAt: Date;
}

/** What a calendar feed shows (operators, groups and registers as in `crm.calendar.range`) and how. */
export interface FeedScope {
  operators?: string[];
  groups?: string[];
  registers?: string[];
  /** Only tasks a view of tasks shows (its id or name), read with the feed owner's rights. */
  view?: string;
  /** Tasks as VEVENTs (default: Outlook shows only events) or as VTODOs. */
  tasksAs?: 'event' | 'todo';
  /** Days before today the feed starts (default 60) and after today it ends (default 300). */
  pastDays?: number;
  futureDays?: number;
}

/** A secret, revocable iCalendar feed (only the token's hash is stored). */
export interface CalendarFeed extends StoredRecord {
  operatorId: string;
  tokenHash: string;
  label: string | null;
  scope: FeedScope;
  fields: string[];
  timeZone: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
