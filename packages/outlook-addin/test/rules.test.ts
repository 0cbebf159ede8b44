import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '@rapport/outlook-addin';
import { seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;

beforeAll(async () => {
  s = await seed();
  await s.crm.roles.grant(s.ids.anna, 'administrator');
  app = await createApiServer({ crm: s.crm, paneDir: false });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('rules, templates and watches over HTTP', () => {
  it('lets an administrator create, read, change and delete a rule; anyone else is refused', async () => {
    const rule = {
      name: 'Done',
      on: 'task.status_changed',
      filter: { op: 'eq', field: 'status', value: 'done' },
      recipients: [{ owner: true }],
      channel: 'inapp',
    };
    expect((await call('POST', '/api/v1/rules', s.tokens.piotr, rule)).statusCode).toBe(403);
    const created = await call('POST', '/api/v1/rules', s.tokens.anna, rule);
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { rule: { id: string } }).rule.id;
    expect((await call('GET', '/api/v1/rules', s.tokens.piotr)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/rules', s.tokens.anna)).json()).toMatchObject({ rules: [{ id, name: 'Done', recordKind: 'task' }] });
    const bad = await call('POST', '/api/v1/rules', s.tokens.anna, { ...rule, name: 'x', filter: { op: 'eq', field: 'statuz', value: 'done' } });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { error: { message: string } }).error.message).toContain('statuz');
    expect((await call('PATCH', `/api/v1/rules/${id}`, s.tokens.anna, { active: false })).json()).toMatchObject({ rule: { active: false } });
    expect((await call('DELETE', `/api/v1/rules/${id}`, s.tokens.anna)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/rules/${id}`, s.tokens.anna)).statusCode).toBe(404);
  });

  it('saves a checked template and previews it; a bad one is 400 naming the variable', async () => {
    const t = { name: 'Hello', channel: 'email', recordKind: 'partner', language: 'pl', subject: 'Dzień dobry', body: 'Witamy {{ partner.name }}' };
    const created = await call('POST', '/api/v1/templates', s.tokens.anna, t);
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { template: { id: string } }).template.id;
    const preview = await call('POST', `/api/v1/templates/${id}/preview`, s.tokens.anna, { data: { partner: { name: 'ZEFIR' } } });
    expect(preview.json()).toEqual({ subject: 'Dzień dobry', body: 'Witamy ZEFIR' });
    const bad = await call('POST', '/api/v1/templates', s.tokens.anna, { ...t, body: '{{ partner.nazwa }}' });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { error: { message: string } }).error.message).toContain('partner.nazwa');
    expect((await call('GET', '/api/v1/templates?channel=email', s.tokens.anna)).json()).toMatchObject({ templates: [{ id }] });
    // Template writes need templates.create/update/delete: a salesperson has none.
    await s.crm.roles.grant(s.ids.piotr, 'salesperson');
    const refused = await call('POST', '/api/v1/templates', s.tokens.piotr, { ...t, name: 'Mine' });
    expect(refused.statusCode).toBe(403);
    expect((refused.json() as { error: { message: string } }).error.message).toContain('templates.create');
    expect((await call('DELETE', `/api/v1/templates/${id}`, s.tokens.piotr)).statusCode).toBe(403);
    await s.crm.roles.revoke(s.ids.piotr, 'salesperson');
  });

  it('watches a record the operator may see, and answers 404 for one they may not', async () => {
    expect((await call('POST', '/api/v1/watches', s.tokens.piotr, { type: 'task', id: s.ids.privateTask })).statusCode).toBe(404);
    const ok = await call('POST', '/api/v1/watches', s.tokens.piotr, { type: 'task', id: s.ids.enovaTask });
    expect(ok.statusCode).toBe(201);
    expect((await call('GET', '/api/v1/watches', s.tokens.piotr)).json()).toMatchObject({ watches: [{ subjectId: s.ids.enovaTask, channel: 'inapp' }] });
    expect((await call('DELETE', `/api/v1/watches/task/${s.ids.enovaTask}`, s.tokens.piotr)).json()).toEqual({ removed: 1 });
  });
});
