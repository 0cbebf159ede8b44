import type { Filter } from '../store/filter.js';
import type { StoredRecord } from '../store/schema.js';
import type { CatchUpPolicy, JsonObject } from './automation-types.js';

/**
 * Who a rule notifies: operators, the members of a group (by id or name), the record's owner, the
 * contact persons of the record's partner (by e-mail or SMS), or a plain address.
 */
export type RuleRecipient = { operator: string } | { group: string } | { owner: true } | { contacts: true } | { email: string };

export const RULE_CHANNELS = ['inapp', 'email', 'sms'] as const;
export type RuleChannel = (typeof RULE_CHANNELS)[number];

/** What a cyclic rule sends: a saved (or built-in) view, or a report function the host registered by name. */
export type RuleReport = { view: string } | { function: string; params?: JsonObject };

/** How a cyclic rule's report travels: in the message body, as a CSV attachment, or both. */
export const REPORT_ATTACH = ['body', 'csv', 'both'] as const;
export type ReportAttach = (typeof REPORT_ATTACH)[number];

/**
 * A notification rule (Hermes' automatic and cyclic notifications). `event`: when a committed
 * domain event of `on` concerns a record matching `filter`, notify the recipients through the
 * channel with the template. `cyclic`: on the cron schedule, run the report and send it.
 */
export interface NotificationRule extends StoredRecord {
  name: string;
  kind: 'event' | 'cyclic';
  /** Event rules: domain event types (`task.status_changed`, `offer.status_changed`, …), all about one record kind. */
  on: string[];
  /** Event rules: the kind of record the events are about (`task`, `opportunity`, …); null for cyclic rules. */
  recordKind: string | null;
  /** Event rules: the filter AST the record must match after the change (null: every record). */
  filter: Filter | null;
  recipients: RuleRecipient[];
  channel: RuleChannel;
  /** A message template of the record kind (event rules); its channel is the rule's (`email` for in-app). */
  templateId: string | null;
  /** Cyclic rules: cron expression, IANA time zone, catch-up policy, report and how it is attached. */
  cron: string | null;
  timeZone: string | null;
  catchUp: CatchUpPolicy | null;
  report: RuleReport | null;
  attach: ReportAttach | null;
  /** Cyclic rules: the message subject (default: the rule's name and the date). */
  subject: string | null;
  active: boolean;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A standing wish of an operator to hear about every change of one record (`watch(record, { when: 'changes' })`). */
export interface RecordWatch extends StoredRecord {
  operatorId: string;
  subjectType: string;
  subjectId: string;
  channel: RuleChannel;
  createdAt: Date;
}

/**
 * What a host report function gets: the operator it runs for (read with `crm.as(operatorId)` so
 * they see only what they may; null: the trusted host), the occurrence and the rule's params.
 */
export interface ReportRequest {
  operatorId: string | null;
  occurrence: Date;
  params: JsonObject;
}

/** What a report gives back: columns and rows (become a text table and a CSV file). */
export interface ReportResult {
  title?: string;
  columns: string[];
  rows: Array<Array<string | number | boolean | Date | null>>;
}

/** A host-provided report function, registered by name with `createCrm({ reports: { name: fn } })`. */
export type ReportFunction = (request: ReportRequest) => Promise<ReportResult> | ReportResult;
