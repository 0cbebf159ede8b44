import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Crm, Operator, ViewInput, ViewPatch } from '@rapport/core';
import { ApiError, objectBody } from './errors.js';

/**
 * Views over HTTP, each as the bearer token's operator (`crm.as(operator)`): core decides what
 * they may see, save, change (owner or an edit share) and delete (owner).
 *
 * `GET /api/v1/views`: the views the operator may use (built-in first).
 * `GET /api/v1/views/:id?limit=&cursor=&timeZone=`: one page of a view run as the operator —
 * rows with their styles, the groups, the next cursor and the server's `now` (what the pane's
 * "My tasks" tab shows).
 * `GET /api/v1/views/:id/definition`: the view itself (name, spec, shares, version).
 * `POST /api/v1/views` `{ name, spec, shares? }` saves one (201); `PATCH /api/v1/views/:id`
 * `{ name?, spec?, shares?, expectedVersion? }` changes it; `DELETE /api/v1/views/:id` (204).
 */
export function viewsApi(api: FastifyInstance, crm: Crm) {
  const as = (request: FastifyRequest) => crm.as((request.operator as Operator).id);
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  api.get('/api/v1/views', async (request) => {
    const views = await as(request).views.list();
    return { views: views.map((v) => ({ id: v.id, name: v.name, kind: v.kind, builtin: 'builtin' in v })) };
  });

  api.get('/api/v1/views/:id', async (request) => {
    const q = request.query as Record<string, unknown>;
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new ApiError(400, 'VALIDATION', `limit must be a whole number from 1 to 200 (got ${JSON.stringify(q.limit)})`);
    const result = await as(request).views.run(id(request), {
      limit,
      ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}),
      ...(typeof q.timeZone === 'string' ? { timeZone: q.timeZone } : {}),
    });
    // The clock the rules ran against, so a client places rows (overdue, today) as they were styled.
    return { ...result, now: crm.clock.now().toISOString() };
  });

  api.get('/api/v1/views/:id/definition', async (request) => ({ view: await as(request).views.get(id(request)) }));

  api.post('/api/v1/views', async (request, reply) => {
    const view = await as(request).views.save(objectBody<ViewInput>(request));
    return reply.code(201).send({ view });
  });

  api.patch('/api/v1/views/:id', async (request) => {
    const { expectedVersion, ...patch } = objectBody<ViewPatch & { expectedVersion?: number }>(request);
    if (expectedVersion !== undefined && !Number.isInteger(expectedVersion))
      throw new ApiError(400, 'VALIDATION', `expectedVersion must be a whole number (got ${JSON.stringify(expectedVersion)})`);
    return { view: await as(request).views.update(id(request), patch, expectedVersion) };
  });

  api.delete('/api/v1/views/:id', async (request, reply) => {
    await as(request).views.remove(id(request));
    return reply.code(204).send();
  });
}
