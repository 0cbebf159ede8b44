import type { Unit } from '../../context.js';
import { domainOf, isFreemail } from '../../domain/freemail.js';
import type { Email, MailAddress, MailPolicy } from '../../domain/email-types.js';
import type { Partner, Person } from '../../domain/types.js';
import type { AddressOwner, Batch } from './batch.js';
import type { Prepared } from './normalize.js';
import { isBlocked, isOwnAddress } from './policy.js';
import { createProspect } from './prospects.js';

/** Who a message concerns, as far as the CRM knows them. */
export interface Participants {
  /** Every address on the message, in header order (from, to, cc, reply-to). */
  everyone: MailAddress[];
  /** Addresses that are neither ours (own domains, operators) nor blocked. */
  external: string[];
  direction: Email['direction'];
  /** Linked persons by id; the prospect step may add one. */
  persons: Map<string, Person>;
  /** Linked partners by id: by address, by work domain, or through a linked person. */
  partners: Map<string, Partner>;
  /** Who each external address is. */
  owners: Map<string, AddressOwner>;
}

/** Persons by address, partners by address or work domain; outbound when one of us sent it. */
export function findParticipants(batch: Batch, p: Prepared, policy: MailPolicy): Participants {
  const own = (address: string) => isOwnAddress(address, policy);
  const everyone = [p.from, ...p.to, ...p.cc, ...p.replyTo].filter((a): a is MailAddress => a !== null);
  const addresses = [...new Set(everyone.map((a) => a.address))].filter((a) => !isBlocked(a, policy.blocklist));
  const { operatorAddresses, persons, partners, owners } = batch.participants(addresses, (a) => !own(a) && !isFreemail(domainOf(a)));
  const isUs = (a: string) => own(a) || operatorAddresses.has(a);
  const direction: Email['direction'] = p.from && isUs(p.from.address) ? 'outbound' : 'inbound';
  return { everyone, external: addresses.filter((a) => !isUs(a)), direction, persons, partners, owners };
}

/**
 * Whose matter a message is, for its task: the sender's partner for inbound mail, the first
 * recipient's (To, then Cc) for outbound — the first such address with a partner, in header
 * order, with its person when that person is at the partner. Without any partner, the first
 * person. Header order makes it deterministic, never the order a database returns rows in.
 */
export function taskOwner(p: Prepared, people: Participants): { partnerId: string | null; personId: string | null } {
  const order = people.direction === 'inbound' ? [p.from, ...p.to, ...p.cc, ...p.replyTo] : [...p.to, ...p.cc, ...p.replyTo];
  const owners = order.flatMap((a) => (a && people.external.includes(a.address) && people.owners.has(a.address) ? [people.owners.get(a.address)!] : []));
  const withPartner = owners.find((o) => o.partner);
  if (withPartner) {
    const { person, partner } = withPartner;
    return { partnerId: partner!.id, personId: person && (!person.partnerId || person.partnerId === partner!.id) ? person.id : null };
  }
  const withPerson = owners.find((o) => o.person);
  return { partnerId: null, personId: withPerson?.person?.id ?? null };
}

/**
 * Creates a prospect (person, and partner by work domain) for the sender of an inbound message,
 * else the first external address, and adds it to the participants and the batch's index.
 */
export async function addProspect(unit: Unit, batch: Batch, p: Prepared, people: Participants): Promise<void> {
  const who = (people.direction === 'inbound' ? p.from : null) ?? people.everyone.find((a) => people.external.includes(a.address))!;
  const created = await createProspect(unit, who);
  people.persons.set(created.person.id, created.person);
  if (created.partner) people.partners.set(created.partner.id, created.partner);
  people.owners.set(who.address, created);
  batch.learn(created.person, created.partner);
}
