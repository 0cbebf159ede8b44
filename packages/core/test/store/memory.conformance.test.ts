import { describeStoreConformance } from '@rapport/core/testing';
import { memoryStore, type Store, type StoredRecord } from '@rapport/core';

let current: Store | undefined;

describeStoreConformance({
  name: 'memoryStore',
  makeStore: (schema) => (current = memoryStore({ schema })),
  // The second door for memory: a plain read on the same maps, bypassing find/filters.
  inspect: async (collection, id) => (current ? current.get<StoredRecord & Record<string, unknown>>(collection, id) : null),
  capabilities: { nativeJson: true, nativeDates: true, nativeBooleans: true, transactions: true },
});
