import { inUnit, retryConflicts, type Context } from '../../context.js';
import type { EmailLocation, MailCheckpoint, QuarantinedEmail } from '../../domain/email-types.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import type { Page } from '../../store/store.js';
import { findAll } from '../../store/find-all.js';

/** Locations of a mailbox generation not deleted on the server. */
const live = (account: string, mailbox: string, uidValidity: number) =>
  where.and(where.eq('account', account), where.eq('mailbox', mailbox), where.eq('uidValidity', uidValidity), where.eq('deletedAt', null));

/** What a transport keeps per mailbox: known UIDs, deletions on the server, checkpoints, quarantine. */
export function mailboxStateApi(ctx: Context) {
  return {
    /** UIDs recorded for a mailbox generation (not deleted on the server), ascending; within `range` when given. */
    async knownUids(account: string, mailbox: string, uidValidity: number, range?: { from: number; to: number }): Promise<number[]> {
      const uids: number[] = [];
      const locations = findAll<EmailLocation>(ctx.store, 'email_locations', {
        where: where.and(live(account, mailbox, uidValidity), range ? where.gte('uid', range.from) : undefined, range ? where.lte('uid', range.to) : undefined),
        sort: [{ field: 'uid' }],
      });
      for await (const l of locations) uids.push(l.uid);
      return uids;
    },

    /**
     * How many UIDs of a mailbox generation in `from..to` are recorded (not deleted on the server),
     * and their sum: a fingerprint of the range that a sync compares with the server's UIDs,
     * read from an index without loading the locations.
     */
    async knownUidSummary(account: string, mailbox: string, uidValidity: number, from: number, to: number): Promise<{ count: number; sum: number }> {
      const [row] = await ctx.store.aggregate('email_locations', {
        where: where.and(live(account, mailbox, uidValidity), where.gte('uid', from), where.lte('uid', to)),
        measures: { count: { fn: 'count' }, sum: { fn: 'sum', field: 'uid' } },
      });
      return { count: Number(row?.values.count ?? 0), sum: Number(row?.values.sum ?? 0) };
    },

    /** Marks locations expunged on the server as deleted there (one statement per 500 UIDs); the e-mails stay in the CRM. */
    markDeletedOnServer(account: string, mailbox: string, uidValidity: number, uids: number[]): Promise<number> {
      return inUnit(ctx, async (unit) => {
        let n = 0;
        for (let i = 0; i < uids.length; i += 500) {
          n += await unit.tx.updateWhere<EmailLocation>(
            'email_locations',
            where.and(live(account, mailbox, uidValidity), where.in('uid', uids.slice(i, i + 500))),
            { deletedAt: unit.now },
          );
        }
        if (n > 0) unit.emit({ type: 'email.deleted_on_server', account, mailbox, uidValidity, count: n });
        return n;
      });
    },

    /** The sync position of a mailbox, or null before its first sync. */
    async checkpoint(account: string, mailbox: string): Promise<MailCheckpoint | null> {
      const page = await ctx.store.find<MailCheckpoint>('mail_checkpoints', {
        where: where.and(where.eq('account', account), where.eq('mailbox', mailbox)),
        limit: 1,
      });
      return page.items[0] ?? null;
    },

    /**
     * Saves a mailbox's sync position. It never moves `lastUid` backwards within one UIDVALIDITY,
     * so a slower concurrent importer cannot undo a faster one's progress.
     */
    saveCheckpoint(cp: Omit<MailCheckpoint, 'id' | 'version' | 'updatedAt'>): Promise<MailCheckpoint> {
      const save = () =>
        inUnit(ctx, async (unit) => {
          const page = await unit.tx.find<MailCheckpoint>('mail_checkpoints', {
            where: where.and(where.eq('account', cp.account), where.eq('mailbox', cp.mailbox)),
            limit: 1,
          });
          const current = page.items[0];
          if (!current) {
            const record: MailCheckpoint = { id: newId(unit.now.getTime()), version: 1, ...cp, updatedAt: unit.now };
            return unit.tx.create('mail_checkpoints', record);
          }
          const lastUid = current.uidValidity === cp.uidValidity ? Math.max(current.lastUid, cp.lastUid) : cp.lastUid;
          return unit.save('mail_checkpoints', current, { ...cp, lastUid, updatedAt: unit.now });
        });
      return retryConflicts(save);
    },

    /** Puts a message that could not be imported aside with the reason (once per source location). */
    quarantine(item: Omit<QuarantinedEmail, 'id' | 'version' | 'at'>): Promise<QuarantinedEmail> {
      return retryConflicts(() =>
        inUnit(ctx, async (unit) => {
          const existing = await unit.tx.find<QuarantinedEmail>('mail_quarantine', {
            where: where.and(
              where.eq('account', item.account),
              where.eq('mailbox', item.mailbox),
              where.eq('uidValidity', item.uidValidity),
              where.eq('uid', item.uid),
            ),
            limit: 1,
          });
          const record = {
            ...item,
            reason: item.reason.slice(0, 1000),
            subject: item.subject?.slice(0, 1000) ?? null,
            messageId: item.messageId?.slice(0, 1000) ?? null,
          };
          if (existing.items[0]) return unit.save('mail_quarantine', existing.items[0], { ...record, at: unit.now });
          const created: QuarantinedEmail = { id: newId(unit.now.getTime()), version: 1, ...record, at: unit.now };
          await unit.tx.create('mail_quarantine', created);
          unit.emit({ type: 'email.quarantined', item: created });
          return created;
        }),
      );
    },

    /** Quarantined messages, newest first. */
    quarantined(query: { account?: string; limit?: number; cursor?: string } = {}): Promise<Page<QuarantinedEmail>> {
      return ctx.store.find<QuarantinedEmail>('mail_quarantine', {
        where: query.account ? where.eq('account', query.account) : undefined,
        sort: [{ field: 'at', direction: 'desc' }],
        limit: query.limit ?? 100,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },
  };
}
