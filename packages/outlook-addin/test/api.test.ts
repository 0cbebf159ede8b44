import { request as httpsRequest } from 'node:https';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer, ensureDevCertificate } from '@rapport/outlook-addin';
import { message, seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false, allowedOrigins: ['https://localhost:3000'], maxMessageBytes: 64 * 1024 });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

describe('authentication', () => {
  it('answers 401 without a token, with a bad token and with a revoked token', async () => {
    for (const headers of [{}, auth('rpt_not-a-real-token'), auth('garbage'), auth(s.tokens.revoked), { authorization: 'Basic abc' }]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/history?email=jan.fiszka@zefir.pl', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('a token stops working as soon as it is revoked', async () => {
    const { token, record } = await s.crm.operators.createToken(s.ids.anna);
    expect((await app.inject({ url: '/api/v1/me', headers: auth(token) })).statusCode).toBe(200);
    await s.crm.operators.revokeToken(record.id);
    expect((await app.inject({ url: '/api/v1/me', headers: auth(token) })).statusCode).toBe(401);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once an address has made max requests in the window, tokens or not', async () => {
    const limited = await createApiServer({ crm: s.crm, paneDir: false, rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const from = (ip: string, headers: Record<string, string>) => limited.inject({ url: '/api/v1/me', headers, remoteAddress: ip });
      expect((await from('10.0.0.1', auth(s.tokens.anna))).statusCode).toBe(200);
      expect((await from('10.0.0.1', auth('rpt_guess-1'))).statusCode).toBe(401);
      expect((await from('10.0.0.1', auth('rpt_guess-2'))).statusCode).toBe(401);
      const refused = await from('10.0.0.1', auth(s.tokens.anna));
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({
        error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^too many requests from this address: at most 3 per minute; try again in \d+ s$/) },
      });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers['content-security-policy']).toBeDefined();
      // Another address is counted apart.
      expect((await from('10.0.0.2', auth(s.tokens.anna))).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
    // The default server limits too (600 a minute): its headers say so.
    expect((await app.inject({ url: '/api/v1/me', headers: auth(s.tokens.anna) })).headers['x-ratelimit-limit']).toBe('600');
  });
});

describe('GET /api/v1/history', () => {
  it('returns the partner, person, open tasks with overdue flag and stage progress, and the timeline', async () => {
    const res = await app.inject({ url: '/api/v1/history?email=Jan.Fiszka@zefir.pl&limit=3', headers: auth(s.tokens.anna) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.partner).toMatchObject({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak' });
    expect(body.person).toMatchObject({ name: 'Jan Fiszka', position: 'Kierownik zakupów' });
    const enova = body.openTasks.find((t: { subject: string }) => t.subject === 'Informacje o systemie enova');
    expect(enova).toMatchObject({ number: '0001/2026/CRM', overdue: true, stages: { done: 1, total: 2, current: 'Wysłać prezentację e-mailem' } });
    expect(body.timeline.items).toHaveLength(3);
    expect(body.timeline.nextCursor).toEqual(expect.any(String));
    expect(body.hint).toBeNull();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('pages the timeline with the cursor', async () => {
    const first = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=2', headers: auth(s.tokens.anna) })).json();
    const second = (
      await app.inject({
        url: `/api/v1/history?email=jan.fiszka@zefir.pl&limit=2&before=${encodeURIComponent(first.timeline.nextCursor)}`,
        headers: auth(s.tokens.anna),
      })
    ).json();
    const ids = [...first.timeline.items, ...second.timeline.items].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('answers 200 with partner null and a hint for an unknown address', async () => {
    const res = await app.inject({ url: '/api/v1/history?email=someone@unknown-firm.example', headers: auth(s.tokens.anna) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ partner: null, person: null, openTasks: [], hint: expect.stringContaining('someone@unknown-firm.example') });
  });

  it('hides a private task and its timeline items from another operator, not from its owner', async () => {
    const owner = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', headers: auth(s.tokens.anna) })).json();
    const other = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', headers: auth(s.tokens.piotr) })).json();
    expect(owner.openTasks.map((t: { id: string }) => t.id)).toContain(s.ids.privateTask);
    expect(other.openTasks.map((t: { id: string }) => t.id)).not.toContain(s.ids.privateTask);
    expect(JSON.stringify(other)).not.toContain('poufne');
    expect(JSON.stringify(owner)).toContain('poufne');
    const list = (await app.inject({ url: '/api/v1/tasks?limit=200', headers: auth(s.tokens.piotr) })).json();
    expect(list.items.map((t: { id: string }) => t.id)).not.toContain(s.ids.privateTask);
    expect((await app.inject({ url: `/api/v1/tasks/${s.ids.privateTask}`, headers: auth(s.tokens.piotr) })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/v1/tasks/${s.ids.privateTask}`, headers: auth(s.tokens.anna) })).statusCode).toBe(200);
  });

  it('answers 400 on a missing or malformed address and a bad limit', async () => {
    for (const url of [
      '/api/v1/history',
      '/api/v1/history?email=not-an-address',
      '/api/v1/history?email=a@b.pl&limit=0',
      '/api/v1/history?email=a@b.pl&limit=abc',
      '/api/v1/history?email=a@b.pl&email=c@d.pl',
    ]) {
      const res = await app.inject({ url, headers: auth(s.tokens.anna) });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toMatch(/BAD_REQUEST|VALIDATION/);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

describe('POST /api/v1/emails', () => {
  it('tracks a message once: a second post answers the same task', async () => {
    const raw = message({ messageId: 'track-once@zefir.pl', subject: 'Prośba o demo enova' });
    const first = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.anna), 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ duplicate: false, task: { number: expect.any(String) } });
    const second = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.anna), 'content-type': 'application/json' },
      payload: { raw: Buffer.from(raw).toString('base64') },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ duplicate: true, task: { id: first.json().task.id } });
    const history = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', headers: auth(s.tokens.anna) })).json();
    expect(history.openTasks.filter((t: { subject: string }) => t.subject === 'Prośba o demo enova')).toHaveLength(1);
  });

  it('answers 413 on a body over the limit', async () => {
    const big = message({ messageId: 'big@zefir.pl', body: 'x'.repeat(200 * 1024) });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.anna), 'content-type': 'message/rfc822' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    const json = await app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: { ...auth(s.tokens.anna), 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.pl', name: 'x'.repeat(100_000) }),
    });
    expect(json.statusCode).toBe(413);
  });

  it('answers 400 on malformed JSON, bad base64 and a body that is not a message', async () => {
    const post = (payload: string, type: string) =>
      app.inject({ method: 'POST', url: '/api/v1/emails', headers: { ...auth(s.tokens.anna), 'content-type': type }, payload });
    for (const res of [
      await post('{"raw": ', 'application/json'),
      await post('{"raw": "!!!not base64!!!"}', 'application/json'),
      await post('[1,2]', 'application/json'),
      await post('hello, not a message', 'message/rfc822'),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: expect.stringMatching(/BAD_REQUEST|VALIDATION/), message: expect.any(String) } });
    }
    expect((await post('x', 'text/csv')).statusCode).toBe(415);
  });
});

describe('POST /api/v1/persons', () => {
  it('adds the sender as a contact at the partner owning the domain; a second add is 409', async () => {
    const body = { email: 'ewa.lis@zefir.pl', name: 'Ewa Lis' };
    const res = await app.inject({ method: 'POST', url: '/api/v1/persons', headers: auth(s.tokens.anna), payload: body });
    expect(res.statusCode).toBe(201);
    expect(res.json().person).toMatchObject({ firstName: 'Ewa', lastName: 'Lis', partnerId: s.ids.zefir });
    const again = await app.inject({ method: 'POST', url: '/api/v1/persons', headers: auth(s.tokens.anna), payload: body });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');
  });
});

describe('CORS and headers', () => {
  it('allows configured origins only', async () => {
    const ok = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/history',
      headers: { origin: 'https://localhost:3000', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://localhost:3000');
    const bad = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/history',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(bad.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.inject({ url: '/api/v1/nope', headers: auth(s.tokens.anna) });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });
});

describe('over a real HTTPS socket', () => {
  it('serves the history with a self-signed certificate made by openssl', async () => {
    const cert = ensureDevCertificate(join(mkdtempSync(join(tmpdir(), 'rapport-cert-')), 'certs'));
    expect(cert.created).toBe(true);
    const server = await createApiServer({ crm: s.crm, paneDir: false, tls: cert });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (server.server.address() as { port: number }).port;
      const get = (token: string, host?: string) =>
        new Promise<{ status: number; body: string; hsts: unknown }>((resolve, reject) => {
          const req = httpsRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/api/v1/history?email=jan.fiszka@zefir.pl',
              ca: cert.ca,
              servername: 'localhost',
              headers: { ...auth(token), ...(host ? { host } : {}) },
            },
            (res) => {
              let body = '';
              res.on('data', (c) => (body += c));
              res.on('end', () => resolve({ status: res.statusCode!, body, hsts: res.headers['strict-transport-security'] }));
            },
          );
          req.on('error', reject);
          req.end();
        });
      const ok = await get(s.tokens.anna);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).partner.code).toBe('ZEFIR');
      // HSTS only for a real host name: pinning it on localhost would break other dev servers there.
      expect(ok.hsts).toBeUndefined();
      expect((await get(s.tokens.anna, 'crm.example.test')).hsts).toMatch(/max-age/);
      expect((await get('rpt_wrong')).status).toBe(401);
      expect(ensureDevCertificate(cert.certPath.replace(/\/localhost\.pem$/, '')).created).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe('tracking through crm.emails.ingest', () => {
  it('files a message with an attachment on a task, shows it among the last e-mails and in the timeline', async () => {
    const raw = [
      'From: Jan Fiszka <jan.fiszka@zefir.pl>',
      'To: anna@firma.pl',
      'Subject: =?UTF-8?B?WmFtw7N3aWVuaWUgbmEgbGljZW5jamU=?=',
      'Message-ID: <with-attachment@zefir.pl>',
      'Date: Thu, 05 Nov 2026 08:00:00 +0100',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'W załączniku zamówienie.',
      '--b1',
      'Content-Type: application/pdf; name="zamowienie.pdf"',
      'Content-Disposition: attachment; filename="zamowienie.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 test').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.anna), 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'imported', duplicate: false, task: { subject: 'Zamówienie na licencje' } });
    const history = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', headers: auth(s.tokens.anna) })).json();
    expect(history.emails[0]).toMatchObject({ subject: 'Zamówienie na licencje', snippet: 'W załączniku zamówienie.', taskId: res.json().task.id });
    expect(history.timeline.items.map((i: { kind: string }) => i.kind)).toContain('email.received');
  });

  it('makes an unknown sender a prospect when the operator tracks their message', async () => {
    const raw = message({ from: 'Olga Brzoza <olga@brzoza-trade.example>', messageId: 'prospect@brzoza-trade.example', subject: 'Oferta współpracy' });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(s.tokens.piotr), 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(res.statusCode).toBe(201);
    const history = (await app.inject({ url: '/api/v1/history?email=olga@brzoza-trade.example', headers: auth(s.tokens.piotr) })).json();
    expect(history.partner).toMatchObject({ kind: 'prospect' });
    expect(history.person).toMatchObject({ firstName: 'Olga', lastName: 'Brzoza' });
    expect(history.openTasks).toEqual([expect.objectContaining({ subject: 'Oferta współpracy', ownerId: s.ids.piotr })]);
  });

  it('lists open opportunities of the partner', async () => {
    await s.crm.as(s.ids.anna).opportunities.create({ name: 'enova365 — 5 stanowisk', partnerId: s.ids.zefir, amount: 1_850_000, currency: 'PLN' });
    const history = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl', headers: auth(s.tokens.anna) })).json();
    expect(history.opportunities).toEqual([expect.objectContaining({ name: 'enova365 — 5 stanowisk', amount: 1_850_000, currency: 'PLN' })]);
  });
});

describe('timeline of a partner', () => {
  it('shows an e-mail to two contacts of one partner once', async () => {
    const ewa = await s.crm.as(s.ids.anna).persons.create({ partnerId: s.ids.zefir, firstName: 'Ewa', lastName: 'Nowak', emails: ['ewa.nowak@zefir.pl'] });
    expect(ewa.id).toBeTruthy();
    const raw = message({ messageId: 'two-contacts@zefir.pl', subject: 'Do obojga' }).replace(
      'To: Anna Kowalska <anna@firma.pl>',
      'To: Anna Kowalska <anna@firma.pl>\r\nCc: ewa.nowak@zefir.pl',
    );
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/emails', headers: { ...auth(s.tokens.anna), 'content-type': 'message/rfc822' }, payload: raw }))
        .statusCode,
    ).toBe(201);
    const history = (await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=100', headers: auth(s.tokens.anna) })).json();
    expect(history.timeline.items.filter((i: { title: string }) => i.title.includes('Do obojga') && i.title.startsWith('←'))).toHaveLength(1);
  });
});

describe('mail policy', () => {
  it('answers 403 when the sender is on the blocklist', async () => {
    const { createCrm, memoryBlobStore } = await import('@rapport/core');
    const { testStore } = await import('./fixtures.js');
    const crm = createCrm({ store: await testStore(), blobs: memoryBlobStore(), settings: { mail: { blocklist: ['@spam.example'] } } });
    const op = await crm.operators.create({ name: 'Anna', email: 'anna@firma.pl' });
    const { token } = await crm.operators.createToken(op.id);
    const server = await createApiServer({ crm, paneDir: false });
    try {
      const res = await server.inject({
        method: 'POST',
        url: '/api/v1/emails',
        headers: { ...auth(token), 'content-type': 'message/rfc822' },
        payload: message({ from: 'x@spam.example', messageId: 'spam@spam.example' }),
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    } finally {
      await server.close();
      await crm.close();
    }
  });
});
