import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importEml, importMbox } from '@rapport/mail-bridge';
import { CORPUS, corpusFiles } from './support/corpus.js';
import { makeCrm } from './support/crm.js';
import { malformedMessages } from './support/malformed.js';
import { rfc822 } from './support/messages.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mbox and .eml import', () => {
  it('imports an mbox file message by message and unescapes mboxrd/mboxo "From " lines', async () => {
    const t = await makeCrm();
    try {
      const lf = (s: string) => s.replace(/\r\n/g, '\n');
      const one = lf(
        rfc822({
          messageId: '<mb1@zefir.test>',
          body: 'first line\n>From the desk of Jan\n>>From quoted twice\nFrom here it is not a separator in mboxo? it is escaped below',
        }),
      ).replace('\nFrom here', '\n>From here');
      const two = lf(rfc822({ messageId: '<mb2@zefir.test>', subject: 'second' }));
      const mbox = `From jan@zefir.test Mon Mar  2 10:00:00 2026\n${one}\nFrom - Mon Mar  2 11:00:00 2026\n${two}\n`;
      const file = join(dir, 'Inbox');
      await writeFile(file, mbox);
      const report = await importMbox(t.crm, file);
      expect(report).toMatchObject({ fetched: 2, imported: 2, quarantined: 0, failed: 0 });
      const first = await t.crm.emails.findByMessageId('<mb1@zefir.test>');
      expect(first!.text).toContain('\nFrom the desk of Jan\n>From quoted twice\nFrom here');
      // A re-run resumes at the end of the file: nothing to read.
      expect(await importMbox(t.crm, file)).toMatchObject({ fetched: 0, imported: 0 });
      // Read again from the start: every message is a duplicate.
      expect(await importMbox(t.crm, file, { resume: false })).toMatchObject({ fetched: 2, imported: 0, duplicates: 2 });
      expect(await t.store.count('emails')).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('a re-run imports only the messages appended to the mbox since, and another file at the same path starts over', async () => {
    const t = await makeCrm();
    try {
      const lf = (s: string) => s.replace(/\r\n/g, '\n');
      const box = (ids: number[]) => ids.map((i) => `From - Mon Mar  2 10:00:00 2026\n${lf(rfc822({ messageId: `<ap-${i}@zefir.test>` }))}`).join('\n');
      const file = join(dir, 'Appended');
      await writeFile(file, box([1, 2, 3]));
      expect(await importMbox(t.crm, file, { batchSize: 2 })).toMatchObject({ fetched: 3, imported: 3 });
      await writeFile(file, `${box([1, 2, 3])}\n${box([4, 5])}`);
      expect(await importMbox(t.crm, file)).toMatchObject({ fetched: 2, imported: 2, duplicates: 0 });
      const numbers = await t.crm.emails.knownUids('mbox', file, (await t.crm.emails.checkpoint('mbox', file))!.uidValidity);
      expect(numbers).toEqual([1, 2, 3, 4, 5]);
      // A different file under the same name (its first KB differs): read from the start.
      await writeFile(file, box([9, 1]));
      expect(await importMbox(t.crm, file)).toMatchObject({ fetched: 2, imported: 1, duplicates: 1 });
    } finally {
      await t.close();
    }
  });

  it('a message cut off after "Content-Type: " in the middle of an mbox is imported, and so is the rest', async () => {
    const t = await makeCrm();
    try {
      const lf = (s: Buffer | string) => s.toString().replace(/\r\n/g, '\n');
      const cut = lf(malformedMessages().find((m) => m.name === 'truncated-content-type')!.raw);
      const file = join(dir, 'Cut');
      await writeFile(
        file,
        [lf(rfc822({ messageId: '<cut-1@zefir.test>' })), `${cut}\n`, lf(rfc822({ messageId: '<cut-2@zefir.test>' }))]
          .map((m) => `From - Mon Mar  2 10:00:00 2026\n${m}`)
          .join('\n'),
      );
      const report = await importMbox(t.crm, file);
      expect(report).toMatchObject({ fetched: 3, imported: 3, quarantined: 0, failed: 0 });
      expect((await t.crm.emails.findByMessageId('<truncated-ct@broken.test>'))!.attachments[0]!.contentType).toBe('application/octet-stream');
    } finally {
      await t.close();
    }
  });

  it('imports .eml files through the same pipeline; a missing file is a failure with a reason, not a crash', async () => {
    const t = await makeCrm();
    try {
      const a = join(dir, 'a.eml');
      await writeFile(a, rfc822({ messageId: '<eml-a@zefir.test>' }));
      const report = await importEml(t.crm, [a, join(dir, 'missing.eml')]);
      expect(report).toMatchObject({ fetched: 1, imported: 1, failed: 1 });
      expect(report.failures[0]!.reason).toMatch(/ENOENT/);
    } finally {
      await t.close();
    }
  });

  it('malformed messages are imported as far as possible or quarantined with a reason', async () => {
    const t = await makeCrm();
    try {
      const cases = malformedMessages();
      const files: string[] = [];
      for (const m of cases) {
        const file = join(dir, `${m.name}.eml`);
        await writeFile(file, m.raw);
        files.push(file);
      }
      const report = await importEml(t.crm, files);
      expect(report.failed).toBe(0);
      expect(report.imported + report.quarantined).toBe(cases.length);
      const quarantined = new Set((await t.crm.emails.quarantined({ limit: 1000 })).items.map((q) => q.mailbox));
      for (const [i, m] of cases.entries()) expect([m.name, quarantined.has(files[i]!) ? 'quarantined' : 'imported']).toEqual([m.name, m.expect]);
      for (const q of (await t.crm.emails.quarantined()).items) expect(q.reason.length).toBeGreaterThan(5);

      const evil = await t.crm.emails.findByMessageId('<traversal@broken.test>');
      expect(evil!.attachments.map((a) => a.filename)).toEqual(['x', 'passwd']);
      const nested = await t.crm.emails.findByMessageId('<nested@broken.test>');
      expect(nested!.attachments.map((a) => a.contentType)).toContain('message/rfc822');
      const huge = await t.crm.emails.findByMessageId('<huge-header@broken.test>');
      expect(huge!.subject!.length).toBeLessThanOrEqual(1000);
      expect((await t.crm.emails.findByMessageId('<bad-b64@broken.test>'))!.sentAt).toBeNull();
      // Stable hash ids: importing again stores nothing new, even for messages without Message-ID or Date.
      const again = await importEml(t.crm, files);
      expect(again.imported).toBe(0);
      const eight = await t.crm.emails.findByMessageId('<8bit@broken.test>');
      expect(eight!.subject).toBeTruthy();
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!CORPUS)('public MIME corpus', () => {
  it('imports every corpus file or quarantines it with a reason, without a crash', async () => {
    const t = await makeCrm();
    try {
      const files = corpusFiles();
      expect(files.length).toBeGreaterThan(10);
      const report = await importEml(t.crm, files);
      expect(report.failed).toBe(0);
      expect(report.fetched).toBe(files.length);
      expect(report.imported + report.duplicates + report.quarantined + report.skipped).toBe(files.length);
      for (const q of report.quarantine) expect(q.reason).toMatch(/\w{5,}/);
      console.log(`corpus: ${files.length} files, ${report.imported} imported, ${report.duplicates} duplicates, ${report.quarantined} quarantined`);
      expect((await readFile(files[0]!)).length).toBeGreaterThanOrEqual(0);
    } finally {
      await t.close();
    }
  }, 120_000);
});
