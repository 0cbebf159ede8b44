/**
 * Runs one importMbox in a child process (for the SIGKILL test and the bench's cold runs). Config
 * as JSON in argv[2]; prints JSON lines: {"progress":n} after every batch, then {"report":...}.
 */
import { mkdirSync } from 'node:fs';
import { createCrm, fsBlobStore } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { importMbox } from '@rapport/mail-bridge';

const config = JSON.parse(process.argv[2]!) as { db: string; blobs: string; file: string; batchSize?: number };
mkdirSync(config.blobs, { recursive: true });
const store = sqliteStore({ filename: config.db });
await store.migrate();
const crm = createCrm({ store, blobs: fsBlobStore({ dir: config.blobs }) });
const report = await importMbox(crm, config.file, {
  batchSize: config.batchSize ?? 200,
  onProgress: ({ done }) => process.stdout.write(`${JSON.stringify({ progress: done })}\n`),
});
process.stdout.write(`${JSON.stringify({ report })}\n`);
await crm.close();
