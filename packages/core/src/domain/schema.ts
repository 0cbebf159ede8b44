import { Schema, type CollectionDef, type FieldDef, type IndexDef, type IndexField } from '../store/schema.js';
import { RECENT } from './recent-index.js';
import { salesCollections } from './sales-schema.js';
import { emailCollections } from './email-schema.js';
import { viewCollections } from './views-schema.js';
import { substitutions } from './substitution.js';
import { automationCollections } from './automation-schema.js';
import { workCollections } from './work-schema.js';
import { notifyCollections } from './notify-schema.js';
import { accessCollections } from './access-schema.js';
import { mailCollections } from './mail-schema.js';

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const optDate: FieldDef = { type: 'date', nullable: true };
const json: FieldDef = { type: 'json' };
const optJson: FieldDef = { type: 'json', nullable: true };
const id = optStr(64);
const stamps = { createdAt: date, updatedAt: date };

export const operators: CollectionDef = {
  name: 'operators',
  fields: { name: str(), email: str(320), groups: json, active: { type: 'boolean' }, phone: optStr(32), language: optStr(8), timeZone: optStr(64), ...stamps },
  indexes: [{ name: 'operators_email_uq', fields: ['email'], unique: true }],
};

export const apiTokens: CollectionDef = {
  name: 'api_tokens',
  fields: { operatorId: str(64), tokenHash: str(128), label: optStr(), lastUsedAt: optDate, revokedAt: optDate, ...stamps },
  indexes: [
    { name: 'api_tokens_hash_uq', fields: ['tokenHash'], unique: true },
    { name: 'api_tokens_operator', fields: ['operatorId'] },
  ],
};

export const partners: CollectionDef = {
  name: 'partners',
  fields: {
    code: str(64),
    name: str(),
    kind: str(32),
    taxId: optStr(64),
    emails: json,
    emailDomains: json,
    phones: json,
    address: optJson,
    industry: optStr(),
    turnover: { type: 'integer', nullable: true },
    employees: { type: 'integer', nullable: true },
    ownerId: id,
    salesBlocked: { type: 'boolean' },
    mailOptOut: { type: 'boolean', nullable: true },
    customFields: json,
    ...stamps,
  },
  indexes: [
    { name: 'partners_code_uq', fields: ['code'], unique: true },
    { name: 'partners_name', fields: ['name'] },
    { name: 'partners_kind', fields: ['kind', 'name'] },
    { name: 'partners_recent', fields: RECENT('updatedAt') },
  ],
  search: ['code', 'name'],
};

export const persons: CollectionDef = {
  name: 'persons',
  fields: {
    partnerId: id,
    firstName: str(),
    lastName: str(),
    emails: json,
    phones: json,
    position: optStr(),
    mailOptOut: { type: 'boolean', nullable: true },
    customFields: json,
    ...stamps,
  },
  indexes: [
    { name: 'persons_partner', fields: ['partnerId', 'lastName'] },
    { name: 'persons_recent', fields: RECENT('updatedAt') },
  ],
  search: ['firstName', 'lastName', 'emails'],
};

export const contactKeys: CollectionDef = {
  name: 'contact_keys',
  fields: { kind: str(16), value: str(320), ownerType: str(16), ownerId: str(64), exclusive: optStr(340) },
  indexes: [
    { name: 'contact_keys_value_uq', fields: ['kind', 'value', 'ownerType', 'ownerId'], unique: true },
    // An e-mail domain belongs to one partner: two writers racing to claim it cannot both win.
    { name: 'contact_keys_exclusive_uq', fields: ['exclusive'], unique: true },
    { name: 'contact_keys_owner', fields: ['ownerId'] },
  ],
};

export const registers: CollectionDef = {
  name: 'registers',
  fields: { code: str(64), name: str(), color: str(16), numberPattern: str(128), active: { type: 'boolean' }, restrictedTo: optJson, ...stamps },
  indexes: [{ name: 'registers_code_uq', fields: ['code'], unique: true }],
};

// Undated tasks sort after dated ones: the due date is keyed with nulls last (decision 0175).
const DUE: IndexField = { field: 'dueAt', nullsLast: true };
const DEFAULT_TASK_ORDER: IndexDef['fields'] = [DUE, { field: 'createdAt', desc: true }, { field: 'id', desc: true }];

