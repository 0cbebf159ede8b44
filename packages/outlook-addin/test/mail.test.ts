import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '@rapport/outlook-addin';
import { seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('outbound mail over HTTP', () => {
  it('sends a task as the token’s operator; another operator who cannot see it gets 404, a stranger address 400', async () => {
    const input = { record: { kind: 'task', id: s.ids.privateTask }, to: { persons: [s.ids.jan] }, subject: 'Rabat', body: 'Poufne', key: 'rabat-1' };
    expect((await call('POST', '/api/v1/mail/send', s.tokens.piotr, input)).statusCode).toBe(404);
    const bad = await call('POST', '/api/v1/mail/send', s.tokens.anna, { ...input, to: { addresses: ['kto@inny.pl'] } });
    expect(bad.statusCode).toBe(400);
    const sent = await call('POST', '/api/v1/mail/send', s.tokens.anna, input);
    expect(sent.statusCode).toBe(201);
    const out = sent.json() as { messageId: string; email: { taskId: string }; duplicate: boolean };
    expect(out).toMatchObject({ duplicate: false, email: { taskId: s.ids.privateTask } });
    expect((await call('POST', '/api/v1/mail/send', s.tokens.anna, input)).json()).toMatchObject({ duplicate: true, messageId: out.messageId });
  });

  it('starts a serial mailing (202), queues it in the background and reports it to its creator only', async () => {
    const t = await s.crm.templates.create({
      name: 'Hi',
      channel: 'email',
      recordKind: 'person',
      language: 'pl',
      subject: 'Dzień dobry',
      body: 'Witaj {{ person.firstName }}',
    });
    const started = await call('POST', '/api/v1/mail/serial', s.tokens.anna, { key: 'hi', template: t.id, recipients: { ids: [s.ids.jan] } });
    expect(started.statusCode).toBe(202);
    const { run } = started.json() as { run: { id: string } };
    let report: { counts: Record<string, number>; recipients: Array<{ messageId: string | null }> } | undefined;
    for (let i = 0; i < 50 && !report?.recipients[0]?.messageId; i++) {
      report = (await call('GET', `/api/v1/mail/serial/${run.id}`, s.tokens.anna)).json();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(report!.counts).toMatchObject({ total: 1, pending: 1 });
    // Without a sender of its own, the mailing takes its starter’s domain (decision 0107).
    expect(report!.recipients[0]!.messageId).toMatch(/^<.+@firma\.pl>$/);
    expect((await call('GET', `/api/v1/mail/serial/${run.id}`, s.tokens.piotr)).statusCode).toBe(404);
  });
});
