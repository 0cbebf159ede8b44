import type { Unit } from '../context.js';
import type { ContactKey } from '../domain/types.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';

/** Keeps the address/domain index of one owner in step with its record. */
export async function syncContactKeys(
  unit: Unit,
  ownerType: ContactKey['ownerType'],
  ownerId: string,
  keys: { emails: string[]; domains?: string[] },
) {
  await unit.tx.deleteWhere('contact_keys', where.and(where.eq('ownerId', ownerId), where.eq('ownerType', ownerType)));
  const rows: ContactKey[] = [
    ...keys.emails.map((value) => ({ kind: 'email' as const, value })),
    ...(keys.domains ?? []).map((value) => ({ kind: 'domain' as const, value })),
  ].map((k) => ({ id: newId(unit.now.getTime()), version: 1, ...k, ownerType, ownerId, exclusive: k.kind === 'domain' ? `domain:${k.value}` : null }));
  if (rows.length > 0) await unit.tx.createMany('contact_keys', rows);
}

/** The owners of an address or domain, oldest first. */
export async function lookupKey(unit: Unit, kind: ContactKey['kind'], value: string, ownerType?: ContactKey['ownerType']) {
  const page = await unit.tx.find<ContactKey>('contact_keys', {
    where: where.and(where.eq('kind', kind), where.eq('value', value), ownerType ? where.eq('ownerType', ownerType) : undefined),
    sort: [{ field: 'id' }],
    limit: 50,
  });
  return page.items;
}
