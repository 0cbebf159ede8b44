import type { CollectionDef, FieldDef } from '../store/schema.js';

/** Collections of access control (groups, roles, shares; substitutions are in substitution.ts); listed in `coreCollections`. */

const str = (length = 255): FieldDef => ({ type: 'string', length });
const optStr = (length = 255): FieldDef => ({ type: 'string', length, nullable: true });
const date: FieldDef = { type: 'date' };
const id = optStr(64);
const stamps = { createdAt: date, updatedAt: date };

export const groups: CollectionDef = {
  name: 'groups',
  fields: { name: str(64), managerId: id, ...stamps },
  indexes: [{ name: 'groups_name_uq', fields: ['name'], unique: true }],
};

export const groupMembers: CollectionDef = {
  name: 'group_members',
  fields: { groupId: str(64), operatorId: str(64), createdAt: date },
  indexes: [
    { name: 'group_members_uq', fields: ['groupId', 'operatorId'], unique: true },
    { name: 'group_members_operator', fields: ['operatorId'] },
  ],
};

export const roles: CollectionDef = {
  name: 'roles',
  fields: { name: str(64), permissions: { type: 'json' }, ...stamps },
  indexes: [{ name: 'roles_name_uq', fields: ['name'], unique: true }],
};

export const roleGrants: CollectionDef = {
  name: 'role_grants',
  // `roleId` is a stored role's id or a built-in role's name (`salesperson`).
  fields: { operatorId: str(64), roleId: str(64), createdAt: date },
  indexes: [{ name: 'role_grants_uq', fields: ['operatorId', 'roleId'], unique: true }],
};

export const shares: CollectionDef = {
  name: 'shares',
  fields: {
    kind: str(32),
    recordId: str(64),
    // `o:<operatorId>` or `g:<groupId>`: one indexed lookup finds everything shared with a principal's keys.
    principal: str(80),
    level: str(8),
    // `share` (explicit), `stage` (the owner of a stage of a task), `delegation`.
    source: str(16),
    createdBy: id,
    createdAt: date,
  },
  indexes: [
    { name: 'shares_uq', fields: ['kind', 'recordId', 'principal', 'source'], unique: true },
    { name: 'shares_principal', fields: ['principal', 'kind', 'recordId'] },
  ],
};

export const accessCollections: CollectionDef[] = [groups, groupMembers, roles, roleGrants, shares];
