import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCrm, memoryStore } from '@rapport/core';
import { ImapSync, importEml, importMbox } from '@rapport/mail-bridge';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-noblobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const withAttachment = [
  'From: Jan <jan@zefir.test>',
  'To: anna@firma.test',
  'Subject: offer',
  'Message-ID: <noblobs@zefir.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'see attached',
  '--b',
  'Content-Type: application/pdf; name="offer.pdf"',
  'Content-Disposition: attachment; filename="offer.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b--',
  '',
].join('\r\n');

it('a mail import into a CRM without a BlobStore is refused up front, nothing imported', async () => {
  const store = memoryStore();
  const crm = createCrm({ store });
  try {
    const eml = join(dir, 'offer.eml');
    const mbox = join(dir, 'Inbox');
    await writeFile(eml, withAttachment);
    await writeFile(mbox, `From jan@zefir.test Mon Mar  2 10:00:00 2026\n${withAttachment.replace(/\r\n/g, '\n')}`);
    const refusal = { code: 'VALIDATION', message: expect.stringMatching(/needs a BlobStore for attachments: pass `blobs` to createCrm/) };
    await expect(importEml(crm, eml)).rejects.toMatchObject(refusal);
    await expect(importMbox(crm, mbox)).rejects.toMatchObject(refusal);
    expect(() => new ImapSync(crm, { host: '127.0.0.1', port: 1, user: 'u', password: 'p' })).toThrow(/ImapSync needs a BlobStore/);
    expect(await store.count('emails')).toBe(0);
  } finally {
    await crm.close();
  }
});
