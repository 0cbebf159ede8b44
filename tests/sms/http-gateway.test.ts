import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRapportError } from '@rapport/core';
import { httpSmsGateway } from '@rapport/mail-bridge';
import { startSmsSink, type SmsSink } from '../support/sms.js';

const dir = mkdtempSync(join(tmpdir(), 'rapport-sms-'));
let sink: SmsSink;
const extra: SmsSink[] = [];

beforeAll(async () => {
  process.env.TEST_SMS_TOKEN = 'sms-secret-123';
  sink = await startSmsSink(4510, join(dir, 'main.jsonl'));
});
afterEach(async () => {
  await Promise.all(extra.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await sink.stop();
  delete process.env.TEST_SMS_TOKEN;
});

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code: string };
  }
  throw new Error('expected a failure');
}

describe('HTTP SMS gateway against a provider process on loopback', () => {
  it('posts the E.164 number, the text and the reference as JSON with the auth header from the environment', async () => {
    const gateway = httpSmsGateway({
      url: sink.url,
      auth: { scheme: 'Bearer', env: 'TEST_SMS_TOKEN' },
      from: 'Rapport',
      callbackUrl: 'https://crm.example/api/v1/sms/status?token=x',
    });
    const text = 'Przypomnienie: "Oddzwonić" do Zefir\n{"to":"+1"}';
    const result = await gateway.send({ to: '+48601220310', text, reference: 'reminder:t1:due' });
    expect(result).toEqual({ id: expect.stringMatching(/^msg-\d+$/), status: 'queued' });
    const req = sink.received().at(-1)!;
    expect(req.headers.authorization).toBe('Bearer sms-secret-123');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      to: '+48601220310',
      text,
      from: 'Rapport',
      reference: 'reminder:t1:due',
      callbackUrl: 'https://crm.example/api/v1/sms/status?token=x',
    });
  });

  it('fills a provider’s own form body and reads the id from a nested answer', async () => {
    const nested = await startSmsSink(4511, join(dir, 'nested.jsonl'), ['--nested']);
    extra.push(nested);
    const gateway = httpSmsGateway({
      url: nested.url,
      auth: { header: 'x-api-key', env: 'TEST_SMS_TOKEN' },
      encoding: 'form',
      body: { to: '{{to}}', message: '{{text}}', from: '{{from}}', idx: '{{reference}}', format: 'json' },
      idPath: 'list.0.id',
    });
    expect(await gateway.send({ to: '+40722123456', text: 'a&b=c', from: 'FIRMA', reference: 'k1' })).toEqual({ id: 'msg-1' });
    const req = nested.received()[0]!;
    expect(req.headers['x-api-key']).toBe('sms-secret-123');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ to: '+40722123456', message: 'a&b=c', from: 'FIRMA', idx: 'k1', format: 'json' });
  });

  it('refuses a number that is not E.164 before anything is sent', async () => {
    const gateway = httpSmsGateway({ url: sink.url });
    const before = sink.received().length;
    const err = await failure(gateway.send({ to: '601 220 310', text: 'x' }));
    expect(isRapportError(err, 'VALIDATION')).toBe(true);
    expect(err.message).toContain('sms.to');
    expect(sink.received()).toHaveLength(before);
  });

  it('says which environment variable is missing, and refuses plain http beyond loopback', async () => {
    const gateway = httpSmsGateway({ url: sink.url, auth: { env: 'TEST_SMS_NOT_SET' } });
    const err = await failure(gateway.send({ to: '+48601220310', text: 'x' }));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('TEST_SMS_NOT_SET');
    expect(() => httpSmsGateway({ url: 'http://sms.example.com/send' })).toThrow(/https/);
  });

  it('maps refused credentials to FORBIDDEN, a busy provider and a dead port to CONNECTION', async () => {
    const denied = await startSmsSink(4512, join(dir, 'denied.jsonl'), ['--status', '401']);
    const busy = await startSmsSink(4513, join(dir, 'busy.jsonl'), ['--fail', '1']);
    extra.push(denied, busy);
    expect((await failure(httpSmsGateway({ url: denied.url }).send({ to: '+48601220310', text: 'x' }))).code).toBe('FORBIDDEN');
    const gateway = httpSmsGateway({ url: busy.url });
    expect((await failure(gateway.send({ to: '+48601220310', text: 'x' }))).code).toBe('CONNECTION');
    expect((await gateway.send({ to: '+48601220310', text: 'x' })).id).toBe('msg-1');
    expect((await failure(httpSmsGateway({ url: 'http://127.0.0.1:4519/send', timeoutMs: 2000 }).send({ to: '+48601220310', text: 'x' }))).code).toBe(
      'CONNECTION',
    );
  });
});
