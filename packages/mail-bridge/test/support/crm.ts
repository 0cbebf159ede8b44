import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrm, fsBlobStore, type Crm, type MailPolicy, type Store } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

export interface TestCrm {
  crm: Crm;
  store: Store;
  blobDir: string;
  close(): Promise<void>;
}

/** A CRM over SQLite (a temp file, or ':memory:') with a temp blob folder. */
export async function makeCrm(options: { mail?: Partial<MailPolicy>; filename?: string; store?: Store } = {}): Promise<TestCrm> {
  const dir = await mkdtemp(join(tmpdir(), 'rapport-mb-'));
  const store = options.store ?? sqliteStore({ filename: options.filename ?? ':memory:' });
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
