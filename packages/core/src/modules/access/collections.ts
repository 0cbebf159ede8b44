import type { AccessAction } from '../../domain/access-types.js';
import { RapportError } from '../../errors.js';
import { matches, normalizeFilter, where, type Filter, type ReadableCollection } from '../../store/filter.js';
import { findAll } from '../../store/find-all.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Store } from '../../store/store.js';
import { allows, collectionFilter } from './engine.js';
import type { Principal } from './principal.js';
import { GOVERNED, perPrincipal } from './rules.js';
import { TASK_CHILDREN } from './task-access.js';

/**
 * How an operator's store treats each collection (decisions 0103, 0104):
 * - `governed`: the kind's rule is AND-ed into every read;
 * - `copied`: rows carry their task's (or record's) access fields and the rule reads those;
 * - `own`: an operator's personal rows (notifications, tokens, feeds, inbox marks): the
 *   operator's own only (administrators all), written only as their own;
 * - `related`: rows of a partner or opportunity, visible when that record is (the parent's rule
 *   is looked up in the same query: `where.readable`); written through modules;
 * - `directory`: who is who and how the CRM is configured (operators, groups, roles, shares,
 *   pipelines, templates): readable, written through `crm.as(op).store` by administrators only;
 * - `views`: saved views and their shares: the operator's own, those shared with them or their
 *   groups (built-in views are not stored); written through `crm.views`;
 * - `internal`: queues, mail state and per-task bookkeeping: no operator reads or writes them
 *   through the store; the modules do, beneath the rules, after their own check;
 * - `closed`: not even modules read them as an operator (the audit, and any collection not
 *   placed here, so a new one is unreadable until placed).
 * Modules (`ctx.store`) see `own`, `directory`, `views` and `internal` as stored and check
 * who may do what themselves; the store handed to callers (`crm.as(op).store`) applies all of it.
 */
export type CollectionAccess = 'governed' | 'copied' | 'own' | 'related' | 'directory' | 'views' | 'internal' | 'closed';

/** Personal rows and the field naming their operator. */
const OWN: Record<string, string> = {
  notifications: 'operatorId',
  inbox_marks: 'operatorId',
  calendar_feeds: 'operatorId',
  api_tokens: 'operatorId',
};

/** Rows of a partner or opportunity: each field must name a record of that collection the operator may read (null passes). */
const RELATED: Record<string, Array<{ field: string; parent: ReadableCollection }>> = {
  campaign_members: [{ field: 'partnerId', parent: 'partners' }],
  campaign_links: [{ field: 'partnerId', parent: 'partners' }],
  partner_competitors: [
    { field: 'partnerId', parent: 'partners' },
    { field: 'competitorId', parent: 'partners' },
  ],
  opportunity_stage_changes: [{ field: 'opportunityId', parent: 'opportunities' }],
  sales_documents: [
    { field: 'partnerId', parent: 'partners' },
    { field: 'opportunityId', parent: 'opportunities' },
  ],
};

const DIRECTORY = ['operators', 'groups', 'group_members', 'roles', 'role_grants', 'substitutions', 'shares', 'pipelines', 'message_templates'];
const VIEWS = ['views', 'view_shares'];
const INTERNAL = [
  'jobs',
  'outbox',
  'mail_checkpoints',
  'mail_quarantine',
  'contact_keys',
  'email_locations',
  'reminder_settings',
  'task_responses',
  'task_launches',
];
const COPIED_ACCESS = ['timeline', 'emails', ...TASK_CHILDREN];
// Rules, watches and serial mailings are read by their modules beneath the rules, after the module's own check.
const CLOSED_ACCESS = ['audit', 'notification_rules', 'record_watches', 'mail_runs', 'mail_run_recipients'];

const ACCESS = new Map<string, CollectionAccess>([
  ...Object.keys(GOVERNED).map((c) => [c, 'governed'] as const),
  ...COPIED_ACCESS.map((c) => [c, 'copied'] as const),
  ...Object.keys(OWN).map((c) => [c, 'own'] as const),
  ...Object.keys(RELATED).map((c) => [c, 'related'] as const),
  ...DIRECTORY.map((c) => [c, 'directory'] as const),
  ...VIEWS.map((c) => [c, 'views'] as const),
  ...INTERNAL.map((c) => [c, 'internal'] as const),
  ...CLOSED_ACCESS.map((c) => [c, 'closed'] as const),
]);

/** The treatment of a collection for operators; `closed` for any collection not listed. */
export const collectionAccess = (collection: string): CollectionAccess => ACCESS.get(collection) ?? 'closed';

/**
 * A `related` collection's rule: every parent field null or naming a parent the principal may
 * read, looked up in the same query (`where.readable`, decision 0105) rather than a list of every
 * readable parent's id.
 */
