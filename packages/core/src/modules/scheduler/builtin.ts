import type { Crm } from '../../crm.js';
import type { JsonObject, OutboxChannel } from '../../domain/automation-types.js';
import { invalid } from '../../errors.js';
import type { ChannelHandler } from './deliveries.js';
import type { JobHandler } from './run-jobs.js';
import { inAppChannel } from '../notifications/channel.js';
import { fireReminder, REMINDER_JOB } from '../reminders/index.js';
import { fireWatch, WATCH_JOB } from '../notifications/watch.js';
import { fireRuleEvent, fireRuleReport, fireWatchChange, RULE_EVENT_JOB, RULE_REPORT_JOB, WATCH_CHANGE_JOB } from '../rules/index.js';

/**
 * Job kinds every scheduler runs unless told otherwise (`createScheduler(crm, { builtins: false })`),
 * so `rapport worker` runs what core's modules schedule. Modules add their kinds here.
 */
export const BUILTIN_HANDLERS: Record<string, JobHandler> = {
  /** Sends `payload.message` (a MailMessage) once per occurrence. */
  'mail.send': (job, ctx) => {
    const message = job.payload.message;
    if (!message || typeof message !== 'object' || Array.isArray(message))
      throw invalid('mail.send payload.message', 'must be an e-mail message object', message);
    ctx.enqueue({ key: `mail.send:${job.key}:${ctx.occurrence.toISOString()}`, channel: 'email', payload: message as JsonObject });
  },
  /** A task's reminder: one effect per recipient through the rule's channel (modules/reminders). */
  [REMINDER_JOB]: fireReminder,
  /** An individual notification about a record (crm.notifications.watch). */
  [WATCH_JOB]: fireWatch,
  /** An automatic notification rule, for one change of a record that matched it (modules/rules). */
  [RULE_EVENT_JOB]: fireRuleEvent,
  /** A cyclic notification rule's report, per occurrence of its cron. */
  [RULE_REPORT_JOB]: fireRuleReport,
  /** A watcher's notification of one change of a watched record. */
  [WATCH_CHANGE_JOB]: fireWatchChange,
};

/** Channels core's modules deliver themselves (e.g. in-app notifications), built per CRM. */
export const BUILTIN_CHANNELS: Partial<Record<OutboxChannel, (crm: Crm) => ChannelHandler>> = { inapp: inAppChannel };
