import rateLimit from '@fastify/rate-limit';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { GRID_VIEWS, type Crm, type GridView, type Operator } from '@rapport/core';
import { ApiError } from './errors.js';

export interface FeedRouteOptions {
  crm: Crm;
  rateLimit: { max: number; windowMs: number } | false;
}

/**
 * `GET /calendar/feeds/<token>.ics`: the iCalendar feed a secret token opens, streamed as
 * `text/calendar`. Calendar clients send no bearer token, so the URL is the secret; it is counted
 * by the same per-address rate limit as the API, and an unknown or revoked token is a 404.
 */
export const feedRoute: FastifyPluginAsync<FeedRouteOptions> = async (app, options) => {
  if (options.rateLimit !== false) {
    await app.register(rateLimit, { global: false, max: options.rateLimit.max, timeWindow: options.rateLimit.windowMs });
    app.addHook('onRequest', app.rateLimit());
  }
  app.get('/calendar/feeds/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const token = file.endsWith('.ics') ? file.slice(0, -4) : file;
    const body = await options.crm.calendar.feeds.open(token);
    return reply
      .type(body.contentType)
      .header('cache-control', 'private, max-age=300')
      .header('content-disposition', 'inline; filename="rapport.ics"')
      .send(Readable.from(body.chunks));
  });
};

/** `GET /api/v1/calendar?view=week&date=YYYY-MM-DD&timeZone=…`: the operator's own grid. */
export function calendarApi(api: FastifyInstance, crm: Crm) {
  api.get('/api/v1/calendar', async (request) => {
    const q = request.query as Record<string, unknown>;
    const operator: Operator = request.operator!;
    const view = typeof q.view === 'string' ? q.view : 'week';
    if (!(GRID_VIEWS as readonly string[]).includes(view))
      throw new ApiError(400, 'VALIDATION', `view must be one of ${GRID_VIEWS.join(', ')} (got ${JSON.stringify(view)})`);
    const date = typeof q.date === 'string' ? q.date : crm.clock.now();
    const timeZone = typeof q.timeZone === 'string' ? q.timeZone : 'UTC';
    return crm.as(operator.id).calendar.grid({ operators: [operator.id], view: view as GridView, date, timeZone });
  });
}
