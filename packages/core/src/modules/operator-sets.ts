import type { GroupMember, Group } from '../domain/access-types.js';
import type { Operator } from '../domain/types.js';
import { where } from '../store/filter.js';
import type { VisibleReads } from './visible.js';

/**
 * The active operators named directly plus the members of the groups (group records, named by
 * id or by name); null when neither was given (everyone).
 */
export async function operatorsIn(reads: VisibleReads, operators?: string[], groups?: string[]): Promise<string[] | null> {
  if (!operators && !groups) return null;
  const ids = new Set(operators ?? []);
  if (groups && groups.length > 0) {
    const groupIds = (await reads.readAll<Group>('groups', { where: where.or(where.in('id', groups), where.in('name', groups)) })).map((g) => g.id);
    if (groupIds.length > 0) {
      for await (const m of reads.findAll<GroupMember>('group_members', { where: where.in('groupId', groupIds) })) ids.add(m.operatorId);
    }
  }
  if (ids.size === 0) return [];
  const active = await reads.readAll<Operator>('operators', { where: where.and(where.in('id', [...ids]), where.eq('active', true)) });
  const known = new Set(active.map((o) => o.id));
  // Operators named directly stay even when unknown: the caller's own checks name them (NOT_FOUND).
  return [...ids].filter((id) => known.has(id) || operators?.includes(id));
}
