import { randomBytes } from 'node:crypto';
import { inUnit, type Context } from '../../context.js';
import type { Operator } from '../../domain/types.js';
import type { CalendarFeed, FeedScope } from '../../domain/work-types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { scopedStore } from '../access/scoped-store.js';
import { hashToken } from '../operators.js';
import { icalChunks } from './ical.js';
import { viewTaskFilter } from './view-filter.js';
import { calendarPages } from './pages.js';
import { planCalendar, CALENDAR_FIELDS, type CalendarField } from './range.js';
import { checkTimeZone } from './zone.js';

const TOKEN_PREFIX = 'rcf_';
const DAY = 86_400_000;
/** A feed is bounded on purpose: calendar clients poll it whole, so its window holds at most this many items. */
const FEED_MAX_ITEMS = 10_000;

export interface FeedInput {
  /** Whose feed it is and whose visibility it reads with (default: the acting operator). */
  operatorId?: string;
  label?: string | null;
  /** What it shows (default: the owner's own tasks and stages). */
  scope?: FeedScope;
  fields?: CalendarField[];
  timeZone?: string;
}

/** An open feed: its record and the iCalendar text, chunk by chunk. */
export interface FeedBody {
  feed: CalendarFeed;
  contentType: 'text/calendar; charset=utf-8';
  chunks: AsyncIterable<string>;
}

function checkScope(scope: FeedScope | undefined, ownerId: string): FeedScope {
  if (scope === undefined) return { operators: [ownerId] };
  if (!scope || typeof scope !== 'object') throw invalid('feed.scope', 'must be an object', scope);
  const list = (field: 'operators' | 'groups' | 'registers') => {
    const value = scope[field];
    if (value === undefined) return {};
    if (!Array.isArray(value)) throw invalid(`feed.scope.${field}`, 'must be an array', value);
    return { [field]: field === 'groups' ? v.strings(`feed.scope.groups`, value, 64) : value.map((x, i) => v.id(`feed.scope.${field}[${i}]`, x)) };
  };
  const days = (field: 'pastDays' | 'futureDays') => {
    if (scope[field] === undefined) return {};
    const n = v.integer(`feed.scope.${field}`, scope[field], { min: 0 });
    if (n > 366) throw invalid(`feed.scope.${field}`, 'must be at most 366', n);
    return { [field]: n };
  };
  const out: FeedScope = { ...list('operators'), ...list('groups'), ...list('registers'), ...days('pastDays'), ...days('futureDays') };
  if (scope.view !== undefined) out.view = v.text('feed.scope.view', scope.view, { max: 200 });
  if (scope.tasksAs !== undefined) out.tasksAs = v.oneOf('feed.scope.tasksAs', scope.tasksAs, ['event', 'todo'] as const);
  if ((out.pastDays ?? 60) + (out.futureDays ?? 300) > 400) throw invalid('feed.scope', 'pastDays + futureDays must be at most 400', scope);
  return out;
}

