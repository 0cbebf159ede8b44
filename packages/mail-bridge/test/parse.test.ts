import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../src/parse.js';
import { ParsePool } from '../src/parse-pool.js';
import { malformedMessages } from './support/malformed.js';
import { rfc822 } from './support/messages.js';

const noBlobs = async (s: Readable) => {
  s.resume();
  return { key: 'x', size: 0, sha256: 'x' };
};

describe('parsing', () => {
  it('the worker thread parses a message exactly as the main thread does, and hands back messages with attachments', async () => {
    const pool = new ParsePool();
    try {
      const raws = [
        Buffer.from(rfc822({ messageId: '<w@zefir.test>', cc: 'Ola <ola@x.test>, "Group": a@y.test, b@y.test;', references: '<r1@x> <r2@x>', inReplyTo: '<r2@x>', headers: { 'List-Id': '<l.x.test>' } })),
        ...malformedMessages().filter((m) => !['path-traversal-filename', 'nested-rfc822', 'huge-header-line'].includes(m.name)).map((m) => m.raw),
      ];
      for (const raw of raws) {
        const viaWorker = await pool.parse(raw);
        const viaMain = await parseMessage(Readable.from([raw]), noBlobs);
        expect(viaWorker.parsed).toEqual(viaMain);
      }
      const withAttachment = malformedMessages().find((m) => m.name === 'path-traversal-filename')!.raw;
      expect(await pool.parse(withAttachment)).toEqual({ parsed: null, reason: 'attachments' });
      // Messages over 256 KB stay on the main thread (they nearly always have attachments).
      expect((await pool.parse(malformedMessages().find((m) => m.name === 'huge-header-line')!.raw)).parsed).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('an idle worker stops after its idle time and the next message starts another', async () => {
    const pool = new ParsePool(50);
    try {
      const raw = Buffer.from(rfc822({ messageId: '<idle@zefir.test>' }));
      expect((await pool.parse(raw)).parsed?.message.messageId).toBe('<idle@zefir.test>');
      const first = (pool as unknown as { worker: unknown }).worker;
      expect(first).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((pool as unknown as { worker: unknown }).worker).toBeNull();
      expect((await pool.parse(raw)).parsed?.message.messageId).toBe('<idle@zefir.test>');
      expect((pool as unknown as { worker: unknown }).worker).not.toBe(first);
    } finally {
      await pool.close();
    }
  });
});
