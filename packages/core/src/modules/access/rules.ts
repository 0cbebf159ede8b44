import type { AccessAction, AccessScope, ShareLevel } from '../../domain/access-types.js';
import { GRANT_KINDS, where, type Filter, type GrantKind, type GrantLookup } from '../../store/filter.js';
import { scopeOf } from './permissions.js';
import type { Principal } from './principal.js';

/**
 * Where the fields access rules read live in a collection. A record kind's own collection names
 * them directly; the timeline maps a task's fields onto its denormalised copies.
 */
export interface RuleFields {
  id: string;
  /** Fields whose operator "owns" the record (owner; creator where the kind has one). */
  owner: string | null;
  creator: string | null;
  private?: string;
  register?: string;
}

/** The collections governed by access rules, with the kind they are and where its fields are. */
export const GOVERNED: Record<string, { kind: string; fields: RuleFields }> = {
  tasks: { kind: 'tasks', fields: { id: 'id', owner: 'ownerId', creator: 'createdBy', private: 'private', register: 'registerId' } },
  partners: { kind: 'partners', fields: { id: 'id', owner: 'ownerId', creator: null } },
  persons: { kind: 'persons', fields: { id: 'id', owner: null, creator: null } },
  opportunities: { kind: 'opportunities', fields: { id: 'id', owner: 'ownerId', creator: 'createdBy' } },
  offers: { kind: 'offers', fields: { id: 'id', owner: 'ownerId', creator: null } },
  campaigns: { kind: 'campaigns', fields: { id: 'id', owner: 'ownerId', creator: null } },
  registers: { kind: 'registers', fields: { id: 'id', owner: null, creator: null } },
};

/**
 * Rules built per principal. A resolved principal never changes (an access change resolves a new
 * one), so each rule is built once and every later query reuses it: the rule of an operator in
 * 50 groups with 1,000 shares is some 2,400 values, rebuilt on every read otherwise.
 */
const built = new WeakMap<Principal, Map<string, unknown>>();

/** The value `build` gives for this principal and key, built on first use. */
export function perPrincipal<T>(p: Principal, key: string, build: () => T): T {
  let byKey = built.get(p);
  if (!byKey) built.set(p, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, build());
  return byKey.get(key) as T;
}

/** The rule on e-mails: one on a task by the task's copied fields, one without by the e-mails scope. */
export function emailsFilter(p: Principal, action: AccessAction = 'read'): Filter | undefined {
  return perPrincipal(p, `emails:${action}`, () => buildEmailsFilter(p, action));
}

function buildEmailsFilter(p: Principal, action: AccessAction): Filter | undefined {
  const onTask = ruleFilter(p, 'tasks', action === 'read' ? 'read' : 'update', TIMELINE_TASK);
  const loose = ruleFilter(p, 'emails', action, { id: 'id', owner: null, creator: null });
  if (onTask === undefined && loose === undefined) return undefined;
  return where.or(where.and(where.isNull('taskId'), loose), where.and(where.not(where.isNull('taskId')), onTask));
}

/** A stage or entry's task, through the fields copied onto it (its own `ownerId` is the stage's). */
const CHILD_TASK: RuleFields = { id: 'taskId', owner: 'taskOwnerId', creator: 'taskCreatorId', private: 'taskPrivate', register: 'taskRegisterId' };

/** The stages and entries the principal may read (or change): those of tasks it may read (update), in the same query. */
export const childFilter = (p: Principal, action: 'read' | 'update' = 'read'): Filter | undefined =>
  perPrincipal(p, `child:${action}`, () => ruleFilter(p, 'tasks', action, CHILD_TASK));

/** A timeline item's task, through its denormalised fields. */
const TIMELINE_TASK: RuleFields = { id: 'taskId', owner: 'ownerId', creator: 'creatorId', private: 'private', register: 'registerId' };
/** A timeline item about another record: its owner and creator were copied onto the item. */
const timelineRecord = (): RuleFields => ({ id: 'subjectId', owner: 'ownerId', creator: 'creatorId' });

/** Timeline subject types and the kind each belongs to. */
const TIMELINE_KINDS: Record<string, string> = {
  partner: 'partners',
  person: 'persons',
  email: 'emails',
  campaign: 'campaigns',
  opportunity: 'opportunities',
  offer: 'offers',
};

export const NOTHING: Filter = where.in('id', []);
const nothing = (field: string): Filter => where.in(field, []);

