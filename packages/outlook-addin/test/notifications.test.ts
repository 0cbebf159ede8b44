import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createCrm } from '@rapport/core';
import { createApiServer } from '@rapport/outlook-addin';
import { seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;
let base: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false, notifications: { pollMs: 150, heartbeatMs: 60_000 } });
  await app.listen({ host: '127.0.0.1', port: 4500 });
  base = 'http://127.0.0.1:4500';
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
}

/** Opens the stream over a real connection and collects its events as they arrive. */
function openStream(
  token: string,
): Promise<{ res: IncomingMessage; events: SseEvent[]; next: (match: (e: SseEvent) => boolean) => Promise<SseEvent>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/api/v1/notifications/stream`, { headers: auth(token) }, (res) => {
      const events: SseEvent[] = [];
      const waiters: Array<{ match: (e: SseEvent) => boolean; done: (e: SseEvent) => void }> = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
          );
          if (!fields.event) continue;
          const e: SseEvent = { event: fields.event, data: JSON.parse(fields.data ?? 'null'), ...(fields.id ? { id: fields.id } : {}) };
          events.push(e);
          for (const w of waiters.splice(0)) {
            if (w.match(e)) w.done(e);
            else waiters.push(w);
          }
        }
      });
      const next = (match: (e: SseEvent) => boolean) =>
        new Promise<SseEvent>((done, fail) => {
          const seen = events.find(match);
          if (seen) return done(seen);
          const timer = setTimeout(() => fail(new Error(`no matching event; got ${JSON.stringify(events)}`)), 5_000);
          waiters.push({ match, done: (e) => (clearTimeout(timer), done(e)) });
        });
      resolve({ res, events, next, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('notification stream (SSE over HTTP)', () => {
  it('refuses a request without a valid bearer token with a JSON 401', async () => {
    const res = await fetch(`${base}/api/v1/notifications/stream`, { headers: auth('rpt_nope') });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('sends the counts at once, then each new notification of mine and the new counts, and nothing of others', async () => {
    const stream = await openStream(s.tokens.anna);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.res.headers['x-content-type-options']).toBe('nosniff');
      const first = await stream.next((e) => e.event === 'counts');
      expect(first.data).toEqual({ unread: 0, newTasks: expect.any(Number) });

      await s.crm.notifications.deliver({ operatorId: s.ids.piotr, kind: 'test', title: 'for Piotr only' });
      const n = await s.crm.notifications.deliver({
        operatorId: s.ids.anna,
        kind: 'reminder',
        title: 'Call Jan Fiszka',
        subject: { type: 'task', id: s.ids.enovaTask },
      });
      const pushed = await stream.next((e) => e.event === 'notification');
      expect(pushed).toMatchObject({ id: n.id, data: { id: n.id, title: 'Call Jan Fiszka', subjectType: 'task' } });
      await stream.next((e) => e.event === 'counts' && (e.data as { unread: number }).unread === 1);
      expect(stream.events.some((e) => JSON.stringify(e.data).includes('for Piotr only'))).toBe(false);
    } finally {
      stream.close();
    }
  });

  it('pushes what another process delivered into the same store (seen by polling)', async () => {
    const stream = await openStream(s.tokens.piotr);
    try {
      await stream.next((e) => e.event === 'counts');
      // A second CRM over the same store shares no events$ with the server's: like a worker process.
      const worker = createCrm({ store: s.crm.store, clock: s.crm.clock });
      await worker.notifications.deliver({ operatorId: s.ids.piotr, kind: 'rule', title: 'Delivered by the worker' });
      const pushed = await stream.next((e) => e.event === 'notification');
      expect(pushed.data).toMatchObject({ title: 'Delivered by the worker' });
    } finally {
      stream.close();
    }
  });
});

describe('notification routes', () => {
  it('lists my inbox with counts, marks read, snoozes and marks all read', async () => {
    const a = await s.crm.notifications.deliver({ operatorId: s.ids.anna, kind: 'test', title: 'route a' });
    await s.crm.notifications.deliver({ operatorId: s.ids.anna, kind: 'test', title: 'route b' });
    const list = await app.inject({ url: '/api/v1/notifications?limit=2', headers: auth(s.tokens.anna) });
    expect(list.statusCode).toBe(200);
    const body = list.json() as { items: Array<{ title: string }>; nextCursor: string | null; unread: number; newTasks: number };
    expect(body.items.map((i) => i.title)).toEqual(['route b', 'route a']);
    const unread = body.unread;

    expect((await app.inject({ method: 'POST', url: `/api/v1/notifications/${a.id}/read`, headers: auth(s.tokens.piotr) })).statusCode).toBe(404);
    const read = await app.inject({ method: 'POST', url: `/api/v1/notifications/${a.id}/read`, headers: auth(s.tokens.anna) });
    expect(read.json()).toMatchObject({ changed: 1, unread: unread - 1 });

    const bad = await app.inject({ method: 'POST', url: `/api/v1/notifications/${a.id}/snooze`, headers: auth(s.tokens.anna), payload: { until: 'tomorrow' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('until');
    const snoozed = await app.inject({
      method: 'POST',
      url: `/api/v1/notifications/${a.id}/snooze`,
      headers: auth(s.tokens.anna),
      payload: { until: '2030-01-01T00:00:00Z' },
    });
    expect(snoozed.statusCode).toBe(200);
    const after = (await app.inject({ url: '/api/v1/notifications', headers: auth(s.tokens.anna) })).json() as { items: Array<{ id: string }> };
    expect(after.items.map((i) => i.id)).not.toContain(a.id);

    const all = await app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: auth(s.tokens.anna) });
    expect(all.json()).toMatchObject({ unread: 0 });
  });

  it('shows the tasks new to me and marks them seen', async () => {
    await s.crm.as(s.ids.anna).tasks.create({ subject: 'Handed to Piotr', ownerId: s.ids.piotr });
    const fresh = (await app.inject({ url: '/api/v1/notifications/new-tasks', headers: auth(s.tokens.piotr) })).json() as {
      items: Array<{ subject: string }>;
      newTasks: number;
    };
    expect(fresh.items.map((t) => t.subject)).toContain('Handed to Piotr');
    expect((await app.inject({ method: 'POST', url: '/api/v1/notifications/new-tasks/seen', headers: auth(s.tokens.piotr) })).statusCode).toBe(200);
    const after = (await app.inject({ url: '/api/v1/notifications/new-tasks', headers: auth(s.tokens.piotr) })).json() as { newTasks: number };
    expect(after.newTasks).toBe(0);
  });
});
