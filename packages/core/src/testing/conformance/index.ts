import { afterEach, describe, expect } from 'vitest';
import type { Schema } from '../../store/schema.js';
import type { Filter } from '../../store/filter.js';
import type { FindQuery, Store, StoreCapabilities } from '../../store/store.js';
import { conformanceSchema, items, type Rec } from '../fixtures.js';
import { describeHostileQueries } from '../hostile.js';
import { describeAggregate } from './aggregate.js';
import { describeCoreSchema } from './core-schema.js';
import { describeFilters } from './filters.js';
import { describeGrants } from './grants.js';
import { describeReadable } from './readable.js';
import { describePaging } from './paging.js';
import { describeRecords } from './records.js';
import { describeSearch } from './search.js';
import type { StoreConformanceOptions, Suite } from './suite.js';
import { describeTransactions } from './transactions.js';

export type { StoreConformanceOptions } from './suite.js';

/** Registers the conformance tests for one store. */
export function describeStoreConformance(options: StoreConformanceOptions): void {
  const open: Store[] = [];

  async function fresh(schema: Schema = conformanceSchema): Promise<Store> {
    await options.reset?.();
    const store = await options.makeStore(schema);
    open.push(store);
    await store.migrate();
    return store;
  }

  async function seeded(rows: Rec[]): Promise<Store> {
    const store = await fresh();
    await store.createMany(items.name, rows);
    return store;
  }

  async function codes(store: Store, filter: Filter, query: Omit<FindQuery, 'where'> = {}): Promise<string[]> {
    const page = await store.find<Rec>(items.name, { limit: 10_000, ...query, where: filter });
    const out = page.items.map((r) => r.code as string);
    const n = await store.count(items.name, filter);
    expect(n, `count() must agree with find() for ${JSON.stringify(filter)}`).toBe(out.length);
    return query.sort ? out : out.sort();
  }

  /** Skips a test, saying why, when the store declares it lacks a capability (store.capabilities). */
  function skipWithout(store: Store, need: keyof StoreCapabilities, skip: (condition: boolean, note?: string) => void) {
    skip(!store.capabilities[need], `skipped: ${store.name} declares capabilities.${need} false`);
  }

  const suite: Suite = { options, fresh, seeded, codes, skipWithout };

  describe(`Store conformance: ${options.name}`, () => {
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });

    describeRecords(suite);
    describeFilters(suite);
    describeGrants(suite);
    describeReadable(suite);
    describePaging(suite);
    describeTransactions(suite);
    describeAggregate(suite);
    describeHostileQueries(suite);
    describeSearch(suite);
    describeCoreSchema(suite);
  });
}
