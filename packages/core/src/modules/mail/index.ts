import type { Context } from '../../context.js';
import { sendMail } from './send.js';
import type { MailHooks, SendInput, SendResult } from './types.js';

export type { AttachmentInput, HostDocumentRef, MailHooks, MailRecipients, SendInput, SendResult, SerialAttachmentRequest } from './types.js';

/** `crm.mail`: sending tasks, offers and host documents by e-mail through the outbox, recorded in the CRM. */
export function mailModule(ctx: Context, hooks: MailHooks) {
  return {
    /**
     * Puts one message into the outbox (delivered by the scheduler's worker) and records it as an
     * outbound e-mail on the task and in the partner's e-mail log, under the Message-ID it will
     * carry, so replies thread back onto the task. The caller must be able to see the record.
     */
    send(input: SendInput): Promise<SendResult> {
      return sendMail(ctx, hooks, input);
    },
  };
}
