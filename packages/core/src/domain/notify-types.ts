import type { StoredRecord } from '../store/schema.js';

/** An in-app notification in one operator's inbox (what the pane and the SSE stream show). */
export interface Notification extends StoredRecord {
  operatorId: string;
  /** What it is about: `reminder`, `task.assigned`, `rule`, `watch`, or a host's own kind. */
  kind: string;
  title: string;
  body: string | null;
  /** The record it is about (`task`, `partner`, …), when there is one. */
  subjectType: string | null;
  subjectId: string | null;
  data: Record<string, unknown>;
  /** Delivery key: a second delivery with the same key is the same notification. */
  key: string | null;
  createdAt: Date;
  /** When it shows in the inbox: its creation, or the end of a snooze. Later than now = hidden. */
  showAt: Date;
  readAt: Date | null;
}

export const TEMPLATE_CHANNELS = ['email', 'sms', 'print'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];

export const TEMPLATE_LANGUAGES = ['pl', 'ro', 'en'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** A message template (szablon wiadomości): LiquidJS text over a kind of record, checked when saved. */
export interface MessageTemplate extends StoredRecord {
  name: string;
  channel: TemplateChannel;
  /** The kind of record it is written for (`task`, `partner`, `person`, `opportunity`, `offer`). */
  recordKind: string;
  language: TemplateLanguage;
  /** E-mail subject (a template too); null for SMS. */
  subject: string | null;
  body: string;
  isDefault: boolean;
  /** `channel:recordKind:language` while this is the default, else null: unique, so one default each. */
  defaultKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const REMINDER_CHANNELS = ['inapp', 'email', 'sms'] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];

/** One reminder of a task (przypomnienie): through which channel, to whom, and how long before what. */
export interface ReminderRule {
  channel: ReminderChannel;
  /** `owner`, `stage_owners` (owners of the open stages), or operator ids (watchers); default owner. */
  who?: string[];
  /** How long before the anchor (0 = at the due time). */
  before?: { days?: number; hours?: number; minutes?: number };
  /** The task's due date (default) or its planned start (meetings). */
  anchor?: 'due' | 'planned';
}

/** Reminder rules of one task, or one operator's defaults for new tasks they own. */
export interface ReminderSettings extends StoredRecord {
  subjectType: 'task' | 'operator';
  subjectId: string;
  rules: ReminderRule[];
  updatedAt: Date;
}
