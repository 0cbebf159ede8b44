import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RapportError } from '@rapport/core';
import { createApiServer, type InternalErrorReport } from '@rapport/outlook-addin';
import { toErrorResponse } from '../src/server/errors.js';
import { seed, type Seeded } from './fixtures.js';

// Every error, whoever raises it (a route, the store, Fastify's router or body parser, the rate
// limiter), answers { error: { code, message } } with a status that says what went wrong.
let s: Seeded;
let app: FastifyInstance;
const reports: InternalErrorReport[] = [];
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const shape = { error: { code: expect.any(String), message: expect.any(String) } };

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({
    crm: s.crm,
    paneDir: false,
    rateLimit: false,
    track: async () => {
      throw new Error('the parser fell over');
    },
    onInternalError: (report) => reports.push(report),
  });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

describe('error shapes', () => {
  it('answers 415 to a text/plain body on the JSON and message routes', async () => {
    for (const url of ['/api/v1/persons', '/api/v1/emails']) {
      const res = await app.inject({ method: 'POST', url, headers: { ...auth(s.tokens.anna), 'content-type': 'text/plain' }, payload: 'email=a@b.pl' });
      expect(res.statusCode, url).toBe(415);
      expect(res.json()).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) } });
    }
  });

  it('answers an over-long id with 414 and broken percent-encoding with 400, in the API shape', async () => {
    const long = await app.inject({ url: `/api/v1/tasks/${'x'.repeat(300)}`, headers: auth(s.tokens.anna) });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({ error: { code: 'URI_TOO_LONG', message: expect.stringContaining('100 characters') } });
    const broken = await app.inject({ url: '/api/v1/tasks/%E0%A4%A', headers: auth(s.tokens.anna) });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('gives a 404, a router error (414, bad percent-encoding) and a 401 the same security headers as a 200', async () => {
    const names = ['x-content-type-options', 'referrer-policy', 'cross-origin-opener-policy', 'permissions-policy', 'content-security-policy', 'cache-control'];
    const pick = (headers: Record<string, unknown>) => Object.fromEntries(names.map((n) => [n, headers[n]]));
    const ok = await app.inject({ url: '/api/v1/me', headers: auth(s.tokens.anna) });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const responses = [
      await app.inject({ url: '/api/v1/no-such-route', headers: auth(s.tokens.anna) }),
      await app.inject({ url: `/api/v1/tasks/${'x'.repeat(300)}`, headers: auth(s.tokens.anna) }),
      await app.inject({ url: '/api/v1/tasks/%E0%A4%A', headers: auth(s.tokens.anna) }),
      await app.inject({ url: '/api/v1/me' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([404, 414, 400, 401]);
    for (const res of responses) expect(pick(res.headers), res.body).toEqual(pick(ok.headers));
    // Outside /api/ too (no pane here: every path is a 404), minus the API's no-store.
    const outside = await app.inject({ url: '/nothing-here' });
    expect(outside.statusCode).toBe(404);
    expect(outside.headers['x-content-type-options']).toBe('nosniff');
    expect(outside.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('gives HSTS to a 404 over HTTPS on a public host name, as to a 200', async () => {
    const tls = await createApiServer({ crm: s.crm, paneDir: false, rateLimit: false, https: true });
    try {
      for (const url of ['/api/v1/me', '/api/v1/nope', `/api/v1/tasks/${'y'.repeat(300)}`]) {
        const res = await tls.inject({ url, headers: { ...auth(s.tokens.anna), host: 'crm.example.com' } });
        expect(res.headers['strict-transport-security'], url).toBe('max-age=31536000');
      }
    } finally {
      await tls.close();
    }
  });

  it('answers a forged pagination cursor with 400 VALIDATION, never 500', async () => {
    const forged = [
      cursorOf([{ x: 1 }, 'a', 'b']),
      cursorOf(['not a date', { d: 1 }, 'x']),
      cursorOf([{ d: 'x' }, { d: 1 }, 'id']),
      cursorOf([[], null, 1]),
      'garbage!',
    ];
    for (const cursor of forged) {
      const list = await app.inject({ url: `/api/v1/tasks?cursor=${encodeURIComponent(cursor)}`, headers: auth(s.tokens.anna) });
      expect(list.statusCode, cursor).toBe(400);
      expect(list.json()).toEqual({ error: { code: 'VALIDATION', message: expect.stringContaining('cursor') } });
    }
    for (const before of [cursorOf([{ d: 'x' }, 'id']), cursorOf([1, 2]), cursorOf([{ d: 1 }, { y: 2 }])]) {
      const history = await app.inject({ url: `/api/v1/history?email=jan.fiszka@zefir.pl&before=${before}`, headers: auth(s.tokens.anna) });
      expect(history.statusCode, before).toBe(400);
      expect(history.json()).toMatchObject({ error: { code: 'VALIDATION' } });
    }
    expect(reports).toEqual([]);
  });

  it('answers a 500 with a request id, and reports the error under that id', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.anna), 'content-type': 'message/rfc822' },
      payload: 'From: a@b.pl\r\n\r\nx',
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual(shape);
    expect(res.body).not.toContain('fell over');
    const id = /see its log \(request id ([0-9a-f]+)\)/.exec(res.json().error.message)?.[1];
    expect(reports).toEqual([{ requestId: id, method: 'POST', url: '/api/v1/emails', error: expect.objectContaining({ message: 'the parser fell over' }) }]);
  });
});

describe('rate limit message', () => {
  it('states the window and the time remaining, each for what it is', async () => {
    const limited = await createApiServer({ crm: s.crm, paneDir: false, rateLimit: { max: 1, windowMs: 5_000 } });
    try {
      const get = () => limited.inject({ url: '/api/v1/me', headers: auth(s.tokens.anna), remoteAddress: '10.9.9.9' });
      expect((await get()).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const refused = await get();
      expect(refused.statusCode).toBe(429);
      // 1.2 s into a 5 s window: at most 3.8 s remain.
      expect(refused.json()).toEqual({
        error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^too many requests from this address: at most 1 per 5 s; try again in [1-4] s$/) },
      });
    } finally {
      await limited.close();
    }
  });
});

describe('error codes', () => {
  it('a server the API depends on failing (CONNECTION) is a 502 whose details stay in the log', () => {
    const res = toErrorResponse(new RapportError('CONNECTION', 'IMAP server mail.internal:993 is unreachable (ECONNREFUSED) while trying to connect'));
    expect(res).toEqual({
      status: 502,
      body: { error: { code: 'INTERNAL', message: 'the server could not complete the request; see its log' } },
      internal: true,
    });
    expect(toErrorResponse(new RapportError('STORAGE', 'sqlite: insert failed')).status).toBe(500);
  });
});
