/**
 * Runs one ImapSync in a child process (for the SIGKILL and memory tests). Config as JSON in
 * argv[2]; prints JSON lines: {"progress":n} after every batch, then {"report":...,"peakRss":...}.
 */
import { mkdirSync } from 'node:fs';
import { createCrm, fsBlobStore } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { ImapSync } from '@rapport/mail-bridge';

const config = JSON.parse(process.argv[2]!) as {
  db: string;
  blobs: string;
  host: string;
  port: number;
  user: string;
  password: string;
  mailbox: string;
  batchSize?: number;
};
let peakRss = process.memoryUsage().rss;
const baseRss = peakRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
mkdirSync(config.blobs, { recursive: true });
const store = sqliteStore({ filename: config.db });
await store.migrate();
const crm = createCrm({ store, blobs: fsBlobStore({ dir: config.blobs }) });
let last = 0;
const report = await new ImapSync(crm, {
  host: config.host,
  port: config.port,
  tls: 'none',
  user: config.user,
  password: config.password,
  mailboxes: [config.mailbox],
  batchSize: config.batchSize ?? 200,
  onProgress: ({ done }) => {
    if (done - last >= 50) {
      last = done;
      process.stdout.write(`${JSON.stringify({ progress: done })}\n`);
    }
  },
}).sync();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(`${JSON.stringify({ report, peakRss, baseRss })}\n`);
await crm.close();
