import { RapportError } from '../errors.js';
import { copyRecord } from './copy.js';
import type { Filter } from './filter.js';
import type { StoredRecord } from './schema.js';
import { checkSequenceCount, type AggregateQuery, type CountOptions, type FindQuery, type Store } from './store.js';

const CACHED = new Set(['registers', 'partners', 'persons', 'operators']);

/** Collections whose records a batch creates one by one but writes together at its end. */
const DEFERRED = new Set(['tasks', 'timeline']);

export interface BatchStore {
  store: Store;
  /** Writes what was held back: counters advanced by what was taken, then the deferred records. */
  flush(): Promise<void>;
}

/**
 * The transaction's store as a batch of messages uses it: `get` and `find` of a few reference
 * collections answered from memory after the first read (a write to a collection forgets them);
 * tasks and timeline items created one by one but written with one `createMany` (any other use
 * of such a collection writes them first); and counters taken from the store once a batch, the
 * following values counted here and claimed at `flush`. The transaction holds the counter from
 * its first increment (row lock or single writer), so nobody else can take those values.
 */
export function batchStore(tx: Store): BatchStore {
  const cache = new Map<string, Map<string, Promise<unknown>>>();
  const pending = new Map<string, StoredRecord[]>();
  const counters = new Map<string, Promise<{ last: number; owed: number }>>();
  const forget = (collection: string) => cache.delete(collection);
  const writePending = async (collection: string) => {
    const records = pending.get(collection);
    pending.delete(collection);
    if (records?.length) await tx.createMany(collection, records);
  };
  /** Runs `op` once the collection's held-back records are written. */
  const settled = <R>(collection: string, op: () => Promise<R>): Promise<R> => (pending.has(collection) ? writePending(collection).then(op) : op());
  /** `key` is a function: computing it (JSON of a query) for collections never cached cost a batch more than the lookup. */
  const remember = <R>(collection: string, key: () => string, read: () => Promise<R>): Promise<R> => {
    if (!CACHED.has(collection)) return settled(collection, read);
    let entries = cache.get(collection);
    if (!entries) cache.set(collection, (entries = new Map()));
    const k = key();
    let hit = entries.get(k) as Promise<R> | undefined;
    if (!hit) {
      hit = read();
      entries.set(k, hit);
      hit.catch(() => entries!.delete(k));
    }
    // Callers get their own copy: records are plain objects and a caller may change them.
    return hit.then(copyRecord);
  };
  const defer = (collection: string, records: StoredRecord[]) => {
    forget(collection);
    const list = pending.get(collection);
    if (list) list.push(...records);
    else pending.set(collection, [...records]);
  };
  const store = Object.assign(Object.create(tx) as Store, {
    get: <T extends StoredRecord>(collection: string, id: string) =>
      remember(
        collection,
        () => `get:${id}`,
        () => tx.get<T>(collection, id),
      ),
    find: <T extends StoredRecord>(collection: string, query?: FindQuery) =>
      remember(
        collection,
        () => `find:${JSON.stringify(query ?? {})}`,
        () => tx.find<T>(collection, query),
      ),
    create: <T extends StoredRecord>(collection: string, record: T) => {
      if (!DEFERRED.has(collection)) return (forget(collection), tx.create(collection, record));
      defer(collection, [record]);
      return Promise.resolve(record);
    },
    createMany: <T extends StoredRecord>(collection: string, records: T[]) => {
      if (!DEFERRED.has(collection)) return (forget(collection), tx.createMany(collection, records));
      defer(collection, records);
      return Promise.resolve();
    },
    update: <T extends StoredRecord>(collection: string, id: string, patch: Partial<Omit<T, 'id' | 'version'>>, v: number) => (
      forget(collection),
      settled(collection, () => tx.update<T>(collection, id, patch, v))
    ),
    delete: (collection: string, id: string, v?: number) => (forget(collection), settled(collection, () => tx.delete(collection, id, v))),
    updateWhere: <T extends StoredRecord>(collection: string, w: Filter, patch: Partial<Omit<T, 'id' | 'version'>>) => (
      forget(collection),
      settled(collection, () => tx.updateWhere<T>(collection, w, patch))
    ),
    deleteWhere: (collection: string, w: Filter) => (forget(collection), settled(collection, () => tx.deleteWhere(collection, w))),
    count: (collection: string, w?: Filter, o?: CountOptions) => settled(collection, () => tx.count(collection, w, o)),
    aggregate: (collection: string, q: AggregateQuery) => settled(collection, () => tx.aggregate(collection, q)),
    nextSequence: (name: string, count = 1) => {
      checkSequenceCount(count);
      const before = counters.get(name);
      const next = before
        ? before.then((c) => ({ last: c.last + count, owed: c.owed + count }))
        : tx.nextSequence(name, count).then((last) => ({ last, owed: 0 }));
      counters.set(name, next);
      return next.then((c) => c.last);
    },
    transaction: <R>(fn: (t: Store) => Promise<R>) => fn(store),
  });
  return {
    store,
    async flush() {
      for (const [name, counter] of counters) {
        const { last, owed } = await counter;
        if (owed === 0) continue;
        const claimed = await tx.nextSequence(name, owed);
        if (claimed !== last) throw new RapportError('STORAGE', `counter ${name} moved during the batch: counted to ${last}, the store is at ${claimed}`);
      }
      counters.clear();
      for (const collection of [...pending.keys()]) await writePending(collection);
    },
  };
}
