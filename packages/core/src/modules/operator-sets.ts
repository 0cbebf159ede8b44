import type { Operator } from '../domain/types.js';
import { where } from '../store/filter.js';
import type { VisibleReads } from './visible.js';

/**
 * The operators named directly plus the active members of the groups (an operator's `groups`);
 * null when neither was given. Groups live in a JSON array the filter language cannot search, and
 * the operator list is small, so members are picked while reading the active operators.
 */
export async function operatorsIn(reads: VisibleReads, operators?: string[], groups?: string[]): Promise<string[] | null> {
  if (!operators && !groups) return null;
  const out = new Set(operators ?? []);
  if (groups && groups.length > 0) {
    for await (const op of reads.findAll<Operator>('operators', { where: where.eq('active', true) })) {
      if (op.groups.some((g) => groups.includes(g))) out.add(op.id);
    }
  }
  return [...out];
}
