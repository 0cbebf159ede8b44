import type { CollectionDef } from '../store/schema.js';

export const notifications: CollectionDef = {
  name: 'notifications',
  fields: {
    operatorId: { type: 'string', length: 64 },
    kind: { type: 'string', length: 64 },
    title: { type: 'string', length: 500 },
    body: { type: 'text', nullable: true },
    subjectType: { type: 'string', length: 32, nullable: true },
    subjectId: { type: 'string', length: 64, nullable: true },
    data: { type: 'json' },
    key: { type: 'string', length: 500, nullable: true },
    createdAt: { type: 'date' },
    showAt: { type: 'date' },
    readAt: { type: 'date', nullable: true },
  },
  indexes: [
    // The inbox order (newest shown first) and the stream's "shown since" read, per operator.
    { name: 'notifications_inbox', fields: ['operatorId', { field: 'showAt', desc: true }, { field: 'id', desc: true }] },
    { name: 'notifications_unread', fields: ['operatorId', 'readAt'] },
    { name: 'notifications_key_uq', fields: ['key'], unique: true },
  ],
};

export const messageTemplates: CollectionDef = {
  name: 'message_templates',
  fields: {
    name: { type: 'string', length: 255 },
    channel: { type: 'string', length: 16 },
    recordKind: { type: 'string', length: 32 },
    language: { type: 'string', length: 8 },
    subject: { type: 'text', nullable: true },
    body: { type: 'text' },
    isDefault: { type: 'boolean' },
    defaultKey: { type: 'string', length: 80, nullable: true },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
  },
  indexes: [
    { name: 'message_templates_kind', fields: ['channel', 'recordKind', 'language', 'name'] },
    // One default per channel, record kind and language, held by the store under concurrency.
    { name: 'message_templates_default_uq', fields: ['defaultKey'], unique: true },
  ],
};

export const reminderSettings: CollectionDef = {
  name: 'reminder_settings',
  fields: {
    subjectType: { type: 'string', length: 16 },
    subjectId: { type: 'string', length: 64 },
    rules: { type: 'json' },
    updatedAt: { type: 'date' },
  },
  indexes: [{ name: 'reminder_settings_subject_uq', fields: ['subjectType', 'subjectId'], unique: true }],
};

export const notificationRules: CollectionDef = {
  name: 'notification_rules',
  fields: {
    name: { type: 'string', length: 255 },
    kind: { type: 'string', length: 16 },
    on: { type: 'json' },
    recordKind: { type: 'string', length: 32, nullable: true },
    filter: { type: 'json', nullable: true },
    recipients: { type: 'json' },
    channel: { type: 'string', length: 16 },
    templateId: { type: 'string', length: 64, nullable: true },
    cron: { type: 'string', length: 128, nullable: true },
    timeZone: { type: 'string', length: 64, nullable: true },
    catchUp: { type: 'string', length: 8, nullable: true },
    report: { type: 'json', nullable: true },
    attach: { type: 'string', length: 8, nullable: true },
    subject: { type: 'string', length: 1000, nullable: true },
    active: { type: 'boolean' },
    createdBy: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
  },
  indexes: [
    { name: 'notification_rules_name_uq', fields: ['name'], unique: true },
    // Every committed unit with record events reads the active event rules of that record kind.
    { name: 'notification_rules_kind', fields: ['kind', 'active', 'recordKind'] },
  ],
};

export const recordWatches: CollectionDef = {
  name: 'record_watches',
  fields: {
    operatorId: { type: 'string', length: 64 },
    subjectType: { type: 'string', length: 32 },
    subjectId: { type: 'string', length: 64 },
    channel: { type: 'string', length: 16 },
    createdAt: { type: 'date' },
  },
  indexes: [
    { name: 'record_watches_subject', fields: ['subjectId'] },
    { name: 'record_watches_uq', fields: ['operatorId', 'subjectType', 'subjectId', 'channel'], unique: true },
  ],
};

/** Collections of notifications, message templates, reminder settings, notification rules and record watches. */
export const notifyCollections: CollectionDef[] = [notifications, messageTemplates, reminderSettings, notificationRules, recordWatches];
