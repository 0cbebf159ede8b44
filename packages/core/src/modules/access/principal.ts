import type { Group, GroupMember, Permissions, RegisterRestriction, Role, RoleGrant, Share, ShareLevel } from '../../domain/access-types.js';
import type { Substitution } from '../../domain/substitution.js';
import type { Operator, Register } from '../../domain/types.js';
import { ACCESS_ACTIONS, type AccessAction, type AccessScope } from '../../domain/access-types.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../clock.js';
import { RapportError } from '../../errors.js';
import { BUILT_IN_ROLES, DEFAULT_ROLE, scopeOf, wider } from './permissions.js';

/** A resolved role: its name and permissions. */
export interface ResolvedRole {
  id: string;
  name: string;
  permissions: Permissions;
}

/**
 * Who is acting, resolved once per CRM context and kept until an access record changes: the
 * operator, their roles merged into one set of permissions, their groups and the members of
 * those groups, the operators they stand in for, registers closed to them and what is shared
 * with them.
 */
export interface Principal {
  operatorId: string;
  operator: Operator;
  roles: ResolvedRole[];
  permissions: Permissions;
  administrator: boolean;
  /** The operator and those they stand in for: whose "own" records are theirs. */
  selfIds: string[];
  actingFor: string[];
  groups: Array<{ id: string; name: string }>;
  /** Members of every group of `selfIds`, and `selfIds`: whose records "group" scope reaches. */
  groupMemberIds: string[];
  /** Restricted registers this operator is not let into. */
  hiddenRegisterIds: string[];
  /** The principal's keys in grant rows: `o:<operator>` for each of `selfIds`, `g:<group>` for each group. */
  keys: string[];
  /** Records shared with (or delegated to, or staged for) the principal's keys: kind → id → level. */
  granted: Map<string, Map<string, ShareLevel>>;
  /** The principal must be resolved again from this instant (a substitution starts or ends). */
  expiresAt: number;
}

const principalKeys = (operatorIds: string[], groupIds: string[]) => [...operatorIds.map((id) => `o:${id}`), ...groupIds.map((id) => `g:${id}`)];

/** Roles by id or built-in name; unknown ids are skipped (a deleted role grants nothing). */
export async function resolveRoles(store: Store, roleIds: string[]): Promise<ResolvedRole[]> {
  const out: ResolvedRole[] = [];
  const stored = roleIds.filter((id) => !Object.hasOwn(BUILT_IN_ROLES, id));
  const byId = new Map(
    stored.length ? (await store.find<Role>('roles', { where: where.in('id', stored), limit: stored.length })).items.map((r) => [r.id, r]) : [],
  );
  for (const id of roleIds) {
    if (Object.hasOwn(BUILT_IN_ROLES, id)) out.push({ id, name: id, permissions: BUILT_IN_ROLES[id]! });
    else {
      const role = byId.get(id);
      if (role) out.push({ id: role.id, name: role.name, permissions: role.permissions });
    }
  }
  return out;
}

/** The union of roles' permissions: for each kind and action the widest scope any role gives. */
export function mergePermissions(roles: ResolvedRole[]): Permissions {
  const out: Permissions = {};
  for (const role of roles) {
    for (const [kind, actions] of Object.entries(role.permissions)) {
      const merged = (out[kind] ??= {});
      for (const action of ACCESS_ACTIONS) {
        const scope = actions[action];
        if (scope) merged[action] = wider(merged[action] ?? 'none', scope);
      }
    }
  }
  return out;
}

/** The role that gives the widest scope for an action (for FORBIDDEN messages). */
export function grantingRole(p: Principal, kind: string, action: AccessAction): { role: string | null; scope: AccessScope } {
  let best: { role: string | null; scope: AccessScope } = { role: null, scope: 'none' };
  for (const role of p.roles) {
    const scope = scopeOf(role.permissions, kind, action);
    if (best.role === null || wider(scope, best.scope) !== best.scope) best = { role: role.name, scope };
  }
  return best;
}

/**
 * Substitutions in which `deputyId` stands in at the clock's now, and when that set next changes.
 * The clock is read only when the deputy has substitutions (a stepping test clock advances on
 * every read, so resolving a principal must not consume its instants for nothing).
 */
