import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createCrm, memoryBlobStore, type Store } from '@rapport/core';
import type { StoredRecord } from '@rapport/core/store';
import { createApiServer } from '@rapport/outlook-addin';
import { seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;
const track = (raw: string, token = s.tokens.anna, server = app) =>
  server.inject({ method: 'POST', url: '/api/v1/emails', headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' }, payload: raw });

/** Writes of an e-mail with this subject fail with a TypeError: a stand-in for a normaliser defect only one message triggers. */
function poisoned(store: Store, subject: string): Store {
  const check = (collection: string, records: StoredRecord[]) => {
    if (collection === 'emails' && records.some((r) => (r as { subject?: string }).subject === subject)) throw new TypeError(`poisoned message (${subject})`);
  };
  const wrap = (inner: Store): Store =>
    Object.assign(Object.create(inner) as Store, {
      create: <T extends StoredRecord>(collection: string, record: T) => (check(collection, [record]), inner.create(collection, record)),
      createMany: <T extends StoredRecord>(collection: string, records: T[]) => (check(collection, records), inner.createMany(collection, records)),
      transaction: <R>(fn: (tx: Store) => Promise<R>) => inner.transaction((tx) => fn(wrap(tx))),
    });
  return wrap(store);
}

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

const head = ['From: Jan Fiszka <jan.fiszka@zefir.pl>', 'To: Anna Kowalska <anna@firma.pl>', 'Date: Wed, 04 Nov 2026 08:15:00 +0100'];

describe('POST /api/v1/emails with hostile mail', () => {
  it('files a message cut off after "Content-Type: " in an attachment header (it answered 500)', async () => {
    const raw = [
      ...head,
      'Subject: cut short',
      'Message-ID: <cut@zefir.pl>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attachment',
      '--b',
      'Content-Type: ',
    ].join('\r\n');
    const res = await track(raw);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'imported', task: { subject: 'cut short' } });
    expect((await s.crm.emails.findByMessageId('<cut@zefir.pl>'))!.attachments.map((a) => a.contentType)).toEqual(['application/octet-stream']);
  });

  it('a message that breaks normalisation is quarantined with its reason and answered 400, never 500', async () => {
    const crm = createCrm({ store: poisoned(s.crm.store, 'poison'), blobs: memoryBlobStore() });
    const server = await createApiServer({ crm, paneDir: false });
    try {
      const res = await track([...head, 'Subject: poison', 'Message-ID: <poison@zefir.pl>', '', 'x'].join('\r\n'), s.tokens.anna, server);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({
        error: { code: 'VALIDATION', message: expect.stringMatching(/quarantined \(rejected: unexpected TypeError: poisoned message/) },
      });
      const [q] = (await crm.emails.quarantined({ account: 'addin' })).items;
      expect(q).toMatchObject({
        mailbox: 'anna@firma.pl',
        messageId: '<poison@zefir.pl>',
        subject: 'poison',
        reason: expect.stringMatching(/^rejected: unexpected TypeError/),
      });
      expect(q!.blobKey).not.toBeNull();
      expect(await crm.emails.findByMessageId('<poison@zefir.pl>')).toBeNull();
    } finally {
      await server.close();
    }
  });
});
