import { PassThrough, type Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Crm } from '@rapport/core';
import { ApiError } from './errors.js';

/** The record kinds a print template exists for (a closed list, checked before anything is read). */
export const PRINT_ROUTE_KINDS = ['task', 'offer', 'partner'] as const;
export type PrintRouteKind = (typeof PRINT_ROUTE_KINDS)[number];

/**
 * Prints one record to PDF into `out` as the CRM's actor, resolving the template by id or name
 * (else the default); rejects with a RapportError before writing when the record or template is
 * refused. `printRecord` of `@rapport/export` is one.
 */
export type Printer = (
  crm: Crm,
  request: { kind: PrintRouteKind; id: string; template?: string; language?: string },
  out: Writable,
) => Promise<{ id: string; name: string }>;

/**
 * `GET /api/v1/print/:kind/:id?template=&language=`: the record as `application/pdf`, streamed,
 * printed through the operator's own CRM, so a record they may not read is core's NOT_FOUND (404),
 * exactly as one that does not exist. Errors before the first byte answer as JSON.
 * Without a printer (the host passed none), the route says so with a 501.
 */
export function printApi(api: FastifyInstance, crm: Crm, print: Printer | undefined) {
  api.get('/api/v1/print/:kind/:id', async (request, reply) => {
    const { kind, id } = request.params as { kind: string; id: string };
    if (!(PRINT_ROUTE_KINDS as readonly string[]).includes(kind))
      throw new ApiError(400, 'VALIDATION', `print kind must be one of ${PRINT_ROUTE_KINDS.join(', ')} (got ${JSON.stringify(kind.slice(0, 40))})`);
    if (!print) throw new ApiError(501, 'NOT_IMPLEMENTED', 'printing is not enabled on this server (the host passes print: printRecord from @rapport/export)');
    const q = request.query as Record<string, unknown>;
    const template = text(q.template, 'template');
    const operator = request.operator!;
    const language = text(q.language, 'language') ?? operator.language ?? undefined;
    const body = new PassThrough();
    const done = print(crm.as(operator.id), { kind: kind as PrintRouteKind, id, ...(template ? { template } : {}), ...(language ? { language } : {}) }, body);
    // Wait for the first byte (the record and template were read and accepted) or the refusal,
    // so a refusal is a JSON error with its status, and a PDF is streamed as it is written.
    await Promise.race([new Promise<void>((resolve) => body.once('readable', resolve)), done]);
    done.catch((err: unknown) => {
      // After the headers went out, a failure can only cut the response short; it goes to the log.
      request.log.error({ err }, 'print failed while streaming');
      body.destroy(err as Error);
    });
    return reply
      .type('application/pdf')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `inline; filename="${kind}-${id.replace(/[^A-Za-z0-9_-]/g, '')}.pdf"`)
      .send(body);
  });
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 200)
    throw new ApiError(400, 'BAD_REQUEST', `query parameter ${name} must be given once, at most 200 characters`);
  return value;
}
