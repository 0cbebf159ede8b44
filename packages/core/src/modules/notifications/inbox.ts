import { inUnit, retryConflicts, type Context, type Unit } from '../../context.js';
import type { Notification } from '../../domain/notify-types.js';
import { RapportError, invalid, isRapportError } from '../../errors.js';
import { newId } from '../../ids.js';
import { where, type Filter } from '../../store/filter.js';
import { findAll } from '../../store/find-all.js';
import type { Page } from '../../store/store.js';
import * as v from '../../validate.js';

/** What a channel or a host hands the inbox: one notification for one operator. */
export interface NotificationInput {
  operatorId: string;
  kind: string;
  title: string;
  body?: string | null;
  subject?: { type: string; id: string } | null;
  data?: Record<string, unknown>;
  /** Delivery key (e.g. the outbox key): delivering the same key twice gives the first notification back. */
  key?: string | null;
}

export interface NotificationQuery {
  /** Whose inbox; defaults to the acting operator (`crm.as(id)`). */
  operatorId?: string;
  unreadOnly?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * The inbox owner: the acting operator, or for the trusted host (no actor) the one named.
 * An operator never reads another's inbox.
 */
export function inboxOwner(ctx: Context, operatorId: string | undefined): string {
  if (operatorId !== undefined) v.id('operatorId', operatorId);
  if (ctx.actorId && operatorId && operatorId !== ctx.actorId)
    throw new RapportError('FORBIDDEN', `operator ${ctx.actorId} may not read the inbox of operator ${operatorId}`);
  const owner = operatorId ?? ctx.actorId;
  if (!owner) throw invalid('operatorId', 'is required when no operator is acting (use crm.as(operatorId))');
  return owner;
}

/** Notifications shown now: not snoozed past `now`. */
export const shownBy = (operatorId: string, now: Date, unreadOnly = false): Filter =>
  where.and(where.eq('operatorId', operatorId), where.lte('showAt', now), unreadOnly ? where.isNull('readAt') : undefined);

const INBOX_ORDER = [
  { field: 'showAt', direction: 'desc' as const },
  { field: 'id', direction: 'desc' as const },
];

/** Writes one notification in `unit`; an existing one with the same key is returned instead. */
export async function deliverIn(unit: Unit, input: NotificationInput): Promise<Notification> {
  if (!input || typeof input !== 'object') throw invalid('notification', 'must be an object', input);
  const operatorId = v.id('notification.operatorId', input.operatorId);
  await unit.load('operators', operatorId, 'operator', 'notification.operatorId');
  const key = v.text('notification.key', input.key, { optional: true, max: 500 });
  if (key) {
    const existing = (await unit.tx.find<Notification>('notifications', { where: where.eq('key', key), limit: 1 })).items[0];
    if (existing) return existing;
  }
  const subject = input.subject ?? null;
  const record: Notification = {
    id: newId(unit.now.getTime()),
    version: 1,
    operatorId,
    kind: v.text('notification.kind', input.kind, { max: 64 }),
    title: v.text('notification.title', input.title, { max: 500 }),
    body: v.text('notification.body', input.body, { optional: true, max: 20_000 }),
    subjectType: subject ? v.text('notification.subject.type', subject.type, { max: 32 }) : null,
    subjectId: subject ? v.id('notification.subject.id', subject.id) : null,
    data: input.data && typeof input.data === 'object' ? { ...input.data } : {},
    key,
    createdAt: unit.now,
    showAt: unit.now,
    readAt: null,
  };
  await unit.tx.create('notifications', record);
  unit.emit({ type: 'notification.created', notification: record });
  return record;
}

/** The inbox part of `crm.notifications`. */
export function inboxMethods(ctx: Context) {
  return {
    /** Puts a notification in an operator's inbox (in-app channel); idempotent on `key`. */
    deliver(input: NotificationInput): Promise<Notification> {
      return retryConflicts(() => inUnit(ctx, (unit) => deliverIn(unit, input))).catch(async (err) => {
        // Two deliveries of one key raced past the lookup: the unique index kept one; return it.
        if (isRapportError(err, 'CONFLICT') && input?.key) {
          const page = await ctx.store.find<Notification>('notifications', { where: where.eq('key', input.key), limit: 1 });
          if (page.items[0]) return page.items[0];
        }
        throw err;
      });
    },

    /** The inbox, newest first (a snoozed notification shows again, on top, when its snooze ends). */
    async list(query: NotificationQuery = {}): Promise<Page<Notification>> {
      const owner = inboxOwner(ctx, query.operatorId);
      return ctx.store.find<Notification>('notifications', {
        where: shownBy(owner, ctx.clock.now(), query.unreadOnly),
        sort: INBOX_ORDER,
        limit: v.integer('limit', query.limit ?? 50, { min: 1 }),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /** Notifications that became visible after `after` (new ones, ends of snoozes), oldest first: what a stream pushes. */
    async shownSince(after: Date, query: { operatorId?: string; limit?: number } = {}): Promise<Notification[]> {
      const owner = inboxOwner(ctx, query.operatorId);
      const now = ctx.clock.now();
      return ctx.store
        .find<Notification>('notifications', {
          where: where.and(shownBy(owner, now), where.gt('showAt', v.date('after', after))),
          sort: [{ field: 'showAt' }, { field: 'id' }],
          limit: query.limit ?? 100,
        })
        .then((p) => p.items);
    },

    /** How many shown notifications are unread. */
    async unreadCount(query: { operatorId?: string } = {}): Promise<number> {
      const owner = inboxOwner(ctx, query.operatorId);
      return ctx.store.count('notifications', shownBy(owner, ctx.clock.now(), true));
    },

    /** Marks one notification read, or with `'all'` every shown unread one; returns how many changed. */
    async markRead(id: string | 'all', query: { operatorId?: string } = {}): Promise<number> {
      const owner = inboxOwner(ctx, query.operatorId);
      if (id === 'all')
        return inUnit(ctx, async (unit) => {
          const unread: Notification[] = [];
          for await (const n of findAll<Notification>(unit.tx, 'notifications', { where: shownBy(owner, unit.now, true) })) unread.push(n);
          for (const n of unread) await unit.tx.update<Notification>('notifications', n.id, { readAt: unit.now }, n.version);
          if (unread.length) unit.emit({ type: 'notification.read', operatorId: owner, ids: unread.map((n) => n.id) });
          return unread.length;
        });
      return inUnit(ctx, async (unit) => {
        const n = await ownNotification(unit, owner, id);
        if (n.readAt) return 0;
        await unit.tx.update<Notification>('notifications', n.id, { readAt: unit.now }, n.version);
        unit.emit({ type: 'notification.read', operatorId: owner, ids: [n.id] });
        return 1;
      });
    },

    /** Hides a notification until `until`; it then shows again as unread, on top of the inbox. */
    async snooze(id: string, until: Date | string, query: { operatorId?: string } = {}): Promise<Notification> {
      const owner = inboxOwner(ctx, query.operatorId);
      return inUnit(ctx, async (unit) => {
        const at = v.date('until', until);
        if (at.getTime() <= unit.now.getTime()) throw invalid('until', `must be in the future (now is ${unit.now.toISOString()})`, at);
        const n = await ownNotification(unit, owner, id);
        return unit.tx.update<Notification>('notifications', n.id, { showAt: at, readAt: null }, n.version);
      });
    },
  };
}

/** A notification of this inbox; another operator's is NOT_FOUND, as if it did not exist. */
async function ownNotification(unit: Unit, owner: string, id: string): Promise<Notification> {
  const n = await unit.load<Notification>('notifications', id, 'notification');
  if (n.operatorId !== owner) throw new RapportError('NOT_FOUND', `notification ${JSON.stringify(id)} does not exist`);
  return n;
}
