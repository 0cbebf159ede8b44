import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Crm, RuleInput, TemplateInput } from '@rapport/core';
import { ApiError, objectBody as body } from './errors.js';

const WATCH_CHANNELS = ['inapp', 'email', 'sms'];

/**
 * Notification rules, message templates and watches over HTTP, each as the bearer token's
 * operator (`crm.as(operator)`): core decides who may administer rules (administrators) and what
 * a watcher may watch (records they may see). No route names another operator.
 *
 * `GET|POST /api/v1/rules`, `GET|PATCH|DELETE /api/v1/rules/:id`, `GET /api/v1/rules/:id/report`;
 * `GET|POST /api/v1/templates`, `GET|PATCH|DELETE /api/v1/templates/:id`, `POST /api/v1/templates/:id/preview`;
 * `GET /api/v1/watches`, `POST /api/v1/watches` `{ type, id, channel? }`, `DELETE /api/v1/watches/:type/:id`.
 */
export function rulesApi(api: FastifyInstance, crm: Crm) {
  const as = (request: FastifyRequest) => crm.as(request.operator!.id);
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  api.get('/api/v1/rules', async (request) => ({ rules: await as(request).rules.list() }));
  api.post('/api/v1/rules', async (request, reply) => {
    const rule = await as(request).rules.create(body<RuleInput>(request));
    return reply.code(201).send({ rule });
  });
  api.get('/api/v1/rules/:id', async (request) => ({ rule: await as(request).rules.get(id(request)) }));
  api.patch('/api/v1/rules/:id', async (request) => {
    const { expectedVersion, ...patch } = body<Partial<RuleInput> & { expectedVersion?: number }>(request);
    return { rule: await as(request).rules.update(id(request), patch, expectedVersion === undefined ? {} : { expectedVersion }) };
  });
  api.delete('/api/v1/rules/:id', async (request, reply) => {
    await as(request).rules.delete(id(request));
    return reply.code(204).send();
  });
  // What this operator would receive from a cyclic rule now (only the rows they may see).
  api.get('/api/v1/rules/:id/report', async (request) => as(request).rules.runReport(id(request)));

  api.get('/api/v1/templates', async (request) => {
    const q = request.query as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const page = await as(request).templates.list({
      ...(str(q.channel) ? { channel: str(q.channel) as TemplateInput['channel'] } : {}),
      ...(str(q.recordKind) ? { recordKind: str(q.recordKind)! } : {}),
      ...(str(q.language) ? { language: str(q.language) as TemplateInput['language'] } : {}),
      ...(str(q.cursor) ? { cursor: str(q.cursor)! } : {}),
    });
    return { templates: page.items, nextCursor: page.nextCursor };
  });
  api.post('/api/v1/templates', async (request, reply) => {
    const template = await as(request).templates.create(body<TemplateInput>(request));
    return reply.code(201).send({ template });
  });
  api.get('/api/v1/templates/:id', async (request) => ({ template: await as(request).templates.get(id(request)) }));
  api.patch('/api/v1/templates/:id', async (request) => {
    const { expectedVersion, ...patch } = body<Partial<TemplateInput> & { expectedVersion?: number }>(request);
    return { template: await as(request).templates.update(id(request), patch, expectedVersion === undefined ? {} : { expectedVersion }) };
  });
  api.delete('/api/v1/templates/:id', async (request, reply) => {
    await as(request).templates.delete(id(request));
    return reply.code(204).send();
  });
  api.post('/api/v1/templates/:id/preview', async (request) => {
    const b = request.body === undefined || request.body === null ? {} : body<{ data?: Record<string, unknown> }>(request);
    if (b.data !== undefined && (typeof b.data !== 'object' || b.data === null || Array.isArray(b.data)))
      throw new ApiError(400, 'VALIDATION', 'data must be a JSON object of sample values');
    return as(request).templates.preview(id(request), b.data ?? {});
  });

  api.get('/api/v1/watches', async (request) => ({ watches: await as(request).notifications.watches() }));
  api.post('/api/v1/watches', async (request, reply) => {
    const b = body<{ type?: unknown; id?: unknown; channel?: unknown }>(request);
    if (b.channel !== undefined && !WATCH_CHANNELS.includes(String(b.channel)))
      throw new ApiError(400, 'VALIDATION', `channel must be one of ${WATCH_CHANNELS.join(', ')}`);
    const watch = await as(request).notifications.watch(
      { type: String(b.type ?? ''), id: String(b.id ?? '') },
      { when: 'changes', ...(b.channel ? { channel: b.channel as 'inapp' | 'email' | 'sms' } : {}) },
    );
    return reply.code(201).send({ watch });
  });
  api.delete('/api/v1/watches/:type/:id', async (request) => {
    const { type, id: recordId } = request.params as { type: string; id: string };
    return { removed: await as(request).notifications.unwatch({ type, id: recordId }) };
  });
}
