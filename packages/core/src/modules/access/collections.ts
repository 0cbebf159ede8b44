import { GOVERNED } from './rules.js';
import { TASK_CHILDREN } from './task-access.js';

/**
 * How an operator's store treats each collection (decision 0103). `governed`: the kind's rule is
 * AND-ed into every read; `copied`: rows carry their task's (or record's) access fields and the
 * rule reads those; `closed`: operators' store reads and changes are FORBIDDEN, modules read it
 * beneath the rules after their own check; `unfiltered`: read as stored — the modules reading
 * these (per-operator rows, settings, queues) apply their own checks, and each is a candidate to
 * govern. A collection in none of these is closed: a new one must be placed here to be readable.
 */
export type CollectionAccess = 'governed' | 'copied' | 'closed' | 'unfiltered';

const COPIED_ACCESS = ['timeline', 'emails', ...TASK_CHILDREN];
// Rules, watches and serial mailings are read by their modules beneath the rules, after the module's own check.
const CLOSED_ACCESS = ['audit', 'notification_rules', 'record_watches', 'mail_runs', 'mail_run_recipients'];
const UNFILTERED = [
  'operators',
  'api_tokens',
  'contact_keys',
  'campaign_members',
  'campaign_links',
  'pipelines',
  'opportunity_stage_changes',
  'sales_documents',
  'partner_competitors',
  'email_locations',
  'mail_checkpoints',
  'mail_quarantine',
  'substitutions',
  'jobs',
  'outbox',
  'task_responses',
  'inbox_marks',
  'task_launches',
  'calendar_feeds',
  'views',
  'view_shares',
  'notifications',
  'message_templates',
  'reminder_settings',
  'groups',
  'group_members',
  'roles',
  'role_grants',
  'shares',
];

const ACCESS = new Map<string, CollectionAccess>([
  ...Object.keys(GOVERNED).map((c) => [c, 'governed'] as const),
  ...COPIED_ACCESS.map((c) => [c, 'copied'] as const),
  ...CLOSED_ACCESS.map((c) => [c, 'closed'] as const),
  ...UNFILTERED.map((c) => [c, 'unfiltered'] as const),
]);

/** The treatment of a collection for operators; `closed` for any collection not listed. */
export const collectionAccess = (collection: string): CollectionAccess => ACCESS.get(collection) ?? 'closed';
