import { ACCESS_ACTIONS, ACCESS_KINDS, ACCESS_SCOPES, type AccessAction, type AccessScope, type Permissions } from '../../domain/access-types.js';
import { invalid } from '../../errors.js';

const RANK: Record<AccessScope, number> = { none: 0, own: 1, group: 2, all: 3 };

/** The wider of two scopes. */
export const wider = (a: AccessScope, b: AccessScope): AccessScope => (RANK[a] >= RANK[b] ? a : b);
export const atLeast = (scope: AccessScope, min: AccessScope) => RANK[scope] >= RANK[min];

const every = (scope: AccessScope) => Object.fromEntries(ACCESS_ACTIONS.map((a) => [a, scope])) as Record<AccessAction, AccessScope>;
const allKinds = (actions: Record<AccessAction, AccessScope>): Permissions => Object.fromEntries(ACCESS_KINDS.map((k) => [k, { ...actions }]));

/** The built-in roles: not stored, granted by name, and not editable (create your own instead). */
export const BUILT_IN_ROLES: Record<string, Permissions> = {
  // Everything on every kind, and the administration of roles, groups and restricted registers.
  administrator: allKinds(every('all')),
  // Sees and works everyone's records, but administers no access (roles, groups, register rules).
  manager: allKinds(every('all')),
  // Own and group tasks, every partner readable but only own ones editable.
  salesperson: {
    partners: { read: 'all', create: 'own', update: 'own', assign: 'own', delete: 'none', export: 'own' },
    persons: { read: 'all', create: 'all', update: 'all', delete: 'none', assign: 'none', export: 'own' },
    tasks: { read: 'group', create: 'own', update: 'group', assign: 'own', delete: 'own', export: 'own' },
    emails: { read: 'all', create: 'own', update: 'own', delete: 'none', assign: 'none', export: 'own' },
    campaigns: { read: 'all', create: 'none', update: 'none', delete: 'none', assign: 'none', export: 'none' },
    opportunities: { read: 'group', create: 'own', update: 'own', assign: 'own', delete: 'own', export: 'own' },
    offers: { read: 'group', create: 'own', update: 'own', assign: 'own', delete: 'own', export: 'own' },
    registers: { read: 'all', create: 'none', update: 'none', delete: 'none', assign: 'none', export: 'none' },
  },
  // Works the tasks of their groups (complaints, support); reads partners and people.
  service: {
    partners: { read: 'all' },
    persons: { read: 'all', create: 'all', update: 'all' },
    tasks: { read: 'group', create: 'group', update: 'group', assign: 'group', delete: 'own', export: 'group' },
    emails: { read: 'all', create: 'own', update: 'own' },
    campaigns: { read: 'all' },
    opportunities: { read: 'none' },
    offers: { read: 'none' },
    registers: { read: 'all' },
  },
  'read-only': allKinds({ ...every('none'), read: 'all' }),
};

/** The role an operator holds when no role was granted to them (see docs/decisions/0101). */
export const DEFAULT_ROLE = 'manager';

/** The scope a set of permissions gives for an action on a kind (`none` when not named). */
export const scopeOf = (permissions: Permissions, kind: string, action: AccessAction): AccessScope => permissions[kind]?.[action] ?? 'none';

/** Checks a role's permissions: known actions and scopes, kinds as short names. */
export function checkPermissions(value: unknown): Permissions {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid('role.permissions', 'must be an object of kinds', value);
  const out: Permissions = {};
  for (const [kind, actions] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(kind)) throw invalid('role.permissions', 'has a kind that is not a lowercase name', kind);
    if (!actions || typeof actions !== 'object' || Array.isArray(actions)) throw invalid(`role.permissions.${kind}`, 'must be an object of actions', actions);
    out[kind] = {};
    for (const [action, scope] of Object.entries(actions as Record<string, unknown>)) {
      if (!(ACCESS_ACTIONS as readonly string[]).includes(action))
        throw invalid(`role.permissions.${kind}`, `has an unknown action (allowed: ${ACCESS_ACTIONS.join(', ')})`, action);
      if (!(ACCESS_SCOPES as readonly string[]).includes(scope as string))
        throw invalid(`role.permissions.${kind}.${action}`, `must be one of ${ACCESS_SCOPES.join(', ')}`, scope);
      out[kind][action as AccessAction] = scope as AccessScope;
    }
  }
  return out;
}
