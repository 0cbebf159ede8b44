import type { Unit } from '../../context.js';
import { domainOf, isFreemail } from '../../domain/freemail.js';
import type { Email, MailAddress, MailPolicy } from '../../domain/email-types.js';
import type { Partner, Person } from '../../domain/types.js';
import type { Batch } from './batch.js';
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
}

/** Persons by address, partners by address or work domain; outbound when one of us sent it. */
export function findParticipants(batch: Batch, p: Prepared, policy: MailPolicy): Participants {
  const own = (address: string) => isOwnAddress(address, policy);
  const everyone = [p.from, ...p.to, ...p.cc, ...p.replyTo].filter((a): a is MailAddress => a !== null);
  const addresses = [...new Set(everyone.map((a) => a.address))].filter((a) => !isBlocked(a, policy.blocklist));
  const { operatorAddresses, persons, partners } = batch.participants(addresses, (a) => !own(a) && !isFreemail(domainOf(a)));
  const isUs = (a: string) => own(a) || operatorAddresses.has(a);
  const direction: Email['direction'] = p.from && isUs(p.from.address) ? 'outbound' : 'inbound';
  return { everyone, external: addresses.filter((a) => !isUs(a)), direction, persons, partners };
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
  batch.learn(created.person, created.partner);
}
