import type { FastifyInstance } from 'fastify';
import type { Crm, Operator } from '@rapport/core';
import { ApiError } from './errors.js';

/**
 * `GET /api/v1/views`: the views the operator may use (built-in first).
 * `GET /api/v1/views/:id?limit=&cursor=&timeZone=`: one page of a view run as the operator —
 * rows with their styles, the groups, the next cursor and the server's `now` (what the pane's
 * "My tasks" tab shows).
 */
export function viewsApi(api: FastifyInstance, crm: Crm) {
  api.get('/api/v1/views', async (request) => {
    const operator: Operator = request.operator!;
    const views = await crm.as(operator.id).views.list();
    return { views: views.map((v) => ({ id: v.id, name: v.name, kind: v.kind, builtin: 'builtin' in v })) };
  });

  api.get('/api/v1/views/:id', async (request) => {
    const operator: Operator = request.operator!;
    const { id } = request.params as { id: string };
    const q = request.query as Record<string, unknown>;
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new ApiError(400, 'VALIDATION', `limit must be a whole number from 1 to 200 (got ${JSON.stringify(q.limit)})`);
    const result = await crm.as(operator.id).views.run(id, {
      limit,
      ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}),
      ...(typeof q.timeZone === 'string' ? { timeZone: q.timeZone } : {}),
    });
    // The clock the rules ran against, so a client places rows (overdue, today) as they were styled.
    return { ...result, now: crm.clock.now().toISOString() };
  });
}
