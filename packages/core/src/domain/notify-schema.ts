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

/** Collections of notifications, message templates and reminder settings. */
export const notifyCollections: CollectionDef[] = [notifications, messageTemplates, reminderSettings];
