import type { Unit } from '../../context.js';
import { domainOf, isFreemail } from '../../domain/freemail.js';
import type { Email, EmailLocation, MailPolicy } from '../../domain/email-types.js';
import type { ContactKey, Partner, Person, Task, TaskEntry, TimelineItem } from '../../domain/types.js';
import { where, type Filter } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Page } from '../../store/store.js';
import type { Prepared } from './normalize.js';
import { isBlocked } from './policy.js';
import { threadRoot } from './threading.js';
import { domainAndParents, untaggedAddress } from '../../domain/mail-address.js';
import { readAll } from '../../store/find-all.js';

/** Who one address is: its person (the oldest, if several share it) and the partner it belongs to. */
export interface AddressOwner {
  person: Person | null;
  /** The person's partner, else the partner owning the address, else the one owning its domain. */
  partner: Partner | null;
}

/** What a batch of messages reads once and the records it writes at its end. */
export interface Batch {
  /** Stored e-mails by message key: prefetched for the batch, plus those it creates. */
  known: Map<string, Email>;
  /** First pages of thread-relative queries, shared by the batch's messages (see findThread). */
  firstPages: Map<string, Promise<Page<Email>>>;
  /**
   * Of the thread keys and Message-IDs the batch's messages look up, those some stored e-mail
   * has (read once per batch): a message with no stored relative places itself without a query.
   */
  storedThreadKeys: Set<string>;
  storedMessageKeys: Set<string>;
  tasks: Map<string, Task>;
  /** Stored tasks that gained mail in this batch: touched (`updatedAt`) once, at its end. */
  touched: Set<string>;
  emails: Email[];
  locations: EmailLocation[];
  entries: TaskEntry[];
  timeline: TimelineItem[];
  /** Who each address is: operators ("us"), persons and partners linked, and each address's owner. */
  participants(
    addresses: string[],
    workDomain: (address: string) => boolean,
  ): { operatorAddresses: Set<string>; persons: Map<string, Person>; partners: Map<string, Partner>; owners: Map<string, AddressOwner> };
  /** Adds a prospect made during the batch to the address index. */
  learn(person: Person, partner: Partner | null): void;
  flush(): Promise<void>;
}

const CHUNK = 500;

/** Which of `values` some record of `collection` has in `field` (one grouped count per chunk, no rows read). */
async function presentIn(unit: Unit, collection: string, field: string, values: Iterable<string>): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await unit.tx.aggregate(collection, {
      where: where.in(field, unique.slice(i, i + CHUNK)),
      groupBy: [field],
      measures: { n: { fn: 'count' } },
    });
    for (const row of rows) if (typeof row.group[field] === 'string') out.add(row.group[field] as string);
  }
  return out;
}

async function findIn<T extends StoredRecord>(unit: Unit, collection: string, field: string, values: string[], extra?: Filter): Promise<T[]> {
  const out: T[] = [];
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    out.push(...(await readAll<T>(unit.tx, collection, { where: where.or(where.in(field, unique.slice(i, i + CHUNK)), extra) })));
  }
  return out;
}

/**
 * Reads what a batch of messages needs in a few queries (stored copies, thread relatives,
 * address owners) instead of several per message, and collects the records to write at the end.
 */
