import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import { RapportError, type Crm, type Operator } from '@rapport/core';
import { ApiError, toErrorResponse } from './errors.js';
import { historyFor } from './history.js';
import { notificationRoutes, type NotificationRouteOptions } from './notifications.js';
import { rulesApi } from './rules.js';
import { mailApi } from './mail.js';
import { smsStatusRoute, type SmsCallbackOptions } from './sms-status.js';
import { defaultPaneDir, manifestFor, MANIFESTS, readPaneFile } from './pane-files.js';
import { applySecurityHeaders, paneCsp, securityHeaders } from './security.js';
import { defaultTracker, type Tracker } from './track.js';
import { calendarApi, feedRoute } from './calendar.js';
import { viewsApi } from './views.js';
import { searchApi } from './search.js';
import { printApi, type Printer } from './print.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The operator the bearer token belongs to (set on every /api route). */
    operator: Operator | null;
  }
}

export interface ApiOptions {
  crm: Crm;
  /** Origins allowed by CORS (exact match, e.g. `https://localhost:3000`). Same-origin needs none. */
  allowedOrigins?: string[];
  /** Largest e-mail `POST /api/v1/emails` accepts, in bytes (default 25 MiB). */
  maxMessageBytes?: number;
  /** Largest JSON body of the other routes, in bytes (default 64 KiB). */
  maxJsonBytes?: number;
  /** Folder of the built pane; `false` serves no pane. Default: this package's dist/pane. */
  paneDir?: string | false;
  /** How a tracked e-mail becomes a task (default: crm.emails.ingest, see track.ts). */
  track?: Tracker;
  /** Whether the server is reached over HTTPS (adds Strict-Transport-Security). */
  https?: boolean;
  /**
   * The origin clients reach this server at (e.g. `https://localhost:3443`): the Outlook
   * manifests are then served at /manifests/... with their URLs pointing here.
   */
  publicOrigin?: string;
  /**
   * Requests one client address may make to /api per window (default 600 a minute; `false`
   * turns the limit off). Counted before authentication, so a flood and token guessing are
   * slowed alike. Behind a reverse proxy, set Fastify's `trustProxy` so clients count apart.
   */
  rateLimit?: { max: number; windowMs?: number } | false;
  /**
   * Called for every request that fails with a 500, with the request id the client is told
   * (the body says "see its log"). Default: Fastify's logger at level error.
   */
  onInternalError?: (report: InternalErrorReport) => void;
  /** The notification stream's poll and heartbeat intervals. */
  notifications?: NotificationRouteOptions;
  /** Serves GET /api/v1/print/:kind/:id with it (`printRecord` of `@rapport/export`); without it the route answers 501. */
  print?: Printer;
  /** Accept the SMS provider's delivery reports at POST /api/v1/sms/status (off without it). */
  smsCallback?: SmsCallbackOptions;
}

/** A request that failed on the server's side. */
export interface InternalErrorReport {
  requestId: string;
  method: string;
  url: string;
  error: unknown;
}

const OPEN_STATUSES = ['open', 'in_progress'] as const;

/**
 * The Rapport HTTP API and the task pane's pages, as a Fastify plugin a host application can
 * register: `app.register(rapportApi, { crm, allowedOrigins })`.
 */
