import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { memoryBlobStore } from '@rapport/core';
import { fsBlobs, rejects, setup } from './setup.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

describe('task entries', () => {
  it('adds a note and shows it on the partner timeline', async () => {
    const { crm } = await setup();
    const p = await crm.partners.create({ code: 'Z', name: 'Z' });
    const t = await crm.tasks.create({ subject: 'Spotkanie', partnerId: p.id });
    const note = await crm.tasks.addNote(t.id, '  Klient zainteresowany modułem CRM  ');
    expect(note).toMatchObject({ kind: 'note', body: 'Klient zainteresowany modułem CRM', taskId: t.id });
    expect((await crm.tasks.entries(t.id)).items.map((e) => e.id)).toEqual([note.id]);
    expect((await crm.history.forPartner(p.id)).items[0]).toMatchObject({ kind: 'entry.note', subjectId: t.id });
    await rejects(crm.tasks.addNote(t.id, ''), 'VALIDATION', 'note.body');
    await rejects(crm.tasks.addNote('missing', 'x'), 'NOT_FOUND', '"missing"');
  });

  for (const [name, makeBlobs] of [
    ['memoryBlobStore', async () => memoryBlobStore()],
    ['fsBlobStore', fsBlobs],
  ] as const) {
    it(`streams a file into the ${name} and reads the same bytes back with size and sha256`, async () => {
      const { crm } = await setup({ blobs: await makeBlobs() });
      const t = await crm.tasks.create({ subject: 'x' });
      const bytes = randomBytes(300_000);
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += 64_000) yield bytes.subarray(i, i + 64_000);
        })(),
      );
      const entry = await crm.tasks.attachFile(t.id, { source, filename: 'oferta.pdf', contentType: 'application/pdf' });
      expect(entry.file).toMatchObject({
        filename: 'oferta.pdf',
        contentType: 'application/pdf',
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      const back = await readAll(await crm.tasks.openFile(entry.id));
      expect(back.equals(bytes)).toBe(true);
    });
  }

  it('refuses attaching a file without a BlobStore, with a clear VALIDATION', async () => {
    const { crm, store } = await setup({ blobs: null });
    const t = await crm.tasks.create({ subject: 'x' });
    await rejects(crm.tasks.attachFile(t.id, { source: Buffer.from('hi'), filename: 'a.txt' }), 'VALIDATION', 'BlobStore', 'blobs');
    expect((await store.find('task_entries')).items).toEqual([]);
  });

  it('refuses a file for an unknown task or without a name, storing nothing', async () => {
    const blobs = memoryBlobStore();
    const { crm } = await setup({ blobs });
    await rejects(crm.tasks.attachFile('missing', { source: Buffer.from('hi'), filename: 'a.txt' }), 'NOT_FOUND', '"missing"');
    const t = await crm.tasks.create({ subject: 'x' });
    await rejects(crm.tasks.attachFile(t.id, { source: Buffer.from('hi'), filename: ' ' }), 'VALIDATION', 'file.filename');
    const key = createHash('sha256').update('hi').digest('hex');
    expect(await blobs.stat(key)).toBeNull();
  });

  it('links a document of the host application', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    const e = await crm.tasks.linkDocument(t.id, { docType: 'invoice', docId: 'FV-7', number: 'FV/7/2026', amount: 123_45, currency: 'pln' });
    expect(e.link).toEqual({ docType: 'invoice', docId: 'FV-7', number: 'FV/7/2026', amount: 12345, currency: 'PLN' });
    await rejects(crm.tasks.linkDocument(t.id, { docType: '', docId: 'x' }), 'VALIDATION', 'link.docType');
    await rejects(crm.tasks.linkDocument(t.id, { docType: 'order', docId: 'x', amount: 1.5 }), 'VALIDATION', 'link.amount', '1.5');
  });

  it('lists entries oldest first', async () => {
    const { crm } = await setup();
    const t = await crm.tasks.create({ subject: 'x' });
    const a = await crm.tasks.addNote(t.id, 'a');
    const b = await crm.tasks.linkDocument(t.id, { docType: 'order', docId: '1' });
    expect((await crm.tasks.entries(t.id)).items.map((e) => e.id)).toEqual([a.id, b.id]);
  });
});
