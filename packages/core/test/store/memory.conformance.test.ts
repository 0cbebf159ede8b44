import { describeStoreConformance } from '@rapport/core/testing';
import { memoryStore, type Store } from '@rapport/core';
import { type StoredRecord } from '@rapport/core/store';

let current: Store | undefined;

describeStoreConformance({
  name: 'memoryStore',
  makeStore: (schema) => (current = memoryStore({ schema })),
  // The second door for memory: a plain read on the same maps, bypassing find/filters.
  inspect: async (collection, id) => (current ? current.get<StoredRecord & Record<string, unknown>>(collection, id) : null),
});

// A store that declares it has no transactions: the suite reads the flag and skips, saying why,
// the tests that need rollback; everything else must still hold.
let plain: Store | undefined;
describeStoreConformance({
  name: 'memoryStore without transactions',
  makeStore: (schema) => (plain = memoryStore({ schema, capabilities: { transactions: false } })),
  inspect: async (collection, id) => (plain ? plain.get<StoredRecord & Record<string, unknown>>(collection, id) : null),
});
