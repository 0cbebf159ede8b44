import { inRead, inUnit, type Context, type Unit } from '../../context.js';
import type { Group, GroupMember } from '../../domain/access-types.js';
import type { Operator } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { findAll, readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { actingPrincipal, requireAdministrator } from './access.js';

export interface GroupInput {
  name: string;
  managerId?: string | null;
}

const checkName = (name: unknown) => v.text('group.name', name, { max: 64 });

async function createGroup(unit: Unit, input: GroupInput): Promise<Group> {
  if (!input || typeof input !== 'object') throw invalid('group', 'must be an object', input);
  const name = checkName(input.name);
  const clash = (await unit.tx.find<Group>('groups', { where: where.eq('name', name), limit: 1 })).items[0];
  if (clash) throw new RapportError('CONFLICT', `group.name ${name} is already used by group ${clash.id}`);
  const managerId = v.id('group.managerId', input.managerId, true);
  if (managerId) await unit.load<Operator>('operators', managerId, 'operator', 'group.managerId');
  const group: Group = { id: newId(unit.now.getTime()), version: 1, name, managerId, createdAt: unit.now, updatedAt: unit.now };
  await unit.tx.create('groups', group);
  await unit.audit('group', group.id, 'name', null, name);
  return group;
}

/** Adds an operator to a group unless a member already; audited. */
async function addMember(unit: Unit, group: Group, operatorId: string): Promise<GroupMember> {
  const held = (
    await unit.tx.find<GroupMember>('group_members', { where: where.and(where.eq('groupId', group.id), where.eq('operatorId', operatorId)), limit: 1 })
  ).items[0];
  if (held) return held;
  const member: GroupMember = { id: newId(unit.now.getTime()), version: 1, groupId: group.id, operatorId, createdAt: unit.now };
  await unit.tx.create('group_members', member);
  await unit.audit('group', group.id, 'members', null, operatorId);
  return member;
}

/** The group of this name, created when missing (operators' legacy `groups` strings). */
async function groupNamed(unit: Unit, name: string): Promise<Group> {
  return (await unit.tx.find<Group>('groups', { where: where.eq('name', name), limit: 1 })).items[0] ?? createGroup(unit, { name });
}

/**
 * Makes an operator's `groups` names real memberships: a group record per name (created when
 * missing) with the operator in it. Memberships are only added: `groups` strings are the old way
 * to say it, kept readable, and removing a member is `groups.removeMember`.
 */
export async function syncLegacyGroups(unit: Unit, operator: Pick<Operator, 'id' | 'groups'>): Promise<void> {
  for (const name of operator.groups ?? []) await addMember(unit, await groupNamed(unit, name), operator.id);
}

/** Groups of operators (teams, departments): what the `group` scope and group shares reach. */
export function groupsModule(ctx: Context) {
  // A group's manager may change its members; changing groups otherwise is for administrators.
  const mayManage = async (group: Group, what: string) => {
    const p = await actingPrincipal(ctx);
    if (p && group.managerId && group.managerId === p.operatorId) return;
    await requireAdministrator(ctx, what);
  };

  return {
    /** Creates a group; administrators only. */
    create(input: GroupInput): Promise<Group> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'create groups');
        return createGroup(unit, input);
      });
    },

    /** Renames a group or changes its manager. */
    update(id: string, patch: Partial<GroupInput>, options: { expectedVersion?: number } = {}): Promise<Group> {
      return inUnit(ctx, async (unit) => {
        await requireAdministrator(ctx, 'change groups');
        const group = await unit.load<Group>('groups', id, 'group');
        const fields: Partial<Group> = {};
        if (patch.name !== undefined) {
          fields.name = checkName(patch.name);
          const clash = (await unit.tx.find<Group>('groups', { where: where.eq('name', fields.name), limit: 1 })).items[0];
          if (clash && clash.id !== id) throw new RapportError('CONFLICT', `group.name ${fields.name} is already used by group ${clash.id}`);
        }
        if (patch.managerId !== undefined) {
          fields.managerId = v.id('group.managerId', patch.managerId, true);
          if (fields.managerId) await unit.load<Operator>('operators', fields.managerId, 'operator', 'group.managerId');
        }
        const saved = await unit.save('groups', group, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        for (const field of ['name', 'managerId'] as const)
          if (field in fields && group[field] !== saved[field]) await unit.audit('group', id, field, group[field], saved[field]);
        return saved;
      });
    },

    /** Puts an operator in a group (an operator may be in many); audited. */
    addMember(groupId: string, operatorId: string): Promise<GroupMember> {
      return inUnit(ctx, async (unit) => {
        const group = await unit.load<Group>('groups', groupId, 'group');
        await mayManage(group, `change the members of group ${group.name}`);
        const op = await unit.load<Operator>('operators', v.id('operatorId', operatorId), 'operator', 'operatorId');
        return addMember(unit, group, op.id);
      });
    },

    /** Takes an operator out of a group; true when they were in it. Audited. */
    removeMember(groupId: string, operatorId: string): Promise<boolean> {
      return inUnit(ctx, async (unit) => {
        const group = await unit.load<Group>('groups', groupId, 'group');
        await mayManage(group, `change the members of group ${group.name}`);
        const id = v.id('operatorId', operatorId);
        const n = await unit.tx.deleteWhere('group_members', where.and(where.eq('groupId', group.id), where.eq('operatorId', id)));
        if (n > 0) await unit.audit('group', group.id, 'members', id, null);
        return n > 0;
      });
    },

    get(id: string): Promise<Group> {
      return inRead(ctx, (unit) => unit.load<Group>('groups', id, 'group'));
    },

    /** Every group, by name. */
    list(): Promise<Group[]> {
      return readAll<Group>(ctx.store, 'groups', { sort: [{ field: 'name' }] });
    },

    /** Operator ids of a group's members. */
    async members(groupId: string): Promise<string[]> {
      const group = await this.get(groupId);
      return (await readAll<GroupMember>(ctx.store, 'group_members', { where: where.eq('groupId', group.id) })).map((m) => m.operatorId);
    },

    /** The groups an operator is in, by name. */
    async groupsOf(operatorId: string): Promise<Group[]> {
      const ids = (await readAll<GroupMember>(ctx.store, 'group_members', { where: where.eq('operatorId', v.id('operatorId', operatorId)) })).map(
        (m) => m.groupId,
      );
      if (ids.length === 0) return [];
      return readAll<Group>(ctx.store, 'groups', { where: where.in('id', ids), sort: [{ field: 'name' }] });
    },

    /**
     * Upgrades data from before groups were records: every operator's `groups` names become
     * group records with the operator as member. Idempotent; returns the memberships it added.
     */
    async upgradeLegacy(): Promise<number> {
      await requireAdministrator(ctx, 'upgrade groups');
      let added = 0;
      for await (const op of findAll<Operator>(ctx.store, 'operators')) {
        if (!op.groups?.length) continue;
        added += await inUnit(ctx, async (unit) => {
          const before = await unit.tx.count('group_members', where.eq('operatorId', op.id));
          await syncLegacyGroups(unit, op);
          return (await unit.tx.count('group_members', where.eq('operatorId', op.id))) - before;
        });
      }
      return added;
    },
  };
}
