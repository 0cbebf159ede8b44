import { RapportError, isRapportError } from '../../errors.js';
import { where } from '../../store/filter.js';
import type { Filter } from '../../store/filter.js';
import type { StoredRecord } from '../../store/schema.js';
import type { Store } from '../../store/store.js';

/**
 * Claims up to `limit` records a filter finds by compare-and-set on each record's version: of
 * two workers that read the same row only one update succeeds (the other gets a CONFLICT, or
 * NOT_FOUND when it was cancelled), on every store. Returns the claimed records as stored after
 * the claim, how many were lost to another worker, and how many were seen.
 *
 * A store that can skip locked rows (PostgreSQL) claims in one transaction whose read locks
 * the batch and passes over rows other workers hold: N workers take N different batches. Other
 * stores with concurrent writers claim row by row in a shuffled order, each update committing at
 * once, so workers reading the same page spread over it; a store with one writer (SQLite, the
 * memory store) claims the batch in one transaction (one commit).
 */
export async function claim<T extends StoredRecord>(
  store: Store,
  collection: string,
  query: { where: Filter; sortField: string; limit: number },
  patch: (record: T) => Partial<T>,
): Promise<{ claimed: T[]; lost: number; seen: number }> {
  const caps = store.capabilities;
  const perRow = caps.concurrentWriters && !caps.skipLocked;
  const find = (tx: Store) => tx.find<T>(collection, { where: query.where, sort: [{ field: query.sortField }], limit: query.limit, skipLocked: true });
  if (perRow) {
    const page = await find(store);
    const claimed: T[] = [];
    for (const record of shuffle(page.items)) {
      const won = await casUpdate(store, collection, record, patch(record));
      if (won) claimed.push(won);
    }
    return { claimed, lost: page.items.length - claimed.length, seen: page.items.length };
  }
  // Inside this transaction nobody else changes the rows read (they are locked, or the store
  // has one writer), so records that get the same patch are claimed with one statement.
  return store.transaction(async (tx) => {
    const page = await find(tx);
    const groups = new Map<string, { patch: Partial<T>; records: T[] }>();
    for (const record of page.items) {
      const p = patch(record);
      const key = JSON.stringify(p);
      const group = groups.get(key) ?? groups.set(key, { patch: p, records: [] }).get(key)!;
      group.records.push(record);
    }
    const claimed: T[] = [];
    for (const { patch: p, records } of groups.values()) {
      const byVersion = where.or(...records.map((r) => where.and(where.eq('id', r.id), where.eq('version', r.version))));
      const n = records.length === 1 ? ((await casUpdate(tx, collection, records[0]!, p)) ? 1 : 0) : await tx.updateWhere<T>(collection, byVersion, p);
      if (n !== records.length) throw new RapportError('CONFLICT', `claiming ${collection}: ${records.length - n} record(s) changed during the claim`);
      for (const r of records) claimed.push({ ...r, ...p, version: r.version + 1 });
    }
    return { claimed, lost: 0, seen: page.items.length };
  });
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Updates `record` if it is still at its version; null when another writer changed or deleted it. */
export async function casUpdate<T extends StoredRecord>(tx: Store, collection: string, record: T, patch: Partial<T>): Promise<T | null> {
  try {
    return await tx.update<T>(collection, record.id, patch as Partial<Omit<T, 'id' | 'version'>>, record.version);
  } catch (err) {
    if (isRapportError(err, 'CONFLICT') || isRapportError(err, 'NOT_FOUND')) return null;
    throw err;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/** A one-line reason from whatever was thrown. */
export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name === 'Error' || err.name === 'RapportError' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.length > 2000 ? `${text.slice(0, 1997)}...` : text;
}
