import { inRead, type Context } from '../../context.js';
import type { Email, EmailLocation, MailPolicy } from '../../domain/email-types.js';
import type { Register, TimelineItem } from '../../domain/types.js';
import { where } from '../../store/filter.js';
import { RapportError } from '../../errors.js';
import type { Page, Store } from '../../store/store.js';
import { normalizeMessageId } from './normalize.js';
import { resolvePolicy } from './policy.js';
import { readAll } from '../../store/find-all.js';

/** The stored e-mail with this normalised message key, or null. */
export async function findByKey(store: Store, key: string): Promise<Email | null> {
  return (await store.find<Email>('emails', { where: where.eq('messageKey', key), limit: 1 })).items[0] ?? null;
}

/** Reading stored e-mails: by id, Message-ID, task, status; their locations; the mail register. */
export function readsApi(ctx: Context) {
  return {
    get(id: string): Promise<Email> {
      return inRead(ctx, (unit) => unit.load<Email>('emails', id, 'email'));
    },

    /** The stored message with this Message-ID (any spelling of it), or null. */
    findByMessageId(messageId: string): Promise<Email | null> {
      const key = normalizeMessageId(messageId);
      return key ? findByKey(ctx.store, key) : Promise.resolve(null);
    },

    /** True when a message with this Message-ID is stored (lets transports skip parsing it). */
    async has(messageId: string | null | undefined): Promise<boolean> {
      const key = normalizeMessageId(messageId);
      return key ? (await ctx.store.count('emails', where.eq('messageKey', key))) > 0 : false;
    },

    /** E-mails of a task, oldest first. */
    async forTask(taskId: string): Promise<Email[]> {
      if (ctx.actorId !== null && !(await ctx.store.get('tasks', taskId))) throw new RapportError('NOT_FOUND', `task ${JSON.stringify(taskId)} does not exist`);
      return await readAll<Email>(ctx.store, 'emails', { where: where.eq('taskId', taskId), sort: [{ field: 'sentAt' }] });
    },

    list(query: { status?: Email['status']; limit?: number; cursor?: string } = {}): Promise<Page<Email>> {
      return ctx.store.find<Email>('emails', {
        where: query.status ? where.eq('status', query.status) : undefined,
        sort: [{ field: 'createdAt' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },

    /**
     * The last e-mails of a partner or a person, newest first, through the timeline index: each
     * message once, however many of the partner's people it reached.
     */
    async recent(scope: { partnerId: string } | { personId: string }, options: { limit?: number } = {}): Promise<Email[]> {
      const field = 'partnerId' in scope ? 'partnerId' : 'personId';
      const value = 'partnerId' in scope ? scope.partnerId : scope.personId;
      const items = await ctx.store.find<TimelineItem>('timeline', {
        where: where.and(where.eq(field, value), where.eq('subjectType', 'email')),
        sort: [{ field: 'at', direction: 'desc' }],
        limit: options.limit ?? 10,
        select: ['subjectId'],
      });
      const ids = [...new Set(items.items.map((i) => i.subjectId))];
      if (ids.length === 0) return [];
      const byId = new Map((await ctx.store.find<Email>('emails', { where: where.in('id', ids), limit: ids.length })).items.map((e) => [e.id, e]));
      return ids.map((id) => byId.get(id)).filter((e): e is Email => !!e);
    },

    async locations(emailId: string): Promise<EmailLocation[]> {
      return readAll<EmailLocation>(ctx.store, 'email_locations', { where: where.eq('emailId', emailId) });
    },

    /** The register tasks from mail go to, per policy (for transports that report it). */
    async register(policy?: Partial<MailPolicy>): Promise<Register | null> {
      const code = resolvePolicy(ctx, policy).register;
      if (!code) return null;
      return (await ctx.store.find<Register>('registers', { where: where.eq('code', code.toUpperCase()), limit: 1 })).items[0] ?? null;
    },
  };
}
