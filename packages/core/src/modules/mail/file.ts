import { inUnit, type Context } from '../../context.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import type { Operator } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import * as v from '../../validate.js';
import { enqueueIn, messageIdFor } from '../scheduler/outbox.js';
import { checkSize, domainOf, hookAttachment, payloadAttachments, type Attachment } from './compose.js';
import type { AttachmentInput } from './types.js';

/** A file the caller made (an export of a view, a report) mailed to addresses. */
export interface SendFileInput {
  to: string[];
  subject: string;
  body?: string;
  attachments: AttachmentInput[];
  /** The sender; default the acting operator's address, else the Mailer's default. */
  from?: string;
  /** Makes the call idempotent: the same key again sends nothing more. */
  key?: string;
}

export interface SendFileResult {
  key: string;
  messageId: string;
  outbox: OutboxEntry;
  duplicate: boolean;
}

/** At most this many recipients per message: a mailing to many goes through a serial run. */
const MAX_RECIPIENTS = 50;

/** `crm.mail.sendFile`: one outbox row (idempotent by key) carrying the files. */
export async function sendFile(ctx: Context, input: SendFileInput): Promise<SendFileResult> {
  if (!input || typeof input !== 'object') throw invalid('mail', 'must be an object', input);
  if (!Array.isArray(input.to) || input.to.length === 0) throw invalid('mail.to', 'must list at least one address', input.to);
  if (input.to.length > MAX_RECIPIENTS)
    throw invalid('mail.to', `must list at most ${MAX_RECIPIENTS} addresses (a serial mailing sends to more)`, `${input.to.length} addresses`);
  const to = [...new Set(input.to.map((a, i) => v.email(`mail.to[${i}]`, a)))];
  const subject = v.text('mail.subject', input.subject, { max: 1000 });
  if (!Array.isArray(input.attachments) || input.attachments.length === 0) throw invalid('mail.attachments', 'must list at least one file', input.attachments);
  const attachments = input.attachments.map((a, i) => hookAttachment(`mail.attachments[${i}]`, a)).filter((a): a is Attachment => a !== null);
  checkSize('mail.attachments', attachments);
  const key = `mail:file:${input.key === undefined ? newId(ctx.clock.now().getTime()) : v.text('mail.key', input.key, { max: 200 })}`;
  const from =
    input.from !== undefined
      ? v.email('mail.from', input.from)
      : ctx.actorId
        ? ((await ctx.rootStore.get<Operator>('operators', ctx.actorId))?.email ?? null)
        : null;
  const messageId = messageIdFor(key, domainOf(from));
  return inUnit(ctx, async (unit) => {
    const before = await unit.system.find<OutboxEntry>('outbox', { where: where.eq('key', key), limit: 1 });
    const outbox = await enqueueIn(
      unit.system,
      {
        key,
        channel: 'email',
        payload: {
          ...(from ? { from } : {}),
          to,
          subject,
          text: typeof input.body === 'string' ? input.body : '',
          messageId,
          attachments: payloadAttachments(attachments),
        },
      },
      unit.now,
    );
    return { key, messageId: (outbox.payload as { messageId?: string }).messageId ?? messageId, outbox, duplicate: before.items.length > 0 };
  });
}
