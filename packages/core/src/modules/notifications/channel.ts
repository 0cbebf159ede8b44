import type { Crm } from '../../crm.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import type { NotificationInput } from './inbox.js';

/**
 * The `inapp` outbox channel: the payload is a `NotificationInput` without its key; the outbox
 * key becomes the notification's, so a re-delivery after a crash finds the first one.
 */
export const inAppChannel = (crm: Crm) => async (entry: OutboxEntry) => {
  const n = await crm.notifications.deliver({ ...(entry.payload as unknown as NotificationInput), key: entry.key });
  return { notificationId: n.id };
};