export async function openBatch(unit: Unit, messages: Prepared[], policy: MailPolicy): Promise<Batch> {
  const keys = messages.map((p) => p.key);
  const known = new Map((await findIn<Email>(unit, 'emails', 'messageKey', keys)).map((e) => [e.messageKey, e]));
  const storedThreadKeys = await presentIn(
    unit,
    'emails',
    'threadKey',
    messages.flatMap((p) => [threadRoot(p), p.key]),
  );
  const storedMessageKeys = await presentIn(
    unit,
    'emails',
    'messageKey',
    messages.flatMap((p) => p.threadRefs),
  );

  const addresses = new Set<string>();
  const domains = new Set<string>();
  for (const p of messages) {
    for (const a of [p.from, ...p.to, ...p.cc, ...p.replyTo]) {
      if (!a || isBlocked(a.address, policy.blocklist)) continue;
      addresses.add(a.address);
      const plain = untaggedAddress(a.address);
      if (plain) addresses.add(plain);
      if (!isFreemail(domainOf(a.address))) for (const d of domainAndParents(domainOf(a.address))) domains.add(d);
    }
  }
  // Oldest first, so "the first owner" never depends on the order a database returns rows in.
  const contactKeys = (await findIn<ContactKey>(unit, 'contact_keys', 'value', [...addresses, ...domains])).sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const persons = new Map(
    (
      await findIn<Person>(
        unit,
        'persons',
        'id',
        contactKeys.filter((k) => k.ownerType === 'person').map((k) => k.ownerId),
      )
    ).map((x) => [x.id, x]),
  );
  const partnerIds = [
    ...contactKeys.filter((k) => k.ownerType === 'partner').map((k) => k.ownerId),
    ...[...persons.values()].flatMap((x) => (x.partnerId ? [x.partnerId] : [])),
  ];
  const partners = new Map((await findIn<Partner>(unit, 'partners', 'id', partnerIds)).map((x) => [x.id, x]));
  // The batch's slice of the contact index by kind and value, each list oldest first.
  const index = new Map<string, ContactKey[]>();
  const indexKey = (k: Pick<ContactKey, 'kind' | 'value'>) => `${k.kind}:${k.value}`;
  const addKey = (k: ContactKey) => {
    const list = index.get(indexKey(k));
    if (list) list.push(k);
    else index.set(indexKey(k), [k]);
  };
  for (const k of contactKeys) addKey(k);

  const batch: Batch = {
    known,
    firstPages: new Map(),
    storedThreadKeys,
    storedMessageKeys,
    tasks: new Map(),
    touched: new Set(),
    emails: [],
    locations: [],
    entries: [],
    timeline: [],
    participants(list, workDomain) {
      const operatorAddresses = new Set<string>();
      const found = { persons: new Map<string, Person>(), partners: new Map<string, Partner>(), owners: new Map<string, AddressOwner>() };
      const keysOf = (kind: ContactKey['kind'], value: string) => index.get(indexKey({ kind, value })) ?? [];
      for (const address of list) {
        // The address itself, else its untagged form (jan+crm@ → jan@).
        const plain = untaggedAddress(address);
        let keys = keysOf('email', address);
        if (keys.length === 0 && plain) keys = keysOf('email', plain);
        if (keys.some((k) => k.ownerType === 'operator')) {
          operatorAddresses.add(address);
          continue;
        }
        const people = keys.flatMap((k) => (k.ownerType === 'person' && persons.has(k.ownerId) ? [persons.get(k.ownerId)!] : []));
        const byAddress = keys.flatMap((k) => (k.ownerType === 'partner' && partners.has(k.ownerId) ? [partners.get(k.ownerId)!] : []));
        // The most specific registered domain of the address's domain or its parents.
        let byDomain: Partner | null = null;
        if (workDomain(address)) {
          for (const d of domainAndParents(domainOf(address))) {
            const key = keysOf('domain', d).find((k) => k.ownerType === 'partner' && partners.has(k.ownerId));
            if (key) {
              byDomain = partners.get(key.ownerId)!;
              break;
            }
          }
        }
        const personal = people.flatMap((x) => (x.partnerId && partners.has(x.partnerId) ? [partners.get(x.partnerId)!] : []));
        for (const x of people) found.persons.set(x.id, x);
        for (const x of [...personal, ...byAddress, ...(byDomain ? [byDomain] : [])]) found.partners.set(x.id, x);
        found.owners.set(address, { person: people[0] ?? null, partner: personal[0] ?? byAddress[0] ?? byDomain });
      }
      return { operatorAddresses, ...found };
    },
    learn(person, partner) {
      persons.set(person.id, person);
      for (const value of person.emails) addKey({ id: '', version: 1, kind: 'email', value, ownerType: 'person', ownerId: person.id });
      if (partner) {
        partners.set(partner.id, partner);
        for (const value of partner.emailDomains) addKey({ id: '', version: 1, kind: 'domain', value, ownerType: 'partner', ownerId: partner.id });
      }
    },
    async flush() {
      for (const id of batch.touched) {
        const fresh = await unit.tx.get<Task>('tasks', id);
        if (fresh) batch.tasks.set(id, await unit.save('tasks', fresh, { updatedAt: unit.now }));
      }
      if (batch.emails.length) await unit.tx.createMany('emails', batch.emails);
      if (batch.locations.length) await unit.tx.createMany('email_locations', batch.locations);
      if (batch.entries.length) await unit.tx.createMany('task_entries', batch.entries);
      if (batch.timeline.length) await unit.tx.createMany('timeline', batch.timeline);
    },
  };
  return batch;
}
