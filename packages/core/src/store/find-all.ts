import type { FindQuery, Store } from './store.js';
import type { StoredRecord } from './schema.js';

/** Records per page when reading everything (well under MAX_LIMIT: memory stays bounded). */
const PAGE = 1_000;

/**
 * Every record a query matches, page by page (keyset cursors), so nothing stops silently at
 * the maximum page size. Iterate with `for await`; `readAll` collects them.
 */
export async function* findAll<T extends StoredRecord>(
  store: Pick<Store, 'find'>,
  collection: string,
  query: Omit<FindQuery, 'limit' | 'cursor'> = {},
  pageSize = PAGE,
): AsyncGenerator<T> {
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await store.find<T>(collection, { ...query, limit: pageSize, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/** Every record a query matches, as one array (for sets the caller knows are modest). */
export async function readAll<T extends StoredRecord>(
  store: Pick<Store, 'find'>,
  collection: string,
  query: Omit<FindQuery, 'limit' | 'cursor'> = {},
): Promise<T[]> {
  const out: T[] = [];
  for await (const record of findAll<T>(store, collection, query)) out.push(record);
  return out;
}