async function substitutionsOf(store: Store, deputyId: string, clock: Clock): Promise<{ absentIds: string[]; changesAt: number }> {
  const rows = await readAll<Substitution>(store, 'substitutions', { where: where.eq('deputyId', deputyId) });
  let changesAt = Number.POSITIVE_INFINITY;
  if (rows.length === 0) return { absentIds: [], changesAt };
  const now = clock.now().getTime();
  const absentIds: string[] = [];
  for (const s of rows) {
    const end = Math.min(s.until.getTime(), s.endedAt?.getTime() ?? Number.POSITIVE_INFINITY);
    if (s.from.getTime() > now) changesAt = Math.min(changesAt, s.from.getTime());
    else if (end > now) {
      absentIds.push(s.absentId);
      changesAt = Math.min(changesAt, end);
    }
  }
  return { absentIds: [...new Set(absentIds)], changesAt };
}

/** Resolves an operator into a principal (reads roles, groups, substitutions, registers, shares). */
export async function resolvePrincipal(store: Store, operatorId: string, clock: Clock, defaultRoles: readonly string[] = [DEFAULT_ROLE]): Promise<Principal> {
  const operator = await store.get<Operator>('operators', operatorId);
  // Acting as an operator who does not exist is a mistake of the caller, not an empty view.
  if (!operator) throw new RapportError('NOT_FOUND', `acting operator ${JSON.stringify(operatorId)} does not exist`, { details: { field: 'actorId' } });
  const active = operator.active;
  const grants = active ? await readAll<RoleGrant>(store, 'role_grants', { where: where.eq('operatorId', operatorId) }) : [];
  const roles = active ? await resolveRoles(store, grants.length ? grants.map((g) => g.roleId) : [...defaultRoles]) : [];
  const { absentIds, changesAt } = active ? await substitutionsOf(store, operatorId, clock) : { absentIds: [], changesAt: Number.POSITIVE_INFINITY };
  const selfIds = [operatorId, ...absentIds.filter((id) => id !== operatorId)];

  const memberships = await readAll<GroupMember>(store, 'group_members', { where: where.in('operatorId', selfIds) });
  const groupIds = [...new Set(memberships.map((m) => m.groupId))];
  const groupRecords = groupIds.length ? await readAll<Group>(store, 'groups', { where: where.in('id', groupIds) }) : [];
  const members = groupIds.length ? await readAll<GroupMember>(store, 'group_members', { where: where.in('groupId', groupIds) }) : [];
  const groupMemberIds = [...new Set([...selfIds, ...members.map((m) => m.operatorId)])];

  const administrator = roles.some((r) => r.id === 'administrator');
  const restricted = await readAll<Register>(store, 'registers', { where: where.not(where.isNull('restrictedTo')) });
  const hiddenRegisterIds = administrator ? [] : restricted.filter((r) => !admits(r.restrictedTo ?? null, selfIds, groupIds)).map((r) => r.id);

  const granted = new Map<string, Map<string, ShareLevel>>();
  const keys = principalKeys(selfIds, groupIds);
  for (const s of await readAll<Share>(store, 'shares', { where: where.in('principal', keys) })) {
    const byId = granted.get(s.kind) ?? new Map<string, ShareLevel>();
    if (byId.get(s.recordId) !== 'edit') byId.set(s.recordId, s.level);
    granted.set(s.kind, byId);
  }
  return {
    operatorId,
    operator,
    roles,
    permissions: mergePermissions(roles),
    administrator,
    selfIds,
    actingFor: absentIds,
    groups: groupRecords.map((g) => ({ id: g.id, name: g.name })),
    groupMemberIds,
    hiddenRegisterIds,
    keys,
    granted,
    expiresAt: changesAt,
  };
}

function admits(rule: RegisterRestriction | null, selfIds: string[], groupIds: string[]): boolean {
  if (!rule) return true;
  return (rule.operators ?? []).some((id) => selfIds.includes(id)) || (rule.groups ?? []).some((id) => groupIds.includes(id));
}
