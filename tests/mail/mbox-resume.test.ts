import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, fsBlobStore, type Email, type EmailLocation } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { importMbox } from '@rapport/mail-bridge';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-mbox-resume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const N = 3000;
/** Message numbers that are not e-mail at all (binary junk, no header). */
const GARBLED = new Set([500, 2500]);

function mbox(): string {
  const parts: string[] = [];
  for (let i = 1; i <= N; i++) {
    const body = GARBLED.has(i)
      ? `\u0000\u0001\u0002 garbage ${i} \u00ff\u00fe\n${'\u0007'.repeat(40)}\n`
      : [
          `From: Person ${i % 50} <p${i % 50}@company${i % 7}.test>`,
          'To: Anna <anna@firma.test>',
          `Subject: message ${i}`,
          `Message-ID: <m${i}@resume.test>`,
          'Date: Mon, 02 Mar 2026 10:00:00 +0100',
          '',
          `Body of message ${i}.`,
          '',
        ].join('\n');
    parts.push(`From - Mon Mar  2 10:00:00 2026\n${body}`);
  }
  return parts.join('\n');
}

/** Runs the import in a child process and SIGKILLs it once it has reported `killAt` messages done. */
function killedImport(config: Record<string, unknown>, killAt: number): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'mbox-child.ts'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: join(here, '..', '..'),
  });
  let buf = '';
  let done = 0;
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, nl)) as { progress?: number };
        buf = buf.slice(nl + 1);
        if (line.progress !== undefined) done = line.progress;
        if (done >= killAt && proc.exitCode === null) proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(done) : reject(new Error(`child ended before the kill (${code}, ${signal})`))));
  });
}

describe('an interrupted mbox import', () => {
  it('killed midway (SIGKILL), a re-run resumes and leaves every message stored once, garbled ones quarantined', async () => {
    const file = join(dir, 'Big');
    await writeFile(file, mbox());
    const config = { db: join(dir, 'crm.db'), blobs: join(dir, 'blobs'), file, batchSize: 100 };
    const killedAt = await killedImport(config, 1200);
    expect(killedAt).toBeGreaterThanOrEqual(1200);
    expect(killedAt).toBeLessThan(N);

    const store = sqliteStore({ filename: config.db });
    await store.migrate();
    const crm = createCrm({ store, blobs: fsBlobStore({ dir: config.blobs }) });
    try {
      const before = await store.count('emails');
      const report = await importMbox(crm, file, { batchSize: 100 });
      // Resumed at the checkpoint: at most the batch in flight at the kill is read again.
      expect(report.fetched).toBeLessThanOrEqual(N - before + 100);
      expect(report.fetched + before).toBeGreaterThanOrEqual(N - GARBLED.size);
      const emails = (await store.find<Email>('emails', { limit: 10_000 })).items;
      const keys = emails.map((e) => e.messageKey);
      expect(new Set(keys).size).toBe(keys.length);
      const expected = Array.from({ length: N }, (_, i) => i + 1)
        .filter((i) => !GARBLED.has(i))
        .map((i) => `m${i}@resume.test`);
      expect(keys.sort()).toEqual(expected.sort());
      const locations = (await store.find<EmailLocation>('email_locations', { limit: 10_000 })).items;
      expect(locations).toHaveLength(N - GARBLED.size);
      const quarantined = (await crm.emails.quarantined()).items.map((q) => q.uid).sort((a, b) => a - b);
      expect(quarantined).toEqual([...GARBLED]);
    } finally {
      await crm.close();
    }
  });
});
