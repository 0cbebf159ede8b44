import type { Context } from '../../context.js';
import { inboxMethods } from './inbox.js';
import { watchMethods } from './watch.js';

export type { NotificationInput, NotificationQuery } from './inbox.js';
export type { WatchOptions } from './watch.js';

/**
 * In-app notifications: one inbox per operator (unread count, mark read, snooze). New tasks
 * assigned to me since I last looked are `crm.inbox.forMe({ onlyNew: true })`.
 */
export function notificationsModule(ctx: Context) {
  return { ...inboxMethods(ctx), ...watchMethods(ctx) };
}