export const tasks: CollectionDef = {
  name: 'tasks',
  fields: {
    number: str(128),
    registerId: str(64),
    subject: str(500),
    description: { type: 'text', nullable: true },
    partnerId: id,
    personId: id,
    ownerId: id,
    createdBy: id,
    plannedAt: optDate,
    dueAt: optDate,
    doneAt: optDate,
    status: str(16),
    priority: str(16),
    parentId: id,
    private: { type: 'boolean' },
    customFields: json,
    ...stamps,
  },
  indexes: [
    { name: 'tasks_register_number_uq', fields: ['registerId', 'number'], unique: true },
    { name: 'tasks_owner_status_due', fields: ['ownerId', 'status', DUE, 'id'] },
    { name: 'tasks_partner', fields: ['partnerId', { field: 'createdAt', desc: true }] },
    { name: 'tasks_parent', fields: ['parentId'] },
    { name: 'tasks_planned', fields: ['plannedAt'] },
    // The default task list order (due ascending, newest first, then the id tiebreak the cursor
    // adds with the last field's direction), per scope the CLI, API and pane list by: an index
    // that returns rows in that order spares a sort of every matching task.
    { name: 'tasks_owner_due', fields: ['ownerId', ...DEFAULT_TASK_ORDER] },
    { name: 'tasks_partner_due', fields: ['partnerId', ...DEFAULT_TASK_ORDER] },
    { name: 'tasks_person_due', fields: ['personId', ...DEFAULT_TASK_ORDER] },
    // The same order for "every task I may see", with the fields access rules test after it: SQLite
    // tests them on the index entry and reads the row only for the tasks that pass (decision 0112).
    { name: 'tasks_due', fields: [...DEFAULT_TASK_ORDER, 'status', 'ownerId', 'createdBy', 'private', 'registerId'] },
    // An operator's tasks grouped by priority, then by due date (a view's rows come in group
    // order): the first page is read in index order and the group counts are an index-only scan,
    // so status, privacy and creator ride along for the filter and the access rule (decision 0160).
    { name: 'tasks_owner_priority_due', fields: ['ownerId', 'priority', DUE, 'id', 'status', 'private', 'createdBy'] },
    // Search results newest first: a broad word is answered by walking this index and testing the
    // match per row, stopping after a page; access fields ride along as in tasks_due (decision 0170).
    { name: 'tasks_recent', fields: [...RECENT('updatedAt'), 'ownerId', 'createdBy', 'private', 'registerId'] },
  ],
  search: ['subject', 'description'],
};

/** The task's owner, creator, privacy and register copied onto its stages and entries, so access rules filter them in the same read (decision 0103). */
const taskAccess: Record<string, FieldDef> = {
  taskOwnerId: id,
  taskCreatorId: id,
  taskPrivate: { type: 'boolean', nullable: true },
  taskRegisterId: id,
};

export const stages: CollectionDef = {
  name: 'stages',
  fields: {
    taskId: str(64),
    position: { type: 'integer' },
    subject: str(500),
    ownerId: id,
    personId: id,
    plannedAt: optDate,
    doneAt: optDate,
    status: str(16),
    ...taskAccess,
    ...stamps,
  },
  indexes: [{ name: 'stages_task_position_uq', fields: ['taskId', 'position'], unique: true }],
};

export const taskEntries: CollectionDef = {
  name: 'task_entries',
  fields: {
    taskId: str(64),
    kind: str(16),
    at: date,
    createdBy: id,
    body: { type: 'text', nullable: true },
    file: optJson,
    link: optJson,
    emailId: id,
    ...taskAccess,
  },
  indexes: [
    { name: 'task_entries_task', fields: ['taskId', 'at'] },
    { name: 'task_entries_email', fields: ['emailId'] },
    { name: 'task_entries_recent', fields: [...RECENT('at'), 'taskOwnerId', 'taskCreatorId', 'taskPrivate', 'taskRegisterId'] },
  ],
  search: ['body'],
};

export const audit: CollectionDef = {
  name: 'audit',
  fields: { entityType: str(32), entityId: str(64), field: str(64), from: optJson, to: optJson, actorId: id, at: date },
  indexes: [
    { name: 'audit_entity', fields: ['entityType', 'entityId', 'at'] },
    // "Tasks from me": the tasks an operator handed to someone else (owner changes by that actor).
    { name: 'audit_actor_field', fields: ['actorId', 'field', 'at'] },
  ],
};

export const timeline: CollectionDef = {
  name: 'timeline',
  fields: {
    partnerId: id,
    personId: id,
    at: date,
    kind: str(64),
    subjectType: str(32),
    subjectId: str(64),
    title: str(500),
    actorId: id,
    data: json,
    // What access rules need, copied from the item's task (or record), so a history page stays one read.
    taskId: id,
    ownerId: id,
    creatorId: id,
    private: { type: 'boolean', nullable: true },
    registerId: id,
  },
  indexes: [
    { name: 'timeline_partner_at', fields: ['partnerId', { field: 'at', desc: true }, { field: 'id', desc: true }] },
    { name: 'timeline_person_at', fields: ['personId', { field: 'at', desc: true }, { field: 'id', desc: true }] },
    { name: 'timeline_subject', fields: ['subjectType', 'subjectId'] },
    { name: 'timeline_task', fields: ['taskId'] },
  ],
};

/** Core's collections. Later modules (e-mails, campaigns, ...) add theirs to this list. */
export const coreCollections: CollectionDef[] = [
  operators,
  apiTokens,
  partners,
  persons,
  contactKeys,
  registers,
  tasks,
  stages,
  taskEntries,
  audit,
  timeline,
  ...salesCollections,
  ...emailCollections,
  substitutions,
  ...automationCollections,
  ...workCollections,
  ...viewCollections,
  ...notifyCollections,
  ...accessCollections,
  ...mailCollections,
];

/** The schema every store gets by default. */
export const coreSchema = new Schema(coreCollections);
