import type { Context } from '../../context.js';
import { ACCESS_ACTIONS, type AccessAction, type EffectiveAccess } from '../../domain/access-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import type { StoredRecord } from '../../store/schema.js';
import * as v from '../../validate.js';
import { allows } from './engine.js';
import { scopeOf } from './permissions.js';
import type { Principal } from './principal.js';
import { GOVERNED } from './rules.js';
import { upgradeAccess, type AccessUpgradeReport } from './upgrade.js';

/**
 * The acting operator's principal, or null for the trusted host. A host context an operator
 * turned into (`anna.as(null)`) is FORBIDDEN here unless they administer access, as on any read.
 */
export async function actingPrincipal(ctx: Context): Promise<Principal | null> {
  if (ctx.actorId !== null) return ctx.access.principal(ctx.rootStore, ctx.actorId);
  await ctx.guard?.();
  return null;
}

/** Refuses everyone but the trusted host and administrators: changing roles, groups and register rules. */
export async function requireAdministrator(ctx: Context, what: string): Promise<void> {
  const p = await actingPrincipal(ctx);
  if (p === null || p.administrator) return;
  const who = p.operator?.email ?? p.operatorId;
  throw new RapportError('FORBIDDEN', `operator ${who} may not ${what}: only the administrator role administers access`, { details: { action: what } });
}

/** Refuses an action on a kind without owners (operators) unless some role gives it a scope. */
export async function requirePermission(ctx: Context, kind: string, action: AccessAction, what: string): Promise<void> {
  const p = await actingPrincipal(ctx);
  if (p === null || scopeOf(p.permissions, kind, action) !== 'none') return;
  const who = p.operator?.email ?? p.operatorId;
  throw new RapportError('FORBIDDEN', `operator ${who} may not ${action} ${kind} ${what}: no role grants ${kind}.${action}`, { details: { action, kind } });
}

/** The collection a kind's records live in (the kinds are named after their collections). */
const collectionOf = (kind: string) => (GOVERNED[kind] ? kind : null);

/** What the acting operator may do: effective permissions and single checks. */
export function accessModule(ctx: Context) {
  return {
    /**
     * An operator's roles, groups, stand-ins and merged permissions (default: the acting one);
     * what `GET /me` shows. The trusted host (`host: true`) has every permission; an operator's
     * context turned into the host's (`anna.as(null)`) is FORBIDDEN unless they administer access.
     */
    async effective(operatorId?: string): Promise<EffectiveAccess> {
      const id = operatorId === undefined ? ctx.actorId : v.id('operatorId', operatorId);
      if (id === null) {
        await ctx.guard?.();
        return {
          host: true,
          operatorId: null,
          roles: ['administrator'],
          groups: [],
          actingFor: [],
          administrator: true,
          permissions: { '*': Object.fromEntries(ACCESS_ACTIONS.map((a) => [a, 'all'])) },
        };
      }
      if (id !== ctx.actorId) {
        if (!(await ctx.store.get<Operator>('operators', id))) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(id)} does not exist`);
      }
      const p = await ctx.access.principal(ctx.rootStore, id);
      return {
        host: false,
        operatorId: id,
        roles: p.roles.map((r) => r.name),
        groups: p.groups,
        actingFor: p.actingFor,
        administrator: p.administrator,
        permissions: p.permissions,
      };
    },

    /**
     * Upgrades data written before access control (legacy group names, history items and e-mails
     * without their task's access fields); idempotent. Administrators and the trusted host.
     */
    upgrade(): Promise<AccessUpgradeReport> {
      return upgradeAccess(ctx);
    },

    /**
     * Whether the acting operator may do `action` on `kind` at all (some scope other than none),
     * or, given a record, on that record (its owner, groups, privacy, register and shares).
     */
    async can(kind: string, action: AccessAction, record?: StoredRecord): Promise<boolean> {
      if (!ACCESS_ACTIONS.includes(action)) throw invalid('action', `must be one of ${ACCESS_ACTIONS.join(', ')}`, action);
      const p = await actingPrincipal(ctx);
      if (p === null) return true;
      if (!record) return scopeOf(p.permissions, kind, action) !== 'none';
      const collection = collectionOf(kind);
      if (!collection) return scopeOf(p.permissions, kind, action) !== 'none';
      return (action === 'create' || allows(p, collection, 'read', record)) && allows(p, collection, action, record);
    },
  };
}
