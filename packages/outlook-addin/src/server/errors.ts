import type { FastifyRequest } from 'fastify';
import { isRapportError, type RapportErrorCode } from '@rapport/core';

/** The error codes the HTTP API answers with, beside RapportError's own. */
export type ApiErrorCode =
  | RapportErrorCode
  | 'UNAUTHORIZED'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'URI_TOO_LONG'
  | 'RATE_LIMITED'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL';

/** An error the API reports as `{ error: { code, message } }` with this HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A request's JSON object body, or 400. */
export function objectBody<T>(request: FastifyRequest): T {
  const b = request.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new ApiError(400, 'BAD_REQUEST', 'the request body must be a JSON object');
  return b as T;
}

const STATUS: Record<RapportErrorCode, number> = {
  VALIDATION: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STORAGE: 500,
  // A server this one depends on (e.g. an IMAP server) failed: a gateway error, details in the log.
  CONNECTION: 502,
};

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/**
 * Maps anything thrown by a route to a status and a body the client may see. Storage and
 * unexpected errors get a generic message: their details go to the log, never to the client.
 */
export function toErrorResponse(err: unknown, requestId?: string): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof ApiError) return { status: err.status, body: { error: { code: err.code, message: err.message } }, internal: false };
  if (isRapportError(err)) {
    const status = STATUS[err.code];
    if (status >= 500) return internalError(requestId, status);
    return { status, body: { error: { code: err.code, message: err.message } }, internal: false };
  }
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors (body too large, malformed JSON, unsupported media type).
    if (e.statusCode === 413) return client(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than this server accepts');
    if (e.statusCode === 415) return client(415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type (use application/json or message/rfc822)`);
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /JSON/i.test(e.message ?? '')) {
      return client(400, 'BAD_REQUEST', 'the request body is not valid JSON');
    }
    return client(
      e.statusCode === 401 || e.statusCode === 403 || e.statusCode === 404 || e.statusCode === 409 ? e.statusCode : 400,
      'BAD_REQUEST',
      'the request is malformed',
    );
  }
  return internalError(requestId);
}

function client(status: number, code: ApiErrorCode, message: string) {
  return { status, body: { error: { code, message } }, internal: false };
}

function internalError(requestId: string | undefined, status = 500) {
  const log = requestId ? `see its log (request id ${requestId})` : 'see its log';
  return { status, body: { error: { code: 'INTERNAL' as const, message: `the server could not complete the request; ${log}` } }, internal: true };
}
