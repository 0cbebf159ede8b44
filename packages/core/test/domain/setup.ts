import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createCrm, fsBlobStore, memoryBlobStore, memoryStore, steppingClock, type BlobStore, type DomainEvent, type Store } from '@rapport/core';

/** A fresh CRM over a memory store, a stepping clock and an acting operator. */
export async function setup(options: { store?: Store; blobs?: BlobStore | null; start?: string; stepMs?: number } = {}) {
  const store = options.store ?? memoryStore();
  const clock = steppingClock(options.start ?? '2026-03-02T08:00:00Z', options.stepMs ?? 1000);
  const blobs = options.blobs === null ? undefined : (options.blobs ?? memoryBlobStore());
  const root = createCrm({ store, clock, ...(blobs ? { blobs } : {}) });
  const admin = await root.operators.create({ name: 'Administrator', email: 'admin@firma.pl' });
  const crm = root.as(admin.id);
  const events: DomainEvent[] = [];
  crm.events$.subscribe((e) => events.push(e));
  return { crm, root, store, admin, events };
}

export async function fsBlobs(): Promise<BlobStore> {
  return fsBlobStore({ dir: await mkdtemp(join(tmpdir(), 'rapport-blobs-')) });
}

/** Every record of a collection, read straight from the store. */
export async function all<T = Record<string, unknown>>(store: Store, collection: string): Promise<T[]> {
  return (await store.find(collection, { limit: 10_000 })).items as T[];
}

/** Awaits a rejection and checks its code and that the message mentions each fragment. */
export async function rejects(promise: Promise<unknown>, code: string, ...fragments: string[]) {
  let error: unknown;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  expect(error, `expected a ${code} error`).toBeDefined();
  expect((error as { name?: string }).name).toBe('RapportError');
  expect((error as { code?: string }).code, (error as Error).message).toBe(code);
  for (const f of fragments) expect((error as Error).message).toContain(f);
  return error as Error & { code: string };
}

export async function snapshot(
  store: Store,
  collections = ['tasks', 'stages', 'audit', 'timeline', 'task_entries', 'partners', 'persons', 'contact_keys', 'registers'],
) {
  const out: Record<string, unknown[]> = {};
  for (const c of collections) out[c] = await all(store, c);
  return out;
}
