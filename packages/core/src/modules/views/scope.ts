import type { Context } from '../../context.js';
import type { StoredRecord } from '../../store/schema.js';
import type { AggregateQuery, AggregateRow, FindQuery, Page } from '../../store/store.js';
import { visibleReads } from '../visible.js';

/**
 * The views module reads only through these two functions, which go through core's one
 * visibility door (modules/visible.ts): the acting operator's rules are part of every find and
 * aggregate, so a page is never filtered after it was read and a group never counts a record
 * its reader may not see.
 */
export function scopedFind<T extends StoredRecord>(ctx: Context, collection: string, query: FindQuery): Promise<Page<T>> {
  return visibleReads(ctx).find<T>(collection, query);
}

export function scopedAggregate(ctx: Context, collection: string, query: AggregateQuery): Promise<AggregateRow[]> {
  return visibleReads(ctx).aggregate(collection, query);
}
