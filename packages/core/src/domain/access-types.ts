import type { StoredRecord } from '../store/schema.js';
import type { Timestamps } from './types.js';

/** Record kinds permissions speak of; hosts and later modules may add their own. */
export const ACCESS_KINDS = ['partners', 'persons', 'tasks', 'emails', 'campaigns', 'opportunities', 'offers', 'registers', 'operators', 'templates'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number] | (string & {});
export const ACCESS_ACTIONS = ['read', 'create', 'update', 'delete', 'assign', 'export'] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
/** How far a permission reaches: nothing, records I own/created/am assigned, records of my groups' members, everything. */
export const ACCESS_SCOPES = ['none', 'own', 'group', 'all'] as const;
export type AccessScope = (typeof ACCESS_SCOPES)[number];

/** `{ tasks: { read: 'group', update: 'own' } }`; an action not named is `none`. */
export type Permissions = Record<string, Partial<Record<AccessAction, AccessScope>>>;

/** A group of operators (a team, a department), with an optional manager. */
export interface Group extends StoredRecord, Timestamps {
  name: string;
  managerId: string | null;
}

/** Membership of an operator in a group (an operator may be in many). */
export interface GroupMember extends StoredRecord {
  groupId: string;
  operatorId: string;
  createdAt: Date;
}

/** A named set of permissions. Built-in roles (`administrator`, `manager`, ...) are not stored. */
export interface Role extends StoredRecord, Timestamps {
  name: string;
  permissions: Permissions;
}

/** An operator holds a role: a stored role's id or a built-in role's name. */
export interface RoleGrant extends StoredRecord {
  operatorId: string;
  roleId: string;
  createdAt: Date;
}

export type ShareLevel = 'read' | 'edit';
export type ShareableKind = 'tasks' | 'partners' | 'opportunities';

/** Access to one record given to an operator or a group beyond their role (a share, a stage, a delegation). */
export interface Share extends StoredRecord {
  kind: string;
  recordId: string;
  /** `o:<operatorId>` or `g:<groupId>`. */
  principal: string;
  level: ShareLevel;
  source: 'share' | 'stage' | 'delegation';
  createdBy: string | null;
  createdAt: Date;
}

/** Who may see a restricted register's tasks (besides administrators). */
export interface RegisterRestriction {
  groups: string[];
  operators: string[];
}

/** What an operator may do, as `GET /me` shows it. */
export interface EffectiveAccess {
  /** True for the trusted host (no operator, every permission). */
  host: boolean;
  operatorId: string | null;
  roles: string[];
  groups: Array<{ id: string; name: string }>;
  /** Operators this one stands in for today (substitutions). */
  actingFor: string[];
  administrator: boolean;
  permissions: Permissions;
}