function relatedFilter(p: Principal, collection: string): Filter | undefined {
  return perPrincipal(p, `related:${collection}`, () => {
    const parts: Filter[] = [];
    for (const { field, parent } of RELATED[collection] ?? []) {
      const rule = collectionFilter(p, parent, 'read');
      if (rule !== undefined) parts.push(where.or(where.isNull(field), where.readable(field, parent, rule)));
    }
    return parts.length ? where.and(...parts) : undefined;
  });
}

/** The saved views shared with the operator, directly or with a group of theirs (by id or legacy name). */
function viewShareFilter(p: Principal): Filter {
  const groups = [...p.groups.flatMap((g) => [g.id, g.name]), ...(p.operator?.groups ?? [])];
  return where.or(
    where.and(where.eq('principalType', 'operator'), where.eq('principal', p.operatorId)),
    groups.length ? where.and(where.eq('principalType', 'group'), where.in('principal', groups)) : undefined,
  );
}

async function viewsFilter(p: Principal, store: Store, collection: string): Promise<Filter> {
  if (collection === 'view_shares') {
    const own: string[] = [];
    for await (const v of findAll(store, 'views', { where: where.eq('ownerId', p.operatorId) })) own.push(v.id);
    return where.or(viewShareFilter(p), where.in('viewId', own));
  }
  const shared: string[] = [];
  for await (const s of findAll<StoredRecord & { viewId: string }>(store, 'view_shares', { where: viewShareFilter(p) })) shared.push(s.viewId);
  return where.or(where.eq('ownerId', p.operatorId), where.in('id', shared));
}

/**
 * The rule an operator's store (the caller's face) AND-s into reads of a collection that is not
 * governed or copied; undefined = every row. `internal` collections are FORBIDDEN.
 */
export async function placedFilter(p: Principal, store: Store, collection: string): Promise<Filter | undefined> {
  const access = collectionAccess(collection);
  if (access === 'internal' || access === 'closed') throw notOpen(p, collection, 'read');
  if (access === 'related') return relatedFilter(p, collection);
  if (p.administrator || access === 'directory') return undefined;
  if (access === 'own') return where.eq(OWN[collection]!, p.operatorId);
  if (access === 'views') return viewsFilter(p, store, collection);
  return undefined;
}

/** True when the operator may read this row of a collection placed outside the governed ones. */
export async function placedVisible(p: Principal, store: Store, collection: string, record: StoredRecord): Promise<boolean> {
  const access = collectionAccess(collection);
  if (access === 'related') {
    const row = record as unknown as Record<string, unknown>;
    for (const { field, parent } of RELATED[collection] ?? []) {
      const id = row[field];
      if (typeof id !== 'string') continue;
      const target = await store.get(parent, id);
      if (!target || !allows(p, parent, 'read', target)) return false;
    }
    return true;
  }
  const rule = await placedFilter(p, store, collection);
  return rule === undefined || matches(record as unknown as Record<string, unknown>, normalizeFilter(rule));
}

/**
 * Refuses a write through an operator's store (the caller's face) that only a module may make:
 * `own` rows are the operator's own (administrators any), `directory` and `views` rows are written
 * by administrators, `related` and `internal` rows only by modules. The row's visibility is
 * checked by the caller (NOT_FOUND before FORBIDDEN).
 */
export function placedWrite(p: Principal, collection: string, action: AccessAction, row?: object): void {
  const access = collectionAccess(collection);
  if (access === 'own') {
    const field = OWN[collection]!;
    if (p.administrator || !row || !(field in row) || (row as Record<string, unknown>)[field] === p.operatorId) return;
    throw new RapportError('FORBIDDEN', `operator ${who(p)} may not ${action} ${collection} of another operator: they are personal rows`, {
      details: { collection, action },
    });
  }
  if ((access === 'directory' || access === 'views') && p.administrator) return;
  if (access === 'governed' || access === 'copied') return;
  throw notOpen(p, collection, action);
}

const who = (p: Principal) => p.operator?.email ?? p.operatorId;

const HOW: Partial<Record<CollectionAccess, string>> = {
  related: 'change it through its module (crm.campaigns, crm.opportunities, crm.offers, crm.partners)',
  directory: 'only administrators change it through the store; use its module (crm.roles, crm.groups, crm.shares, crm.operators, crm.templates)',
  views: 'change views through crm.views',
  internal: 'it is kept by its module beneath the rules',
};

function notOpen(p: Principal, collection: string, action: string): RapportError {
  const access = collectionAccess(collection);
  const reason = collection === 'audit' ? 'read it through crm.tasks.auditTrail' : (HOW[access] ?? 'it is not open to operators');
  return new RapportError('FORBIDDEN', `operator ${who(p)} may not ${action} ${collection} through the store: ${reason}`, {
    details: { collection, actorId: p.operatorId },
  });
}
