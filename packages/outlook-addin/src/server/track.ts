import { Readable } from 'node:stream';
import { isRapportError, RapportError, type Crm, type Email, type Operator } from '@rapport/core';
import { parseMessage } from '@rapport/mail-bridge';

/** What tracking an e-mail answers: the task it landed on, and whether it was already tracked. */
export interface TrackResult {
  status: 'imported' | 'duplicate' | 'ignored';
  /** The task the message landed on (null when the mail policy filed it without one, e.g. bulk mail). */
  task: { id: string; number: string; subject: string } | null;
  emailId: string | null;
  messageId: string | null;
  duplicate: boolean;
  /** Why no task was made, when none was. */
  reason?: string;
}

/** Turns raw RFC 5322 bytes into a tracked e-mail, as the operator. */
export type Tracker = (raw: Buffer, operator: Operator) => Promise<TrackResult>;

/**
 * The default tracker: the mail bridge's parser, then `crm.emails.ingest` — the same path as an
 * IMAP or mbox import, so a tracked message and an imported one are one record (Message-ID).
 * Tracking is an explicit choice, so an unknown sender becomes a prospect, and the task is the
 * operator's.
 */
export function defaultTracker(crm: Crm): Tracker {
  return async (raw, operator) => {
    const as = crm.as(operator.id);
    // The pane knows no mailbox or UID: the location records who tracked it, numbered in order.
    const source = async () => ({ account: 'addin', mailbox: operator.email, uidValidity: 1, uid: await crm.store.nextSequence('addin.tracked') });
    /** A message that breaks the parser or a normaliser is set aside with the reason, as an import does, and answered as bad input. */
    const quarantine = async (err: unknown, doing: string, message: { messageId?: string | null; subject?: string | null } = {}): Promise<never> => {
      if (isRapportError(err)) throw err;
      const reason = `${doing}: unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      const blobKey = (await as.emails.storeContent(raw).catch(() => null))?.key ?? null;
      await as.emails.quarantine({
        ...(await source()),
        reason,
        messageId: message.messageId ?? null,
        subject: message.subject ?? null,
        blobKey,
        size: raw.length,
      });
      throw new RapportError('VALIDATION', `the message could not be tracked and was quarantined (${reason})`);
    };
    let parsed;
    try {
      parsed = await parseMessage(Readable.from([raw]), (content) => as.emails.storeContent(content));
    } catch (err) {
      return quarantine(err, 'unreadable MIME');
    }
    const { message, essentials } = parsed;
    if (essentials === 0 || !message.from) throw new RapportError('VALIDATION', 'body is not an RFC 5322 message: it has no From header');

    // A message tracked before gains no new location; it goes through ingest all the same, so
    // the caller's rule decides which task it may land on.
    const known = message.messageId ? await as.emails.has(message.messageId) : false;
    const result = await as.emails
      .ingest(message, {
        ...(known ? {} : { source: await source() }),
        // Core's rules keep a message out of a task the operator may not see or update: a
        // message on one gets a task of its own, answered as a new one.
        policy: { unknownSenders: 'prospect', ownerId: operator.id },
      })
      .catch((err: unknown) => quarantine(err, 'rejected', message));
    if (result.status === 'blocked') throw new RapportError('FORBIDDEN', result.reason ?? 'the sender is on the blocklist');
    if (!result.email)
      return {
        status: 'ignored',
        task: null,
        emailId: null,
        messageId: message.messageId ?? null,
        duplicate: false,
        reason: result.reason ?? 'the mail policy ignores this message',
      };
    const fresh = result.status === 'imported' || result.createdTask;
    return answer(as, result.email, result.taskId, fresh ? 'imported' : 'duplicate');
  };
}

/** The answer, read as the operator (`as`): a task they may not see is not named, whatever ingest chose. */
async function answer(as: Crm, email: Email, taskId: string | null, status: 'imported' | 'duplicate'): Promise<TrackResult> {
  const task = taskId ? await as.tasks.get(taskId).catch((err: unknown) => (isRapportError(err, 'NOT_FOUND') ? null : Promise.reject(err))) : null;
  return {
    status,
    task: task ? { id: task.id, number: task.number, subject: task.subject } : null,
    emailId: email.id,
    messageId: email.messageId,
    duplicate: status === 'duplicate',
    ...(task ? {} : { reason: email.bulk ? 'bulk mail gets no task' : 'the message was stored without a task' }),
  };
}
