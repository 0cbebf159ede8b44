import type { Unit } from '../context.js';
import type { ContactKey } from '../domain/types.js';
import { isFreemail } from '../domain/freemail.js';
import { domainAndParents, untaggedAddress } from '../domain/mail-address.js';
import { newId } from '../ids.js';
import { where } from '../store/filter.js';

/** Keeps the address/domain index of one owner in step with its record. */
export async function syncContactKeys(unit: Unit, ownerType: ContactKey['ownerType'], ownerId: string, keys: { emails: string[]; domains?: string[] }) {
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

/**
 * The partner owning a domain: the most specific registered domain wins, so mail from
 * `ro.carpati.example` belongs to whoever registered `ro.carpati.example`, else `carpati.example`.
 * Free-mail domains belong to nobody. `domain` is canonical (domainOf).
 */
export async function partnerKeyForDomain(unit: Unit, domain: string): Promise<ContactKey | null> {
  if (isFreemail(domain)) return null;
  const candidates = domainAndParents(domain);
  const page = await unit.tx.find<ContactKey>('contact_keys', {
    where: where.and(where.eq('kind', 'domain'), where.in('value', candidates), where.eq('ownerType', 'partner')),
    sort: [{ field: 'id' }],
    limit: 50,
  });
  for (const d of candidates) {
    const key = page.items.find((k) => k.value === d);
    if (key) return key;
  }
  return null;
}

/**
 * The owners of an address: those of the address itself, else of its untagged form
 * (`jan+crm@zefir.example` → `jan@zefir.example`). `address` is canonical.
 */
export async function lookupAddress(unit: Unit, address: string, ownerType?: ContactKey['ownerType']) {
  const exact = await lookupKey(unit, 'email', address, ownerType);
  const plain = untaggedAddress(address);
  return exact.length > 0 || !plain ? exact : lookupKey(unit, 'email', plain, ownerType);
}
