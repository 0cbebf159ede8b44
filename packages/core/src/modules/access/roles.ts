import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import type { Permissions, Role, RoleGrant } from '../../domain/access-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { requireAdministrator } from './access.js';
import { BUILT_IN_ROLES, checkPermissions } from './permissions.js';

export interface RoleInput {
  name: string;
  permissions: Permissions;
}

/** A built-in role as a record (never stored: version 0, the epoch as its dates). */
function builtIn(name: string): Role {
  return { id: name, version: 0, name, permissions: BUILT_IN_ROLES[name]!, createdAt: new Date(0), updatedAt: new Date(0) };
}

const isBuiltIn = (idOrName: string) => Object.hasOwn(BUILT_IN_ROLES, idOrName);

/** A role by id or name, built-in or stored; NOT_FOUND otherwise. */
async function findRole(unit: Unit, idOrName: string): Promise<Role> {
  const key = v.text('role', idOrName, { max: 64 });
  if (isBuiltIn(key)) return builtIn(key);
  const byId = await unit.tx.get<Role>('roles', key);
  if (byId) return byId;
  const byName = (await unit.tx.find<Role>('roles', { where: where.eq('name', key), limit: 1 })).items[0];
  if (!byName) throw new RapportError('NOT_FOUND', `role ${JSON.stringify(key)} does not exist (built-in roles: ${Object.keys(BUILT_IN_ROLES).join(', ')})`);
  return byName;
}

function checkName(name: unknown): string {
  const n = v.text('role.name', name, { max: 64 });
  if (isBuiltIn(n)) throw new RapportError('CONFLICT', `role.name ${n} is a built-in role`);
  return n;
}

/** Roles: named permissions per record kind and action, granted to operators (audited). */
export function rolesModule(ctx: Context) {
  return {
    /** Creates a role; administrators only. */
    create(input: RoleInput): Promise<Role> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'create roles');
        if (!input || typeof input !== 'object') throw invalid('role', 'must be an object', input);
        const name = checkName(input.name);
        const clash = await unit.tx.find<Role>('roles', { where: where.eq('name', name), limit: 1 });
        if (clash.items.length) throw new RapportError('CONFLICT', `role.name ${name} is already used by role ${clash.items[0]!.id}`);
        const role: Role = {
          id: newId(unit.now.getTime()),
          version: 1,
          name,
          permissions: checkPermissions(input.permissions),
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        await unit.tx.create('roles', role);
        await unit.audit('role', role.id, 'permissions', null, role.permissions);
        return role;
      });
    },

    /** Changes a stored role's name or permissions; built-in roles cannot change. */
    update(idOrName: string, patch: Partial<RoleInput>, options: { expectedVersion?: number } = {}): Promise<Role> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'change roles');
        const role = await findRole(unit, idOrName);
        if (isBuiltIn(role.id)) throw new RapportError('FORBIDDEN', `role ${role.name} is built in and cannot change: create a role of your own`);
        const fields: Partial<Role> = {};
        if (patch.name !== undefined) fields.name = checkName(patch.name);
        if (patch.permissions !== undefined) fields.permissions = checkPermissions(patch.permissions);
        const saved = await unit.save('roles', role, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        if (fields.permissions) await unit.audit('role', role.id, 'permissions', role.permissions, saved.permissions);
        if (fields.name) await unit.audit('role', role.id, 'name', role.name, saved.name);
        return saved;
      });
    },

    /** A role by id or name (built-in roles by name). */
    get(idOrName: string): Promise<Role> {
      return inRead(ctx, (unit) => findRole(unit, idOrName));
    },

    /** Every role: the built-in ones first, then the stored ones by name. */
    async list(): Promise<Role[]> {
      const stored = await readAll<Role>(ctx.store, 'roles', { sort: [{ field: 'name' }] });
      return [...Object.keys(BUILT_IN_ROLES).map(builtIn), ...stored];
    },

    /** The roles granted to an operator (none granted: they act with the default role). */
    async of(operatorId: string): Promise<Role[]> {
      const grants = await readAll<RoleGrant>(ctx.store, 'role_grants', { where: where.eq('operatorId', v.id('operatorId', operatorId)) });
      return inRead(ctx, async (unit) => {
        const out: Role[] = [];
        // A grant of a role deleted since grants nothing.
        for (const g of grants)
          out.push(
            ...(await findRole(unit, g.roleId).then(
              (r) => [r],
              () => [],
            )),
          );
        return out;
      });
    },

    /** Grants a role to an operator (no-op if held); audited on the operator. */
    grant(operatorId: string, roleIdOrName: string): Promise<RoleGrant> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'grant roles');
        const op = await unit.load<Operator>('operators', v.id('operatorId', operatorId), 'operator', 'operatorId');
        const role = await findRole(unit, roleIdOrName);
        const held = (await unit.tx.find<RoleGrant>('role_grants', { where: where.and(where.eq('operatorId', op.id), where.eq('roleId', role.id)), limit: 1 }))
          .items[0];
        if (held) return held;
        const grant: RoleGrant = { id: newId(unit.now.getTime()), version: 1, operatorId: op.id, roleId: role.id, createdAt: unit.now };
        await unit.tx.create('role_grants', grant);
        await unit.audit('operator', op.id, 'roles', null, role.name);
        return grant;
      });
    },

    /** Takes a role from an operator; true when it was held. Audited on the operator. */
    revoke(operatorId: string, roleIdOrName: string): Promise<boolean> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'revoke roles');
        const op = await unit.load<Operator>('operators', v.id('operatorId', operatorId), 'operator', 'operatorId');
        const role = await findRole(unit, roleIdOrName);
        const n = await unit.tx.deleteWhere('role_grants', where.and(where.eq('operatorId', op.id), where.eq('roleId', role.id)));
        if (n > 0) await unit.audit('operator', op.id, 'roles', role.name, null);
        return n > 0;
      });
    },
  };
}
