import type { Context } from '../context.js';
import type { Filter } from '../store/filter.js';
import { findAll, readAll } from '../store/find-all.js';
import type { StoredRecord } from '../store/schema.js';
import type { AggregateQuery, AggregateRow, CountOptions, FindQuery, Page } from '../store/store.js';

/**
 * The one door the calendar, the inbox, tracking and views read through. `ctx.store` is the
 * acting operator's scoped store (modules/access/scoped-store.ts, decision 0100), which ANDs
 * their rules into every find, count and aggregate of a governed collection, so no page is
 * filtered after it was read and no second rule lives here. Stages are not governed on their
 * own: callers read the stages' tasks through this door and keep only stages of tasks returned.
 */
export function visibleWhere(_ctx: Context, _collection: string, filter: Filter | undefined): Filter | undefined {
  return filter;
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
    count: (collection: string, filter?: Filter, options?: CountOptions): Promise<number> => ctx.store.count(collection, w(collection, filter), options),
    aggregate: (collection: string, query: AggregateQuery): Promise<AggregateRow[]> => {
      const filter = w(collection, query.where);
      return ctx.store.aggregate(collection, { ...query, ...(filter ? { where: filter } : {}) });
    },
  };
}

export type VisibleReads = ReturnType<typeof visibleReads>;
