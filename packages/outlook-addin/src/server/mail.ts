import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Crm, SendInput, SerialInput } from '@rapport/core';
import { ApiError } from './errors.js';

function body<T>(request: FastifyRequest): T {
  const b = request.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new ApiError(400, 'BAD_REQUEST', 'the request body must be a JSON object');
  return b as T;
}

/**
 * Outbound mail over HTTP, as the bearer token's operator (core checks they see the record and
 * that recipients are the partner's people or operators):
 *
 * `POST /api/v1/mail/send` (`crm.mail.send`'s input) → 201 `{ key, messageId, email, duplicate }`;
 * `POST /api/v1/mail/serial` `{ key?, template, recipients, ratePerMinute?, from?, data? }` → 202 `{ run }`:
 * the run is prepared in the background (posting the same key again resumes it), a worker delivers;
 * `GET /api/v1/mail/serial/:id` → the per-recipient report.
 */
export function mailApi(api: FastifyInstance, crm: Crm, log: (err: unknown) => void) {
  const as = (request: FastifyRequest) => crm.as(request.operator!.id);

  api.post('/api/v1/mail/send', async (request, reply) => {
    const sent = await as(request).mail.send(body<SendInput>(request));
    return reply.code(sent.duplicate ? 200 : 201).send({ key: sent.key, messageId: sent.messageId, email: sent.email, duplicate: sent.duplicate });
  });

  api.post('/api/v1/mail/serial', async (request, reply) => {
    const mail = as(request).mail;
    const run = await mail.serial.start(body<SerialInput>(request));
    // Rendering and queueing may take minutes on a throttled run: the answer does not wait.
    void mail.serial.prepare(run.id).catch(log);
    return reply.code(202).send({ run });
  });

  api.get('/api/v1/mail/serial/:id', async (request) => as(request).mail.serial.report((request.params as { id: string }).id));
}
