import { isRapportError } from '../../errors.js';
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
  const run = async (tx: Store) => {
    const page = await tx.find<T>(collection, { where: query.where, sort: [{ field: query.sortField }], limit: query.limit, skipLocked: true });
    const claimed: T[] = [];
    let lost = 0;
    for (const record of perRow ? shuffle(page.items) : page.items) {
      const won = await casUpdate(tx, collection, record, patch(record));
      if (won) claimed.push(won);
      else lost++;
    }
    return { claimed, lost, seen: page.items.length };
  };
  return perRow ? run(store) : store.transaction(run);
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
