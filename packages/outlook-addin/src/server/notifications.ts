import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Crm, DomainEvent, Notification } from '@rapport/core';
import { ApiError } from './errors.js';
import { BASE_HEADERS } from './security.js';

export interface NotificationRouteOptions {
  /** How often a stream re-reads the inbox for what other processes delivered (default 5 s). */
  pollMs?: number;
  /** Interval of the keep-alive comment that stops proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
}

/** The counts the pane shows: unread notifications and tasks new to me since I last looked. */
export interface InboxCounts {
  unread: number;
  newTasks: number;
}

async function counts(crm: Crm): Promise<InboxCounts> {
  const [unread, forMe] = await Promise.all([crm.notifications.unreadCount(), crm.inbox.forMe({ onlyNew: true, limit: 1 })]);
  return { unread, newTasks: forMe.newCount };
}

/** Events that may change an operator's counts (their notifications, or tasks changing hands). */
function concerns(event: DomainEvent, operatorId: string): boolean {
  if (event.type === 'notification.created') return (event as { notification: Notification }).notification.operatorId === operatorId;
  if (event.type === 'notification.read') return (event as { operatorId: string }).operatorId === operatorId;
  return event.type.startsWith('task.') || event.type.startsWith('stage.');
}

/**
 * The in-app inbox over HTTP: the list, the counts, mark read and snooze, and an SSE stream that
 * pushes each new notification and the counts whenever they change. Every route is the bearer
 * token's operator's own inbox (`crm.as(operator)`): there is no parameter naming another one.
 */
export function notificationRoutes(api: FastifyInstance, crm: Crm, options: NotificationRouteOptions = {}) {
  const pollMs = options.pollMs ?? 5_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const mine = (request: FastifyRequest) => crm.as(request.operator!.id);
  // Open streams end when the server closes, so close() does not wait on long-lived clients.
  const open = new Set<() => void>();
  api.addHook('onClose', async () => {
    for (const end of [...open]) end();
  });

  api.get('/api/v1/notifications', async (request) => {
    const q = request.query as Record<string, unknown>;
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      throw new ApiError(400, 'BAD_REQUEST', 'query parameter limit must be a whole number from 1 to 200');
    const op = mine(request);
    const page = await op.notifications.list({
      limit,
      unreadOnly: q.unread === 'true',
      ...(typeof q.cursor === 'string' && q.cursor ? { cursor: q.cursor } : {}),
    });
    return { items: page.items, nextCursor: page.nextCursor, ...(await counts(op)) };
  });

  api.get('/api/v1/notifications/new-tasks', async (request) => {
    const page = await mine(request).inbox.forMe({ onlyNew: true, limit: 50 });
    return { items: page.items, seenAt: page.seenAt, newTasks: page.newCount };
  });

  api.post('/api/v1/notifications/new-tasks/seen', async (request) => {
    const mark = await mine(request).inbox.markSeen('for_me');
    return { seenAt: mark.seenAt };
  });

  api.post('/api/v1/notifications/read-all', async (request) => {
    const op = mine(request);
    return { changed: await op.notifications.markRead('all'), ...(await counts(op)) };
  });

  api.post('/api/v1/notifications/:id/read', async (request) => {
    const op = mine(request);
    return { changed: await op.notifications.markRead((request.params as { id: string }).id), ...(await counts(op)) };
  });

  api.post('/api/v1/notifications/:id/snooze', async (request) => {
    const body = request.body as { until?: unknown } | null;
    if (!body || typeof body.until !== 'string') throw new ApiError(400, 'BAD_REQUEST', 'send { "until": "<ISO date-time>" }');
    const op = mine(request);
    const notification = await op.notifications.snooze((request.params as { id: string }).id, body.until);
    return { notification, ...(await counts(op)) };
  });

  api.get('/api/v1/notifications/stream', async (request, reply) => stream(crm, request, reply, { pollMs, heartbeatMs, open }));
}

/**
 * Server-sent events: `counts` at once and on every change, `notification` for each one shown
 * (new, or back from a snooze), `tasks` when a task or stage the operator may see changed, a comment as heartbeat. In-process changes arrive at once through
 * `crm.events$`; a worker in another process is seen within `pollMs`.
 */
async function stream(crm: Crm, request: FastifyRequest, reply: FastifyReply, o: { pollMs: number; heartbeatMs: number; open: Set<() => void> }) {
  const operatorId = request.operator!.id;
  const op = crm.as(operatorId);
  // Read before the headers go out: a failure here still answers with a JSON error.
  let last = await counts(op);
  let shownAfter = crm.clock.now();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    ...BASE_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown, id?: string) => {
    if (!raw.writableEnded) raw.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  send('counts', last);

  let closed = false;
  let chain = Promise.resolve();
  // One refresh at a time, in order: the stream never interleaves two reads' answers.
  const refresh = () => {
    chain = chain
      .then(async () => {
        if (closed) return;
        const shown = await op.notifications.shownSince(shownAfter);
        for (const n of shown) {
          send('notification', n, n.id);
          if (n.showAt.getTime() > shownAfter.getTime()) shownAfter = n.showAt;
        }
        const now = await counts(op);
        if (now.unread !== last.unread || now.newTasks !== last.newTasks || shown.length > 0) send('counts', now);
        last = now;
      })
      .catch((err: unknown) => {
        request.log.error({ err }, 'notification stream refresh failed');
      });
  };
  // The operator's own events: only those about what they may see (core's rules) wake the stream.
  const subscription = op.events$.subscribe((event) => {
    // A task or stage the operator may see changed: the pane's "My tasks" reloads (debounced there).
    if (event.type.startsWith('task.') || event.type.startsWith('stage.')) send('tasks', { type: event.type });
    if (concerns(event, operatorId)) refresh();
  });
  const poll = setInterval(refresh, o.pollMs);
  const heartbeat = setInterval(() => !raw.writableEnded && raw.write(': ping\n\n'), o.heartbeatMs);
  const end = () => {
    if (closed) return;
    closed = true;
    subscription.unsubscribe();
    clearInterval(poll);
    clearInterval(heartbeat);
    o.open.delete(end);
    raw.end();
  };
  o.open.add(end);
  request.raw.on('close', end);
}
