import type { FastifyInstance } from 'fastify';
import type { Crm, Operator, SearchKind } from '@rapport/core';
import { ApiError } from './errors.js';

/**
 * `GET /api/v1/search?q=&kinds=tasks,partners&limit=&cursor=`: full-text search as the operator
 * (core's `crm.search`: their access rules apply, diacritics optional, words match as prefixes).
 * Kinds are checked by core against its closed list; a bad query, kind, limit or cursor is 400.
 */
export function searchApi(api: FastifyInstance, crm: Crm) {
  api.get('/api/v1/search', async (request) => {
    const operator: Operator = request.operator!;
    const q = request.query as Record<string, unknown>;
    if (typeof q.q !== 'string') throw new ApiError(400, 'VALIDATION', 'q must be the words to search for, e.g. ?q=enova');
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit)) throw new ApiError(400, 'VALIDATION', `limit must be a whole number from 1 to 50 (got ${JSON.stringify(q.limit)})`);
    if (q.kinds !== undefined && typeof q.kinds !== 'string')
      throw new ApiError(400, 'VALIDATION', 'kinds must be one comma-separated list, e.g. kinds=tasks,partners');
    if (q.cursor !== undefined && typeof q.cursor !== 'string') throw new ApiError(400, 'VALIDATION', 'cursor must be one nextCursor value');
    return crm.as(operator.id).search(q.q, {
      limit,
      ...(typeof q.kinds === 'string' ? { kinds: q.kinds.split(',') as SearchKind[] } : {}),
      ...(typeof q.cursor === 'string' ? { cursor: q.cursor } : {}),
    });
  });
}
