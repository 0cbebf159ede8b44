import type { Context } from '../context.js';
import { where, type Filter } from '../store/filter.js';
import { findAll, readAll } from '../store/find-all.js';
import type { StoredRecord } from '../store/schema.js';
import type { AggregateQuery, AggregateRow, FindQuery, Page } from '../store/store.js';

/**
 * The one door the calendar, the inbox and tracking read through. Access rules (the current
 * actor's visibility, a Filter) are AND-ed into `where` here and nowhere else, so no page is
 * ever filtered after it was read.
 *
 * Until the access engine lands, the one rule is decision 0081's: a private task is its
 * owner's alone. The trusted host (no actor) sees everything.
 */
export function visibleWhere(ctx: Context, collection: string, filter: Filter | undefined): Filter | undefined {
  if (ctx.actorId === null || collection !== 'tasks') return filter;
  return where.and(filter, where.or(where.eq('private', false), where.eq('ownerId', ctx.actorId)));
}

/** Reads as the current actor: `find`, `findAll`, `readAll`, `count` and `aggregate` with the rules applied. */
export function visibleReads(ctx: Context) {
  const w = (collection: string, filter: Filter | undefined) => visibleWhere(ctx, collection, filter);
  const q = (collection: string, query: Omit<FindQuery, 'limit' | 'cursor'>) => {
    const filter = w(collection, query.where);
    return { ...query, ...(filter ? { where: filter } : {}) };
  };
  return {
    find: <T extends StoredRecord>(collection: string, query: FindQuery): Promise<Page<T>> =>
      ctx.store.find<T>(collection, { ...query, ...q(collection, query) }),
    findAll: <T extends StoredRecord>(collection: string, query: Omit<FindQuery, 'limit' | 'cursor'>) =>
      findAll<T>(ctx.store, collection, q(collection, query)),
    readAll: <T extends StoredRecord>(collection: string, query: Omit<FindQuery, 'limit' | 'cursor'>) =>
      readAll<T>(ctx.store, collection, q(collection, query)),
    count: (collection: string, filter?: Filter): Promise<number> => ctx.store.count(collection, w(collection, filter)),
    aggregate: (collection: string, query: AggregateQuery): Promise<AggregateRow[]> => {
      const filter = w(collection, query.where);
      return ctx.store.aggregate(collection, { ...query, ...(filter ? { where: filter } : {}) });
    },
  };
}

export type VisibleReads = ReturnType<typeof visibleReads>;
