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

  it('saves, shows, changes and deletes a view as the bearer: shares, edit rights, stale versions and bad input answered with their codes', async () => {
    const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: unknown) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    const spec = { kind: 'tasks', filter: { op: 'eq', field: 'priority', value: 'high' }, sort: [{ field: 'dueAt' }] };
    const created = await send('POST', '/api/v1/views', s.tokens.anna, { name: 'Pilne Anny', spec, shares: [{ operatorId: s.ids.piotr, canEdit: false }] });
    expect(created.statusCode).toBe(201);
    const view = (created.json() as { view: { id: string; version: number; ownerId: string } }).view;
    expect(view.ownerId).toBe(s.ids.anna);

    // Piotr may use it (listed, run, shown) but not change or delete it.
    expect((await get('/api/v1/views', s.tokens.piotr)).body).toContain('Pilne Anny');
    expect((await get(`/api/v1/views/${view.id}`, s.tokens.piotr)).statusCode).toBe(200);
    const shown = await get(`/api/v1/views/${encodeURIComponent('Pilne Anny')}/definition`, s.tokens.piotr);
    expect(shown.json()).toMatchObject({ view: { id: view.id, spec: { kind: 'tasks', filter: spec.filter } } });
    expect((await send('PATCH', `/api/v1/views/${view.id}`, s.tokens.piotr, { name: 'Moje' })).statusCode).toBe(403);
    expect((await send('DELETE', `/api/v1/views/${view.id}`, s.tokens.piotr)).statusCode).toBe(403);

    // Bad input: an unknown field in the filter, a misspelt key, a taken name, a stale version, not an object.
    const unknownField = await send('POST', '/api/v1/views', s.tokens.anna, {
      name: 'Zła',
      spec: { kind: 'tasks', filter: { op: 'eq', field: 'colour', value: 1 } },
    });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json()).toMatchObject({ error: { code: 'VALIDATION', message: expect.stringContaining('colour') } });
    const typo = await send('PATCH', `/api/v1/views/${view.id}`, s.tokens.anna, { nmae: 'Pilne' });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toMatchObject({ error: { code: 'VALIDATION', message: expect.stringContaining('"nmae"') } });
    expect((await send('POST', '/api/v1/views', s.tokens.anna, { name: 'Pilne Anny', spec })).statusCode).toBe(409);
    expect((await send('POST', '/api/v1/views', s.tokens.anna, [1, 2])).statusCode).toBe(400);
    const renamed = await send('PATCH', `/api/v1/views/${view.id}`, s.tokens.anna, { name: 'Pilne', expectedVersion: view.version });
    expect(renamed.statusCode).toBe(200);
    expect((renamed.json() as { view: { name: string; version: number } }).view).toMatchObject({ name: 'Pilne', version: view.version + 1 });
    expect((await send('PATCH', `/api/v1/views/${view.id}`, s.tokens.anna, { name: 'Znowu', expectedVersion: view.version })).statusCode).toBe(409);
    expect((await get(`/api/v1/views/${view.id}/definition`, s.tokens.anna)).json()).toMatchObject({ view: { name: 'Pilne' } });

    // Unshared, Piotr no longer sees it; deleted, nobody does.
    expect((await send('PATCH', `/api/v1/views/${view.id}`, s.tokens.anna, { shares: [] })).statusCode).toBe(200);
    expect((await get(`/api/v1/views/${view.id}/definition`, s.tokens.piotr)).statusCode).toBe(404);
    expect((await send('DELETE', `/api/v1/views/${view.id}`, s.tokens.anna)).statusCode).toBe(204);
    expect((await get(`/api/v1/views/${view.id}`, s.tokens.anna)).statusCode).toBe(404);
  });
});