/** Secret, revocable iCalendar feed URLs: create, list, revoke, and open by token. */
export function feedsApi(ctx: Context) {
  return {
    /** Makes a feed; the token is returned once (only its hash is kept): put it in the URL. */
    create(input: FeedInput = {}): Promise<{ token: string; feed: CalendarFeed }> {
      return inUnit(ctx, async (unit) => {
        const ownerId = v.id('feed.operatorId', input.operatorId ?? unit.actorId);
        // A feed reads with its owner's rules, so only the owner (or the trusted host) may make one.
        if (unit.actorId && ownerId !== unit.actorId)
          throw new RapportError('FORBIDDEN', `feed.operatorId: an operator may create calendar feeds only for themselves (got ${ownerId})`);
        const owner = await unit.load<Operator>('operators', ownerId, 'operator', 'feed.operatorId');
        if (!owner.active) throw new RapportError('FORBIDDEN', `operator ${owner.email} is deactivated`);
        const fields = input.fields ?? ['number', 'subject', 'partner'];
        if (!Array.isArray(fields) || fields.length === 0) throw invalid('feed.fields', `must be a non-empty array of ${CALENDAR_FIELDS.join(', ')}`, fields);
        const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
        const feed: CalendarFeed = {
          id: newId(unit.now.getTime()),
          version: 1,
          operatorId: ownerId,
          tokenHash: hashToken(token),
          label: v.text('feed.label', input.label, { max: 255, optional: true }),
          scope: checkScope(input.scope, ownerId),
          fields: fields.map((f, i) => v.oneOf(`feed.fields[${i}]`, f, CALENDAR_FIELDS)),
          timeZone: checkTimeZone('feed.timeZone', input.timeZone ?? 'UTC'),
          lastUsedAt: null,
          revokedAt: null,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        // A view the owner cannot use (or not of tasks) is refused now, not at the first poll.
        if (feed.scope.view) await viewTaskFilter({ ...ctx, actorId: ownerId }, feed.scope.view, feed.timeZone);
        await unit.tx.create('calendar_feeds', feed);
        return { token, feed };
      });
    },

    /** Feeds of an operator (default: the acting one), revoked ones included, newest first. */
    async list(operatorId?: string): Promise<CalendarFeed[]> {
      const owner = v.id('feed.operatorId', operatorId ?? ctx.actorId);
      if (ctx.actorId && owner !== ctx.actorId)
        throw new RapportError('FORBIDDEN', `feed.operatorId: an operator may list only their own calendar feeds (got ${owner})`);
      return readAll<CalendarFeed>(ctx.store, 'calendar_feeds', { where: where.eq('operatorId', owner), sort: [{ field: 'createdAt', direction: 'desc' }] });
    },

    /** Revokes a feed: its URL answers NOT_FOUND from now on. */
    revoke(id: string): Promise<CalendarFeed> {
      return inUnit(ctx, async (unit) => {
        const feed = await unit.load<CalendarFeed>('calendar_feeds', id, 'calendar feed');
        if (ctx.actorId && feed.operatorId !== ctx.actorId) throw new RapportError('NOT_FOUND', `calendar feed ${JSON.stringify(id)} does not exist`);
        if (feed.revokedAt) return feed;
        return unit.save('calendar_feeds', feed, { revokedAt: unit.now, updatedAt: unit.now });
      });
    },

    /**
     * The iCalendar text of the feed a token opens, read with its owner's visibility and streamed:
     * the header comes before the first page of tasks is read. An unknown or revoked token is
     * NOT_FOUND (the same answer, so a guess learns nothing).
     */
    async open(token: string): Promise<FeedBody> {
      const gone = new RapportError('NOT_FOUND', 'no calendar feed at this address (unknown or revoked)');
      if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 100) throw gone;
      const feed = (await ctx.rootStore.find<CalendarFeed>('calendar_feeds', { where: where.eq('tokenHash', hashToken(token)), limit: 1 })).items[0];
      if (!feed || feed.revokedAt) throw gone;
      const owner = await ctx.rootStore.get<Operator>('operators', feed.operatorId);
      if (!owner?.active) throw gone;
      const now = ctx.clock.now();
      const day = Math.floor(now.getTime() / DAY) * DAY;
      const { tasksAs = 'event', pastDays = 60, futureDays = 300, view, ...who } = feed.scope;
      // Whoever serves the URL (the API runs as the trusted host), the feed reads under its owner's rules.
      const asOwner: Context = { ...ctx, actorId: feed.operatorId, store: scopedStore(ctx.rootStore, ctx.access, feed.operatorId) };
      // Checked and resolved now (a view the owner lost is an error, not a cut-off body); read page by page as it is sent.
      const plan = await planCalendar(asOwner, {
        ...who,
        ...(view ? { taskView: view } : {}),
        from: new Date(day - pastDays * DAY),
        to: new Date(day + (futureDays + 1) * DAY),
        fields: feed.fields as CalendarField[],
        timeZone: feed.timeZone,
        limit: FEED_MAX_ITEMS,
      });
      // A poll every few minutes need not write every time: the last use is kept to the hour.
      if (!feed.lastUsedAt || now.getTime() - feed.lastUsedAt.getTime() > 3_600_000) {
        await ctx.rootStore.update<CalendarFeed>('calendar_feeds', feed.id, { lastUsedAt: now }, feed.version).catch(() => undefined);
      }
      const name = feed.label ?? `Rapport: ${owner.name}`;
      return { feed, contentType: 'text/calendar; charset=utf-8', chunks: icalChunks(plan.q, calendarPages(plan), { name, tasksAs, now }) };
    },
  };
}