/**
 * Records of a kind granted to the principal (shared, delegated, staged) at this level or above,
 * as a lookup of the grant rows in the same query (`where.granted`: one index probe per row
 * tested, decision 0112); undefined when nothing of the kind is granted to them.
 */
function grantedFilter(p: Principal, kind: string, field: string, level: ShareLevel): Filter | undefined {
  const byId = p.granted.get(kind);
  if (!byId || !(GRANT_KINDS as readonly string[]).includes(kind)) return undefined;
  if (![...byId.values()].some((l) => level === 'read' || l === 'edit')) return undefined;
  return where.granted(field, kind as GrantKind, p.keys, level);
}

/** Answers `granted` leaves from the principal's grants, for rules evaluated on one record (`allows`). */
export const principalGrants =
  (p: Principal): GrantLookup =>
  (kind, recordId, _principals, level) => {
    const held = p.granted.get(kind)?.get(recordId);
    return held !== undefined && (level === 'read' || held === 'edit');
  };

/** The records a scope reaches on its own (without shares); undefined = every record. */
function scopeFilter(p: Principal, scope: AccessScope, f: RuleFields): Filter | undefined {
  if (scope === 'all') return undefined;
  if (scope === 'none') return nothing(f.id);
  // A kind without an owner (persons, registers, e-mails): any scope but none reaches all of it.
  if (!f.owner && !f.creator) return undefined;
  const owners = scope === 'group' ? p.groupMemberIds : p.selfIds;
  return where.or(f.owner ? where.in(f.owner, owners) : undefined, f.creator ? where.in(f.creator, p.selfIds) : undefined);
}

/** Records I am personally in: owner or creator (stages and shares come through `granted`). */
function personal(p: Principal, f: RuleFields, granted: Filter | undefined, scope: AccessScope): Filter {
  return where.or(
    scope !== 'none' && f.owner ? where.in(f.owner, p.selfIds) : undefined,
    scope !== 'none' && f.creator ? where.in(f.creator, p.selfIds) : undefined,
    granted,
  );
}

/**
 * The records of a kind the principal may act on, as a filter over fields `f`; undefined means
 * every record. For tasks: the scope's records that are neither private nor in a register closed
 * to them, or ones they own, created, own a stage of or had shared with them (edit shares for
 * writes). Administrators pass register restrictions but not privacy: a private task is its
 * people's only.
 */
export function ruleFilter(p: Principal, kind: string, action: AccessAction, f: RuleFields): Filter | undefined {
  const scope = scopeOf(p.permissions, kind, action);
  const granted = grantedFilter(p, kind, f.id, action === 'read' || action === 'export' ? 'read' : 'edit');
  const base = scopeFilter(p, scope, f);
  if (!f.private) {
    if (base === undefined) return undefined;
    return granted ? where.or(base, granted) : base;
  }
  const open = where.and(
    where.ne(f.private, true),
    f.register && p.hiddenRegisterIds.length ? where.not(where.in(f.register, p.hiddenRegisterIds)) : undefined,
    base,
  );
  return where.or(open, personal(p, f, granted, scope));
}

/**
 * The timeline items the principal may read: items of a task by the task's rule on the copied
 * fields; items of other records by their kind's read scope on the copied owner; items of
 * subject types no rule knows (a host's own) to anyone who reaches the history.
 */
export function timelineFilter(p: Principal): Filter | undefined {
  return perPrincipal(p, 'timeline', () => buildTimelineFilter(p));
}

function buildTimelineFilter(p: Principal): Filter | undefined {
  const ofTasks = ruleFilter(p, 'tasks', 'read', TIMELINE_TASK);
  const others = Object.entries(TIMELINE_KINDS).map(([type, kind]) => {
    const rule = ruleFilter(p, kind, 'read', timelineRecord());
    return where.and(where.eq('subjectType', type), rule);
  });
  // Items written before the task fields were copied carry no taskId: their subject is the task.
  return where.or(
    where.and(
      where.isNull('taskId'),
      where.not(where.eq('subjectType', 'task')),
      where.or(...others, where.not(where.in('subjectType', Object.keys(TIMELINE_KINDS)))),
    ),
    where.and(where.not(where.isNull('taskId')), ofTasks),
    where.and(where.isNull('taskId'), where.eq('subjectType', 'task'), ruleFilter(p, 'tasks', 'read', { ...TIMELINE_TASK, id: 'subjectId' })),
  );
}
