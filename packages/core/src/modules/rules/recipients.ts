import type { Crm } from '../../crm.js';
import type { RuleRecipient } from '../../domain/rule-types.js';
import type { Operator, Person } from '../../domain/types.js';
import type { Group, GroupMember } from '../../domain/access-types.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';

/** One addressee of a rule's message: an operator (in-app, e-mail, SMS), a contact person or a plain address. */
export type Target = { type: 'operator'; operator: Operator } | { type: 'person'; person: Person } | { type: 'address'; address: string };

/** A target's part of an outbox key: stable across runs, so a repeat finds the first row. */
export const targetKey = (t: Target) => (t.type === 'operator' ? `op:${t.operator.id}` : t.type === 'person' ? `person:${t.person.id}` : `to:${t.address}`);

/**
 * Who a rule's recipients are now, each once: operators named, members of groups (by id or name),
 * the record's owner, the contact persons of its partner, plain addresses. Inactive operators are
 * left out; whether an operator may see the record is the caller's check.
 */
export async function resolveTargets(
  root: Crm,
  recipients: RuleRecipient[],
  record: Record<string, unknown> | null,
  recordKind: string | null,
): Promise<Target[]> {
  const operatorIds = new Set<string>();
  const persons = new Map<string, Person>();
  const addresses = new Set<string>();
  for (const r of recipients) {
    if ('operator' in r) operatorIds.add(r.operator);
    else if ('group' in r) {
      const group =
        (await root.store.get<Group>('groups', r.group)) ?? (await root.store.find<Group>('groups', { where: where.eq('name', r.group), limit: 1 })).items[0];
      if (!group) continue;
      for (const m of await readAll<GroupMember>(root.store, 'group_members', { where: where.eq('groupId', group.id) })) operatorIds.add(m.operatorId);
    } else if ('owner' in r) {
      if (typeof record?.ownerId === 'string') operatorIds.add(record.ownerId);
    } else if ('contacts' in r) {
      const partnerId = recordKind === 'partner' ? record?.id : record?.partnerId;
      if (typeof partnerId !== 'string') continue;
      for (const p of await readAll<Person>(root.store, 'persons', { where: where.eq('partnerId', partnerId), sort: [{ field: 'id' }] })) persons.set(p.id, p);
    } else if ('email' in r) addresses.add(r.email.toLowerCase());
  }
  const operators = (await Promise.all([...operatorIds].map((id) => root.store.get<Operator>('operators', id)))).filter((o): o is Operator => !!o?.active);
  const known = new Set(operators.map((o) => o.email.toLowerCase()));
  return [
    ...operators.map((operator) => ({ type: 'operator' as const, operator })),
    ...[...persons.values()].map((person) => ({ type: 'person' as const, person })),
    ...[...addresses].filter((a) => !known.has(a)).map((address) => ({ type: 'address' as const, address })),
  ];
}

/** Where a channel reaches a target, or null when it cannot (in-app is for operators; SMS needs a phone). */
export function addressOf(t: Target, channel: string): string | null {
  if (channel === 'inapp') return t.type === 'operator' ? t.operator.id : null;
  if (channel === 'email') return t.type === 'operator' ? t.operator.email : t.type === 'person' ? (t.person.emails[0] ?? null) : t.address;
  if (channel === 'sms') return t.type === 'operator' ? t.operator.phone : t.type === 'person' ? (t.person.phones[0] ?? null) : null;
  return null;
}

/** The template's `recipient`. */
export function recipientOf(t: Target) {
  if (t.type === 'operator') return { name: t.operator.name, email: t.operator.email, ...(t.operator.phone ? { phone: t.operator.phone } : {}) };
  if (t.type === 'person')
    return {
      name: `${t.person.firstName} ${t.person.lastName}`.trim(),
      firstName: t.person.firstName,
      lastName: t.person.lastName,
      ...(t.person.emails[0] ? { email: t.person.emails[0] } : {}),
      ...(t.person.phones[0] ? { phone: t.person.phones[0] } : {}),
    };
  return { email: t.address };
}
