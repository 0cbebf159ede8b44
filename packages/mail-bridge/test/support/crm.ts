import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrm, fsBlobStore, memoryStore, type Crm, type MailPolicy, type Store } from '@rapport/core';

export interface TestCrm {
  crm: Crm;
  store: Store;
  blobDir: string;
  close(): Promise<void>;
}

/** A CRM over the memory store (or the given one) with a temp blob folder; SQL stores are tested in tests/. */
export async function makeCrm(options: { mail?: Partial<MailPolicy>; store?: Store } = {}): Promise<TestCrm> {
  const dir = await mkdtemp(join(tmpdir(), 'rapport-mb-'));
  const store = options.store ?? memoryStore();
  await store.migrate();
  const crm = createCrm({ store, blobs: fsBlobStore({ dir: join(dir, 'blobs') }), mail: { ownDomains: ['firma.test'], ...options.mail } });
  return {
    crm,
    store,
    blobDir: join(dir, 'blobs'),
    async close() {
      await crm.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