export const rapportApi: FastifyPluginAsync<ApiOptions> = async (app, options) => {
  const crm = reuseContexts(options.crm);
  const maxMessage = options.maxMessageBytes ?? 25 * 1024 * 1024;
  const maxJson = options.maxJsonBytes ?? 64 * 1024;
  const allowed = new Set(options.allowedOrigins ?? []);
  const track = options.track ?? defaultTracker(crm);
  const paneDir = options.paneDir === false ? null : (options.paneDir ?? defaultPaneDir());
  const https = options.https ?? false;

  app.decorateRequest('operator', null);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });

  app.addHook('onSend', securityHeaders(https));

  app.setErrorHandler((err, request, reply) => {
    const { status, body, internal } = toErrorResponse(err, request.id);
    if (internal) {
      const report = { requestId: request.id, method: request.method, url: request.url.split('?')[0]!, error: err };
      if (options.onInternalError) options.onInternalError(report);
      else request.log.error({ err, requestId: request.id }, 'request failed');
    }
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="rapport"');
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });

  // Fastify reads text/plain as a string by default; here it is refused (415) like any other
  // type the routes do not take.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['message/rfc822', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // The API: every route needs a valid bearer token.
  await app.register(async (api) => {
    if (options.rateLimit !== false) {
      const { max, windowMs = 60_000 } = options.rateLimit ?? { max: 600 };
      await api.register(rateLimit, {
        global: false,
        max,
        timeWindow: windowMs,
        // context.after is the time left, not the window: say both, each for what it is.
        errorResponseBuilder: (_request, context) =>
          new ApiError(
            429,
            'RATE_LIMITED',
            `too many requests from this address: at most ${context.max} per ${duration(windowMs)}; try again in ${Math.ceil(context.ttl / 1000)} s`,
          ),
      });
      // A hook of the scope, added before authentication: route-level hooks would run after it,
      // and requests with a bad token would not count.
      api.addHook('onRequest', api.rateLimit());
    }
    api.addHook('onRequest', async (request) => {
      if (request.method === 'OPTIONS') return;
      request.operator = await authenticate(crm, request);
    });

    api.get('/api/v1/me', { bodyLimit: maxJson }, async (request) => {
      const op = request.operator!;
      return { operator: { id: op.id, name: op.name, email: op.email }, access: await crm.as(op.id).access.effective() };
    });

    api.get('/api/v1/history', async (request) => {
      const q = request.query as Record<string, unknown>;
      const email = single(q.email, 'email');
      if (!email) throw new ApiError(400, 'BAD_REQUEST', 'query parameter email is required (e.g. ?email=jan.fiszka@zefir.pl)');
      const limit = intParam(q.limit, 'limit', 20, 1, 200);
      const before = single(q.before, 'before');
      return historyFor(crm.as(request.operator!.id), email, { limit, ...(before ? { before } : {}) });
    });

    api.post('/api/v1/emails', { bodyLimit: Math.ceil((maxMessage * 4) / 3) + 4096 }, async (request, reply) => {
      const raw = messageBytes(request.body, request.headers['content-type']);
      if (raw.length === 0) throw new ApiError(400, 'BAD_REQUEST', 'the message is empty');
      if (raw.length > maxMessage) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the message is ${raw.length} bytes; this server accepts up to ${maxMessage}`);
      const result = await track(raw, request.operator!);
      return reply.status(result.duplicate ? 200 : 201).send(result);
    });

    api.post('/api/v1/persons', { bodyLimit: maxJson }, async (request, reply) => {
      const body = jsonObject(request.body);
      const as = crm.as(request.operator!.id);
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      if (!email) throw new ApiError(400, 'BAD_REQUEST', 'email is required');
      if ((await as.persons.findByEmail(email)).length > 0) throw new RapportError('CONFLICT', `a person with e-mail ${email} already exists`);
      const { firstName, lastName } = names(body, email);
      let partnerId = typeof body.partnerId === 'string' ? body.partnerId : null;
      if (!partnerId) partnerId = (await as.history.forEmail(email, { limit: 1 })).partner?.id ?? null;
      const person = await as.persons.create({
        firstName,
        lastName,
        emails: [email],
        partnerId,
        ...(typeof body.position === 'string' ? { position: body.position } : {}),
        ...(Array.isArray(body.phones) ? { phones: body.phones as string[] } : {}),
      });
      return reply.status(201).send({ person });
    });

    api.get('/api/v1/tasks', async (request) => {
      const q = request.query as Record<string, unknown>;
      const operator = request.operator!;
      const owner = single(q.owner, 'owner');
      const status = single(q.status, 'status');
      const partnerId = single(q.partnerId, 'partnerId');
      const cursor = single(q.cursor, 'cursor');
      // The operator's rules are AND-ed into the query by core: pages stay full.
      const page = await crm.as(operator.id).tasks.list({
        ...(owner ? { ownerId: owner === 'me' ? operator.id : owner } : {}),
        ...(status ? { status: status === 'active' ? [...OPEN_STATUSES] : (status.split(',') as never) } : {}),
        ...(partnerId ? { partnerId } : {}),
        ...(single(q.overdue, 'overdue') === 'true' ? { overdue: true } : {}),
        limit: intParam(q.limit, 'limit', 50, 1, 200),
        ...(cursor ? { cursor } : {}),
      });
      return { items: page.items, nextCursor: page.nextCursor };
    });

    calendarApi(api, crm);
    viewsApi(api, crm);
    searchApi(api, crm);
    printApi(api, crm, options.print);

    api.get('/api/v1/tasks/:id', async (request) => {
      const { id } = request.params as { id: string };
      // A task one may not see answers as if it did not exist (core's NOT_FOUND).
      const as = crm.as(request.operator!.id);
      const task = await as.tasks.get(id);
      return { task, stages: await as.tasks.stages(id) };
    });

    notificationRoutes(api, crm, options.notifications);
    rulesApi(api, crm);
    mailApi(api, crm, (err) => app.log.error(err));
  });

  const limit = options.rateLimit === false ? false : { max: options.rateLimit?.max ?? 600, windowMs: options.rateLimit?.windowMs ?? 60_000 };
  await app.register(feedRoute, { crm, rateLimit: limit });

  if (options.smsCallback) await smsStatusRoute(app, crm, options.smsCallback);

  if (paneDir) {
    app.get('/', async (_request, reply) => reply.redirect('/pane/taskpane.html'));
    const servePane = async (name: string, reply: import('fastify').FastifyReply) => {
      const file = await readPaneFile(paneDir, name);
      if (!file) throw new ApiError(404, 'NOT_FOUND', `no pane file ${JSON.stringify(name)}`);
      reply.type(file.type);
      if (file.type.startsWith('text/html')) {
        reply.header('content-security-policy', paneCsp({ officeJs: name === 'taskpane.html' }));
        reply.header('cache-control', 'no-cache');
      } else reply.header('cache-control', 'public, max-age=300');
      return reply.send(file.body);
    };
    app.get('/pane/:name', async (request, reply) => servePane((request.params as { name: string }).name, reply));
    app.get('/pane/icons/:name', async (request, reply) => servePane(`icons/${(request.params as { name: string }).name}`, reply));
  }

  if (options.publicOrigin) {
    const origin = new URL(options.publicOrigin).origin;
    app.get('/manifests/:name', async (request, reply) => {
      const name = (request.params as { name: string }).name;
      const file = MANIFESTS[name];
      if (!file) throw new ApiError(404, 'NOT_FOUND', `no manifest ${JSON.stringify(name)} (try outlook-addin.xml or manifest.json)`);
      return reply
        .type(file.type)
        .header('cache-control', 'no-cache')
        .send(await manifestFor(file.path, origin));
    });
  }
};

/**
 * The CRM with `as(id)` kept per operator: building a context builds every module, and a
 * request needs one. Contexts hold no data of their own (the principal cache they share is
 * core's AccessEngine, cleared on access changes), so one per operator serves every request.
 */
function reuseContexts(crm: Crm, max = 1_000): Crm {
  const contexts = new Map<string | null, Crm>();
  return {
    ...crm,
    as(operatorId) {
      let context = contexts.get(operatorId);
      if (!context) {
        if (contexts.size >= max) contexts.clear();
        contexts.set(operatorId, (context = crm.as(operatorId)));
      }
      return context;
    },
  };
}

/** A window as people say it: `minute`, `5 minutes`, `30 s`. */
function duration(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  return `${Math.ceil(ms / 1000)} s`;
}

async function authenticate(crm: Crm, request: FastifyRequest): Promise<Operator> {
  const header = request.headers.authorization;
  if (!header) throw new ApiError(401, 'UNAUTHORIZED', 'send Authorization: Bearer <token> (create one with: rapport tokens create --operator EMAIL)');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const operator = match ? await crm.operators.authenticate(match[1]!) : null;
  if (!operator) throw new ApiError(401, 'UNAUTHORIZED', 'the bearer token is unknown, revoked or malformed');
  return operator;
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ApiError(400, 'BAD_REQUEST', `query parameter ${name} must be given once`);
  return value;
}

function intParam(value: unknown, name: string, fallback: number, min: number, max: number): number {
  const text = single(value, name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new ApiError(400, 'BAD_REQUEST', `query parameter ${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text.slice(0, 40))})`);
  return n;
}

function jsonObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'BAD_REQUEST', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The raw message from a message/rfc822 body, or from JSON `{ raw: base64 }` (Outlook's getAsFileAsync). */
function messageBytes(body: unknown, contentType: string | undefined): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (contentType?.startsWith('application/json')) {
    const raw = jsonObject(body).raw;
    if (typeof raw !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(raw))
      throw new ApiError(400, 'BAD_REQUEST', 'raw must be the message as a base64 string');
    return Buffer.from(raw, 'base64');
  }
  throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the message as message/rfc822, or as JSON { "raw": "<base64>" }');
}

/** First and last name from the body, else guessed from the address (jan.fiszka@ → Jan Fiszka). */
function names(body: Record<string, unknown>, email: string): { firstName: string; lastName: string } {
  const first = typeof body.firstName === 'string' ? body.firstName.trim() : '';
  const last = typeof body.lastName === 'string' ? body.lastName.trim() : '';
  if (first && last) return { firstName: first, lastName: last };
  const full = typeof body.name === 'string' && body.name.trim() ? body.name.trim() : email.split('@')[0]!.replace(/[._-]+/g, ' ');
  const parts = full
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1));
  if (parts.length === 1) return { firstName: parts[0]!, lastName: '-' };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! };
}

export interface ServerOptions extends ApiOptions {
  /** TLS key and certificate; without them the server speaks plain HTTP (tests, behind a proxy). */
  tls?: { key: Buffer | string; cert: Buffer | string };
  logger?: boolean;
}

/** A Fastify server with the API and the pane mounted: `await (await createApiServer(o)).listen({ port })`. */
export async function createApiServer(options: ServerOptions): Promise<FastifyInstance> {
  const https = options.https ?? !!options.tls;
  const base = {
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    genReqId: () => randomBytes(6).toString('hex'),
    // Errors the router raises before any route (a path segment over 100 characters, broken
    // percent-encoding) answer in the API's shape, not Fastify's.
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      // No onSend hook runs for these: the headers are set here.
      applySecurityHeaders(https, request, reply);
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const message = tooLong ? 'a path segment is longer than 100 characters (ids are at most 64)' : 'the URL is not valid (broken percent-encoding)';
      return reply
        .status(tooLong ? 414 : 400)
        .type('application/json; charset=utf-8')
        .send({ error: { code: tooLong ? 'URI_TOO_LONG' : 'BAD_REQUEST', message } });
    },
  };
  const app = (options.tls ? Fastify({ ...base, https: { key: options.tls.key, cert: options.tls.cert } }) : Fastify(base)) as unknown as FastifyInstance;
  // The plugin's own hook covers its routes only (Fastify encapsulates it): this one, at the
  // root, covers the 404 handler and the router's errors too. Each sets the headers once.
  app.addHook('onSend', securityHeaders(https));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
  await app.register(rapportApi, { ...options, https });
  return app;
}
