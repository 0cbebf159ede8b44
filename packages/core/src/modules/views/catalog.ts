import type { BuiltinView, FormatRule, ViewFilter, ViewKind } from './types.js';

/** A record a view's row points at: `partner.name` reads `name` of the partner whose id is in `partnerId`. */
export interface Relation {
  via: string;
  collection: string;
}

interface KindDef {
  collection: string;
  relations: Record<string, Relation>;
  columns: string[];
  sort: Array<{ field: string; direction?: 'asc' | 'desc' }>;
}

const owner: Relation = { via: 'ownerId', collection: 'operators' };
const partner: Relation = { via: 'partnerId', collection: 'partners' };
const person: Relation = { via: 'personId', collection: 'persons' };

/** Each kind's collection, the related records its columns may read, and its defaults. */
export const KINDS: Record<ViewKind, KindDef> = {
  tasks: {
    collection: 'tasks',
    relations: {
      partner,
      person,
      owner,
      creator: { via: 'createdBy', collection: 'operators' },
      register: { via: 'registerId', collection: 'registers' },
      parent: { via: 'parentId', collection: 'tasks' },
    },
    columns: ['number', 'subject', 'partner.name', 'owner.name', 'dueAt', 'status', 'priority', 'register.color'],
    sort: [{ field: 'dueAt' }, { field: 'createdAt', direction: 'desc' }],
  },
  stages: {
    collection: 'stages',
    relations: { task: { via: 'taskId', collection: 'tasks' }, owner, person },
    columns: ['task.number', 'task.subject', 'position', 'subject', 'owner.name', 'plannedAt', 'status'],
    sort: [{ field: 'plannedAt' }],
  },
  partners: {
    collection: 'partners',
    relations: { owner },
    columns: ['code', 'name', 'kind', 'industry', 'owner.name'],
    sort: [{ field: 'name' }],
  },
  persons: {
    collection: 'persons',
    relations: { partner },
    columns: ['lastName', 'firstName', 'position', 'partner.name'],
    sort: [{ field: 'lastName' }, { field: 'firstName' }],
  },
  opportunities: {
    collection: 'opportunities',
    relations: { partner, person, owner, campaign: { via: 'campaignId', collection: 'campaigns' }, register: { via: 'registerId', collection: 'registers' } },
    columns: ['name', 'partner.name', 'stage', 'status', 'amount', 'currency', 'expectedCloseAt', 'owner.name'],
    sort: [{ field: 'expectedCloseAt' }],
  },
  offers: {
    collection: 'offers',
    relations: { partner, person, owner, opportunity: { via: 'opportunityId', collection: 'opportunities' } },
    columns: ['number', 'partner.name', 'status', 'currency', 'validUntil', 'owner.name'],
    sort: [{ field: 'createdAt', direction: 'desc' }],
  },
  emails: {
    collection: 'emails',
    relations: { task: { via: 'taskId', collection: 'tasks' } },
    columns: ['sentAt', 'fromAddress', 'subject', 'task.number'],
    sort: [{ field: 'sentAt', direction: 'desc' }],
  },
  campaign_members: {
    collection: 'campaign_members',
    relations: { campaign: { via: 'campaignId', collection: 'campaigns' }, partner },
    columns: ['campaign.name', 'partner.name', 'level', 'state'],
    sort: [{ field: 'createdAt' }],
  },
};

const active: ViewFilter = { op: 'in', field: 'status', values: ['open', 'in_progress'] };
const overdue: ViewFilter = { op: 'and', filters: [active, { op: 'lt', field: 'dueAt', value: { $: 'now' } }] };

/** The formatting of the built-in task views: red when past due and not finished, bold when urgent. */
export const TASK_FORMATS: FormatRule[] = [
  { name: 'overdue', when: overdue, style: { color: '#c00000', icon: 'alert' } },
  { name: 'urgent', when: { op: 'in', field: 'priority', values: ['high', 'urgent'] }, style: { bold: true } },
  { name: 'done', when: { op: 'eq', field: 'status', value: 'done' }, style: { color: '#808080', icon: 'check' } },
];

const me = { $: 'me' } as const;

/** The views every operator has (WinMENTOR's "tasks, tasks for me, tasks from me"). */
export const BUILTIN_VIEWS: BuiltinView[] = [
  {
    id: 'builtin:my-tasks',
    name: 'My tasks',
    kind: 'tasks',
    builtin: true,
    spec: { kind: 'tasks', filter: { op: 'and', filters: [{ op: 'eq', field: 'ownerId', value: me }, active] }, formats: TASK_FORMATS },
  },
  {
    id: 'builtin:tasks-from-me',
    name: 'Tasks from me',
    kind: 'tasks',
    builtin: true,
    spec: {
      kind: 'tasks',
      filter: { op: 'and', filters: [{ op: 'eq', field: 'createdBy', value: me }, { op: 'ne', field: 'ownerId', value: me }, active] },
      formats: TASK_FORMATS,
    },
  },
  {
    // Tasks I gave to someone else that they have acted on: started, finished or cancelled.
    id: 'builtin:responses',
    name: 'Responses to my tasks',
    kind: 'tasks',
    builtin: true,
    spec: {
      kind: 'tasks',
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', field: 'createdBy', value: me },
          { op: 'ne', field: 'ownerId', value: me },
          { op: 'ne', field: 'status', value: 'open' },
        ],
      },
      sort: [{ field: 'updatedAt', direction: 'desc' }],
      formats: TASK_FORMATS,
    },
  },
  {
    id: 'builtin:overdue',
    name: 'Overdue',
    kind: 'tasks',
    builtin: true,
    spec: { kind: 'tasks', filter: overdue, formats: TASK_FORMATS },
  },
  {
    id: 'builtin:due-this-week',
    name: 'Due this week',
    kind: 'tasks',
    builtin: true,
    spec: { kind: 'tasks', filter: { op: 'and', filters: [active, { op: 'within', field: 'dueAt', range: 'thisWeek' }] }, formats: TASK_FORMATS },
  },
  {
    id: 'builtin:stages-due',
    name: 'Stages due',
    kind: 'stages',
    builtin: true,
    spec: {
      kind: 'stages',
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', field: 'status', value: 'open' },
          { op: 'lt', field: 'plannedAt', value: { $: 'nextWeekStart' } },
        ],
      },
      formats: [{ name: 'late', when: { op: 'lt', field: 'plannedAt', value: { $: 'now' } }, style: { color: '#c00000', icon: 'alert' } }],
    },
  },
];
