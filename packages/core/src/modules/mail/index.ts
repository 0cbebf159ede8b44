import type { Context } from '../../context.js';
import { serialReport } from './report.js';
import { sendFile, type SendFileInput, type SendFileResult } from './file.js';
import { sendMail } from './send.js';
import { loadRun, prepareBatch, startRun } from './serial.js';
import type { MailHooks, MailRun, SendInput, SendResult, SerialInput, SerialReport } from './types.js';

export type { SendFileInput, SendFileResult } from './file.js';
export type {
  AttachmentInput,
  HostDocumentRef,
  MailHooks,
  MailRecipients,
  MailRun,
  MailRunRecipient,
  SendInput,
  SendResult,
  SerialAttachmentRequest,
  SerialInput,
  SerialOutcome,
  SerialReport,
} from './types.js';

/** How far ahead of its send time a throttled message is put into the outbox. */
const LOOKAHEAD_MS = 60_000;

/** `crm.mail`: sending tasks, offers and host documents by e-mail through the outbox, recorded in the CRM; serial mailings. */
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

    /** Mails files the caller made (an export of a view, a report) to addresses: one outbox row, idempotent by `key`. */
    sendFile(input: SendFileInput): Promise<SendFileResult> {
      return sendFile(ctx, input);
    },

    /** Serial mailings (korespondencja seryjna): one template, many recipients, each message its own. */
    serial: {
      /** Starts a run over a view or a list (recipients fixed now), or returns the run of `key` to resume it. */
      start(input: SerialInput): Promise<MailRun> {
        return startRun(ctx, input);
      },

      /**
       * Renders and queues the run's pending recipients until none is left, in batches, keeping no
       * more than a minute's worth ahead of the throttle. Safe to call again after a crash: a
       * recipient is queued once (its outbox key and row), whoever resumes.
       */
      async prepare(runId: string, options: { onProgress?: (prepared: number) => void; batchSize?: number } = {}): Promise<number> {
        let done = 0;
        for (;;) {
          const run = await loadRun(ctx, runId);
          const perBatch = options.batchSize ?? (run.ratePerMinute ? Math.min(100, Math.max(1, Math.ceil(run.ratePerMinute / 6))) : 100);
          const n = await prepareBatch(ctx, hooks, run.id, perBatch);
          if (n === 0) return done;
          done += n;
          options.onProgress?.(done);
          const next = (await loadRun(ctx, run.id)).nextSlotAt;
          const ahead = next ? next.getTime() - ctx.clock.now().getTime() - LOOKAHEAD_MS : 0;
          if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
        }
      },

      /** The run with that id (its creator's, or any for the trusted host). */
      get(runId: string): Promise<MailRun> {
        return loadRun(ctx, runId);
      },

      /** Per recipient: sent, bounced (address refused), failed, skipped (no e-mail, opted out) or pending. */
      report(runId: string): Promise<SerialReport> {
        return serialReport(ctx, runId);
      },
    },
  };
}
