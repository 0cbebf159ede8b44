import { inRead, type Context } from '../context.js';
import { domainOf } from '../domain/freemail.js';
import type { Partner, Person, TimelineItem } from '../domain/types.js';
import { notFound } from '../errors.js';
import { where } from '../store/filter.js';
import type { Page } from '../store/store.js';
import * as v from '../validate.js';
import { lookupAddress, partnerKeyForDomain } from './contact-keys.js';
import { personsByEmail } from './persons.js';

export interface HistoryQuery {
  /** Items per page (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  before?: string;
  /** One item per event: the same e-mail reaching two people shows once (the page may come back shorter). */
  distinct?: boolean;
}

/** The items without repeats of one event (same kind, subject and time), first kept. */
export function distinctItems(items: TimelineItem[]): TimelineItem[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.kind}|${i.subjectType}|${i.subjectId}|${i.at.getTime()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface EmailHistory extends Page<TimelineItem> {
  address: string;
  person: Person | null;
  partner: Partner | null;
}

const NEWEST_FIRST = [{ field: 'at', direction: 'desc' as const }];

/** The partner history (historia kontrahenta): one timeline, newest first, one indexed read per page. */
export function historyModule(ctx: Context) {
  const page = async (field: 'partnerId' | 'personId', id: string, query: HistoryQuery): Promise<Page<TimelineItem>> => {
    const found = await ctx.store.find<TimelineItem>('timeline', {
      where: where.eq(field, v.id(field, id)),
      sort: NEWEST_FIRST,
      limit: query.limit ?? 50,
      ...(query.before ? { cursor: query.before } : {}),
    });
    return query.distinct ? { ...found, items: distinctItems(found.items) } : found;
  };

  // An unknown id is NOT_FOUND rather than an empty history, so a wrong id never looks like a quiet partner.
  const known = async (collection: 'partners' | 'persons', field: 'partnerId' | 'personId', id: string) => {
    if (!(await ctx.store.get(collection, v.id(field, id)))) throw notFound(collection === 'partners' ? 'partner' : 'person', id);
  };

  return {
    /** Everything about a partner: tasks, stages, notes, e-mails, people, ... newest first. */
    async forPartner(partnerId: string, query: HistoryQuery = {}): Promise<Page<TimelineItem>> {
      await known('partners', 'partnerId', partnerId);
      return page('partnerId', partnerId, query);
    },

    /** Everything that involved one contact person. */
    async forPerson(personId: string, query: HistoryQuery = {}): Promise<Page<TimelineItem>> {
      await known('persons', 'personId', personId);
      return page('personId', personId, query);
    },

    /**
     * The history behind an e-mail address: the person with that address and their partner's
     * timeline, else the partner owning the address's domain or a parent of it (most specific
     * first; free-mail domains excluded). `jan+tag@…` is jan@…; IDN domains in either spelling.
     */
    forEmail(address: string, query: HistoryQuery = {}): Promise<EmailHistory> {
      return inRead(ctx, async (unit) => {
        const normalized = v.email('email', address);
        const person = (await personsByEmail(unit, normalized))[0] ?? null;
        let partner: Partner | null = null;
        if (person?.partnerId) partner = await unit.tx.get<Partner>('partners', person.partnerId);
        if (!partner) {
          const byAddress = (await lookupAddress(unit, normalized, 'partner'))[0];
          const byDomain = byAddress ?? (await partnerKeyForDomain(unit, domainOf(normalized)));
          if (byDomain) partner = await unit.tx.get<Partner>('partners', byDomain.ownerId);
        }
        const items = partner
          ? await page('partnerId', partner.id, query)
          : person
            ? await page('personId', person.id, query)
            : { items: [], nextCursor: null };
        return { address: normalized, person, partner, ...items };
      });
    },
  };
}
