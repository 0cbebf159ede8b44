import type { StoredRecord } from '../../store/schema.js';

/** What `crm.search` can look for; each is one collection with a full-text index. */
export const SEARCH_KINDS = ['tasks', 'notes', 'partners', 'persons', 'emails'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

type Rec = StoredRecord & Record<string, unknown>;

/** How a kind is read and shown: its collection, the fields that weigh most, its title and date. */
export interface KindDef {
  collection: string;
  /** Search fields whose words rank above the rest (a subject over a description). */
  titleFields: string[];
  /** The other search fields. */
  otherFields: string[];
  /** The order candidates are read in, newest first (an indexed date). */
  dateField: string;
  /** The date a hit shows and ranks by among equals, when not `dateField`'s (an e-mail's is when it was sent). */
  shownAt?(r: Rec): Date;
  title(r: Rec): string;
  snippet(r: Rec): string | null;
  taskId(r: Rec): string | null;
  partnerId(r: Rec): string | null;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const firstLine = (v: unknown, max = 120) => {
  const s = str(v)?.trim().split(/\r?\n/, 1)[0] ?? '';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export const KINDS: Record<SearchKind, KindDef> = {
  tasks: {
    collection: 'tasks',
    titleFields: ['subject'],
    otherFields: ['description'],
    dateField: 'updatedAt',
    title: (r) => `${str(r.number) ?? ''} ${str(r.subject) ?? ''}`.trim(),
    snippet: (r) => firstLine(r.description) || null,
    taskId: (r) => r.id,
    partnerId: (r) => str(r.partnerId),
  },
  notes: {
    collection: 'task_entries',
    titleFields: [],
    otherFields: ['body'],
    dateField: 'at',
    title: (r) => firstLine(r.body),
    snippet: () => null,
    taskId: (r) => str(r.taskId),
    partnerId: () => null,
  },
  partners: {
    collection: 'partners',
    titleFields: ['name'],
    otherFields: ['code'],
    dateField: 'updatedAt',
    title: (r) => str(r.name) ?? '',
    snippet: (r) => str(r.code),
    taskId: () => null,
    partnerId: (r) => r.id,
  },
  persons: {
    collection: 'persons',
    titleFields: ['firstName', 'lastName'],
    otherFields: ['emails'],
    dateField: 'updatedAt',
    title: (r) => `${str(r.firstName) ?? ''} ${str(r.lastName) ?? ''}`.trim(),
    snippet: (r) => (Array.isArray(r.emails) ? r.emails.join(', ') : null) || null,
    taskId: () => null,
    partnerId: (r) => str(r.partnerId),
  },
  emails: {
    collection: 'emails',
    titleFields: ['subject'],
    otherFields: [],
    dateField: 'createdAt',
    shownAt: (r) => (r.sentAt instanceof Date ? r.sentAt : (r.createdAt as Date)),
    title: (r) => str(r.subject) ?? '',
    snippet: (r) => str(r.fromAddress),
    taskId: (r) => str(r.taskId),
    partnerId: (r) => (Array.isArray(r.partnerIds) ? (str(r.partnerIds[0]) ?? null) : null),
  },
};
