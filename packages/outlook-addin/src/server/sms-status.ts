import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { RapportError, type Crm } from '@rapport/core';
import { ApiError } from './errors.js';

/** Where the SMS provider's delivery reports come in, and how to read them. */
export interface SmsCallbackOptions {
  /** Environment variable holding the secret the provider sends as `?token=` (in the callback URL it is given). */
  secretEnv: string;
  /** Dotted paths of the reference (the outbox key sent as client reference), the status and the error in the body. */
  referencePath?: string;
  statusPath?: string;
  errorPath?: string;
}

const read = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((at, part) => (at && typeof at === 'object' && Object.hasOwn(at, part) ? (at as Record<string, unknown>)[part] : undefined), value);

/**
 * `POST /api/v1/sms/status`: the provider's delivery report, JSON or form-encoded. It carries no
 * bearer token (the provider is not an operator); it is authenticated by a secret in the URL,
 * compared in constant time, and records the status on the SMS's outbox row.
 */
export async function smsStatusRoute(app: FastifyInstance, crm: Crm, options: SmsCallbackOptions) {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post('/api/v1/sms/status', { bodyLimit: 16 * 1024 }, async (request) => {
      const expected = process.env[options.secretEnv];
      if (!expected) throw new ApiError(503, 'INTERNAL', `SMS status callbacks are not configured (${options.secretEnv} is not set)`);
      const given = (request.query as Record<string, unknown>).token;
      const ok = typeof given === 'string' && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      if (!ok) throw new ApiError(401, 'UNAUTHORIZED', 'the callback token is missing or wrong');
      const body = request.body;
      const reference = read(body, options.referencePath ?? 'reference');
      const status = read(body, options.statusPath ?? 'status');
      const error = read(body, options.errorPath ?? 'error');
      if (typeof reference !== 'string' || typeof status !== 'string')
        throw new RapportError('VALIDATION', `the report needs ${options.referencePath ?? 'reference'} and ${options.statusPath ?? 'status'} as text`);
      const entry = await crm.sms.recordStatus({ reference, status, ...(typeof error === 'string' ? { error } : {}) });
      return { key: entry.key, delivery: status.toLowerCase() };
    });
  });
}
