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

describe('views over HTTP', () => {
  it('lists the built-in views and runs them as the bearer, rows styled by the view', async () => {
    const list = await get('/api/v1/views', s.tokens.anna);
    expect(list.statusCode).toBe(200);
    expect((list.json() as { views: Array<{ id: string }> }).views.map((v) => v.id)).toContain('builtin:my-tasks');
    const mine = await get('/api/v1/views/builtin:my-tasks?limit=10', s.tokens.anna);
    const rows = (mine.json() as { rows: Array<{ id: string; style: unknown }> }).rows;
    expect(rows.map((r) => r.id)).toEqual([s.ids.enovaTask, s.ids.privateTask]);
    expect(rows[0]!.style).toEqual({ color: '#c00000', icon: 'alert' });
    const overdue = await get('/api/v1/views/Overdue', s.tokens.piotr);
    expect((overdue.json() as { rows: Array<{ id: string }> }).rows.map((r) => r.id)).toEqual([s.ids.enovaTask]);
  });

  it('answers 404 for a view that does not exist, 400 for a bad limit, 401 without a token', async () => {
    expect((await get('/api/v1/views/nope', s.tokens.anna)).statusCode).toBe(404);
    expect((await get('/api/v1/views/builtin:overdue?limit=5000', s.tokens.anna)).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/v1/views' })).statusCode).toBe(401);
  });

  it('shows another operator nothing of a view saved by Anna and not shared with them: not in the list, 404 by id or name', async () => {
    const spec = { kind: 'tasks' as const, filter: { op: 'eq' as const, field: 'status', value: 'open' } };
    const secret = await s.crm.as(s.ids.anna).views.save({ name: 'Poufny lejek Anny', spec });
    const list = await get('/api/v1/views', s.tokens.piotr);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('Poufny lejek');
    expect((await get(`/api/v1/views/${secret.id}`, s.tokens.piotr)).statusCode).toBe(404);
    expect((await get(`/api/v1/views/${encodeURIComponent('Poufny lejek Anny')}`, s.tokens.piotr)).statusCode).toBe(404);
    expect((await get('/api/v1/views', s.tokens.anna)).body).toContain('Poufny lejek');
  });
});
