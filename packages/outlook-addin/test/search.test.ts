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

const get = (url: string, token: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });
type Hits = { items: Array<{ kind: string; id: string; title: string }>; counts: Record<string, { count: number; exact: boolean }>; nextCursor: string | null };

describe('search over HTTP', () => {
  it("finds across kinds as the bearer: another operator's private task is neither listed nor counted", async () => {
    const anna = await get(`/api/v1/search?q=${encodeURIComponent('zefir')}`, s.tokens.anna);
    expect(anna.statusCode, anna.body).toBe(200);
    const hits = anna.json() as Hits;
    expect(hits.items.map((h) => [h.kind, h.id])).toEqual([
      ['tasks', s.ids.privateTask],
      ['partners', s.ids.zefir],
      ['persons', s.ids.jan],
    ]);
    const piotr = (await get('/api/v1/search?q=zefir', s.tokens.piotr)).json() as Hits;
    expect(piotr.items.map((h) => h.id)).not.toContain(s.ids.privateTask);
    expect(piotr.counts.tasks).toEqual({ count: 0, exact: true });
    const tasks = (await get(`/api/v1/search?q=${encodeURIComponent('INFORMACJE ENOV')}&kinds=tasks`, s.tokens.piotr)).json() as Hits;
    expect(tasks.items.map((h) => h.id)).toEqual([s.ids.enovaTask]);
    expect(tasks.counts).toEqual({ tasks: { count: 1, exact: true } });
  });

  it('pages with the cursor it returned', async () => {
    const first = (await get('/api/v1/search?q=zefir&limit=1', s.tokens.anna)).json() as Hits;
    const second = (await get(`/api/v1/search?q=zefir&limit=1&cursor=${first.nextCursor}`, s.tokens.anna)).json() as Hits;
    expect(second.items[0]!.id).not.toBe(first.items[0]!.id);
  });

  it('takes hostile words as words and answers 400 for a bad query, kind, limit or cursor, 401 without a token', async () => {
    for (const q of ['"NEAR(', '*', '-', "' OR 1=1 --", 'ab:* & cd', '\\']) {
      const r = await get(`/api/v1/search?q=${encodeURIComponent(q)}`, s.tokens.piotr);
      expect(r.statusCode, q).toBe(200);
    }
    expect((await get('/api/v1/search', s.tokens.anna)).statusCode).toBe(400);
    expect((await get(`/api/v1/search?q=${encodeURIComponent('a:* & b')}`, s.tokens.anna)).statusCode).toBe(400); // one-letter words only
    expect((await get(`/api/v1/search?q=${'x'.repeat(1001)}`, s.tokens.anna)).statusCode).toBe(400);
    expect((await get('/api/v1/search?q=xy&kinds=tasks,audit', s.tokens.anna)).statusCode).toBe(400);
    expect((await get('/api/v1/search?q=xy&limit=500', s.tokens.anna)).statusCode).toBe(400);
    expect((await get('/api/v1/search?q=xy&limit=abc', s.tokens.anna)).statusCode).toBe(400);
    expect((await get('/api/v1/search?q=xy&cursor=forged', s.tokens.anna)).statusCode).toBe(400);
    expect((await get('/api/v1/search?q=xy&q=y', s.tokens.anna)).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/search?q=x' })).statusCode).toBe(401);
  });
});
