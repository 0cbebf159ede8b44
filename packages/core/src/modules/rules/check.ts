import type { Unit } from '../../context.js';
import type { CatchUpPolicy, JsonObject } from '../../domain/automation-types.js';
import type { Group } from '../../domain/access-types.js';
import type { MessageTemplate } from '../../domain/notify-types.js';
import { REPORT_ATTACH, RULE_CHANNELS, type NotificationRule, type ReportFunction, type RuleRecipient, type RuleReport } from '../../domain/rule-types.js';
import type { Operator } from '../../domain/types.js';
import { coreSchema } from '../../domain/schema.js';
import { RapportError, invalid, isRapportError } from '../../errors.js';
import { checkFilter } from '../../store/check.js';
import { normalizeFilter, where, type Filter } from '../../store/filter.js';
import * as v from '../../validate.js';
import { CATCH_UP_POLICIES, checkTimeZone, cronOf } from '../scheduler/timing.js';
import { RECORD_COLLECTIONS, RULE_EVENTS } from './events.js';

/** What `crm.rules.create` takes: an automatic rule (`on`) or a cyclic one (`cron` and `report`). */
export interface RuleInput {
  name: string;
  /** Automatic: domain event type(s), e.g. `task.status_changed`, `opportunity.stage_changed`, `offer.status_changed`. */
  on?: string | string[];
  /** Automatic: the filter the record must match after the change, e.g. `where.and(where.eq('registerId', id), where.eq('status', 'done'))`. */
  filter?: Filter | null;
  /** Cyclic: cron expression (croner), IANA time zone (default UTC), catch-up policy (default once). */
  cron?: string;
  timeZone?: string;
  catchUp?: CatchUpPolicy;
  /** Cyclic: a view (id, name or built-in id) or a report function registered with `createCrm({ reports })`. */
  report?: RuleReport;
  /** Cyclic: the report in the body, as a CSV attachment, or both (default both; in-app: body). */
  attach?: 'body' | 'csv' | 'both';
  /** Cyclic: the message subject (default: the rule's name and the date). */
  subject?: string | null;
  recipients: RuleRecipient[];
  channel: 'inapp' | 'email' | 'sms';
  /** Automatic: a template of the record kind, of the rule's channel (`email` templates for in-app). Required for e-mail and SMS. */
  templateId?: string | null;
  active?: boolean;
}

export type RuleFields = Omit<NotificationRule, 'id' | 'version' | 'createdBy' | 'createdAt' | 'updatedAt'>;

const MAX_RECIPIENTS = 100;
const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'isNull', 'and', 'or', 'not', 'search'];

/** Validates a rule: known events of one record kind, a filter over that kind's fields, recipients that exist, a fitting template. */
export async function checkRule(unit: Unit, input: RuleInput, reports: Record<string, ReportFunction>): Promise<RuleFields> {
  if (!input || typeof input !== 'object') throw invalid('rule', 'must be an object', input);
  const name = v.text('rule.name', input.name, {});
  const cyclic = input.cron !== undefined && input.cron !== null;
  const channel = v.oneOf('rule.channel', input.channel, cyclic ? (['inapp', 'email'] as const) : RULE_CHANNELS);
  const active = input.active === undefined ? true : v.boolean('rule.active', input.active);
  if (cyclic) {
    if (input.on !== undefined) throw invalid('rule.on', 'is for automatic rules; a cyclic rule has cron and report', input.on);
    const timeZone =
      input.timeZone === undefined || input.timeZone === null ? null : checkTimeZone(v.text('rule.timeZone', input.timeZone, { max: 64 }), 'rule.timeZone');
    const cron = v.text('rule.cron', input.cron, { max: 128 });
    cronOf(cron, timeZone, 'rule.cron');
    return {
      name,
      kind: 'cyclic',
      on: [],
      recordKind: null,
      filter: null,
      recipients: await checkRecipients(unit, input.recipients, false),
      channel,
      templateId: null,
      cron,
      timeZone,
      catchUp: input.catchUp === undefined ? 'once' : v.oneOf('rule.catchUp', input.catchUp, CATCH_UP_POLICIES),
      report: checkReport(input.report, reports),
      attach: input.attach === undefined ? 'both' : v.oneOf('rule.attach', input.attach, REPORT_ATTACH),
      subject: v.text('rule.subject', input.subject, { optional: true, max: 1000 }),
      active,
    };
  }
  if (input.on === undefined) throw invalid('rule', 'needs on (domain events: an automatic rule) or cron and report (a cyclic rule)');
  const on = typeof input.on === 'string' ? [input.on] : input.on;
  if (!Array.isArray(on) || on.length === 0) throw invalid('rule.on', 'must name at least one domain event', input.on);
  const kinds = new Set<string>();
  for (const type of on) {
    const known = typeof type === 'string' ? RULE_EVENTS[type] : undefined;
    if (!known) throw invalid('rule.on', `names an unknown event (known: ${Object.keys(RULE_EVENTS).join(', ')})`, type);
    kinds.add(known.kind);
  }
  if (kinds.size > 1) throw invalid('rule.on', `must name events about one kind of record (got ${[...kinds].join(' and ')})`, on);
  const recordKind = [...kinds][0]!;
  return {
    name,
    kind: 'event',
    on: [...new Set(on)],
    recordKind,
    filter: input.filter === undefined || input.filter === null ? null : checkRuleFilter(RECORD_COLLECTIONS[recordKind]!, input.filter),
    recipients: await checkRecipients(unit, input.recipients, true),
    channel,
    templateId: await checkTemplate(unit, input.templateId, recordKind, channel),
    cron: null,
    timeZone: null,
    catchUp: null,
    report: null,
    attach: null,
    subject: null,
    active,
  };
}

/** The filter's shape, then its fields and value types against the record kind's collection. Values are JSON: no dates. */
function checkRuleFilter(collection: string, filter: unknown): Filter {
  const shape = (f: unknown, at: string): void => {
    if (!f || typeof f !== 'object') throw invalid(at, 'must be a filter object such as { op: "eq", field: "status", value: "done" }', f);
    const node = f as Record<string, unknown>;
    if (typeof node.op !== 'string' || !FILTER_OPS.includes(node.op)) throw invalid(`${at}.op`, `must be one of ${FILTER_OPS.join(', ')}`, node.op);
    if (node.op === 'and' || node.op === 'or') {
      if (!Array.isArray(node.filters)) throw invalid(`${at}.filters`, 'must be a list of filters', node.filters);
      node.filters.forEach((c, i) => shape(c, `${at}.filters[${i}]`));
    } else if (node.op === 'not') shape(node.filter, `${at}.filter`);
    else if (node.op === 'search') {
      if (typeof node.value !== 'string') throw invalid(`${at}.value`, 'must be the words to search for', node.value);
    } else if (typeof node.field !== 'string') throw invalid(`${at}.field`, 'must name a field', node.field);
    else if (node.op === 'in' && !Array.isArray(node.values)) throw invalid(`${at}.values`, 'must be a list', node.values);
  };
  shape(filter, 'rule.filter');
  const copy = JSON.parse(JSON.stringify(filter)) as Filter;
  try {
    checkFilter(coreSchema, collection, normalizeFilter(copy));
  } catch (err) {
    if (isRapportError(err)) throw new RapportError('VALIDATION', `rule.filter: ${err.message}`, { details: { field: 'rule.filter' }, cause: err });
    throw err;
  }
  return copy;
}

async function checkRecipients(unit: Unit, value: unknown, forRecord: boolean): Promise<RuleRecipient[]> {
  if (!Array.isArray(value) || value.length === 0) throw invalid('rule.recipients', 'must name at least one recipient', value);
  if (value.length > MAX_RECIPIENTS) throw invalid('rule.recipients', `must have at most ${MAX_RECIPIENTS} entries`, value.length);
  const out: RuleRecipient[] = [];
  for (const [i, r] of value.entries()) {
    const at = `rule.recipients[${i}]`;
    const keys = r && typeof r === 'object' ? Object.keys(r as object) : [];
    if (keys.length !== 1)
      throw invalid(at, 'must be one of { operator: id }, { group: id or name }, { owner: true }, { contacts: true }, { email: address }', r);
    const rec = r as Record<string, unknown>;
    if ('operator' in rec) {
      const op = await unit.load<Operator>('operators', v.id(`${at}.operator`, rec.operator), 'operator', `${at}.operator`);
      out.push({ operator: op.id });
    } else if ('group' in rec) {
      const ref = v.text(`${at}.group`, rec.group, { max: 320 });
      const group =
        (await unit.system.get<Group>('groups', ref)) ?? (await unit.system.find<Group>('groups', { where: where.eq('name', ref), limit: 1 })).items[0];
      if (!group) throw invalid(`${at}.group`, 'names no group', ref);
      out.push({ group: group.id });
    } else if ('owner' in rec || 'contacts' in rec) {
      const which = 'owner' in rec ? 'owner' : 'contacts';
      if (rec[which] !== true) throw invalid(`${at}.${which}`, 'must be true', rec[which]);
      if (!forRecord) throw invalid(at, `${which} needs a record: it is for automatic rules only`, r);
      out.push(which === 'owner' ? { owner: true } : { contacts: true });
    } else if ('email' in rec) out.push({ email: v.email(`${at}.email`, rec.email) });
    else throw invalid(at, 'must be one of operator, group, owner, contacts, email', r);
  }
  return out;
}

async function checkTemplate(unit: Unit, value: unknown, recordKind: string, channel: string): Promise<string | null> {
  if (value === undefined || value === null) {
    if (channel === 'inapp') return null;
    throw invalid('rule.templateId', `is required for ${channel} rules (a ${channel} template of ${recordKind})`);
  }
  const t = await unit.system.get<MessageTemplate>('message_templates', v.id('rule.templateId', value));
  if (!t) throw invalid('rule.templateId', 'names no template', value);
  const wanted = channel === 'inapp' ? 'email' : channel;
  if (t.recordKind !== recordKind || t.channel !== wanted)
    throw invalid(
      'rule.templateId',
      `must be a ${wanted} template of ${recordKind} (${JSON.stringify(t.name)} is a ${t.channel} template of ${t.recordKind})`,
      value,
    );
  return t.id;
}

function checkReport(value: unknown, reports: Record<string, ReportFunction>): RuleReport {
  if (!value || typeof value !== 'object') throw invalid('rule.report', 'must be { view: id or name } or { function: name }', value);
  const r = value as Record<string, unknown>;
  if ('view' in r && !('function' in r)) return { view: v.text('rule.report.view', r.view, {}) };
  if ('function' in r && !('view' in r)) {
    const fn = v.text('rule.report.function', r.function, { max: 64 });
    if (!Object.hasOwn(reports, fn)) {
      const known = Object.keys(reports);
      throw invalid(
        'rule.report.function',
        `is not a registered report (${known.length ? `registered: ${known.join(', ')}` : 'none registered: createCrm({ reports })'})`,
        fn,
      );
    }
    const params = r.params ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalid('rule.report.params', 'must be a JSON object', params);
    return { function: fn, params: JSON.parse(JSON.stringify(params)) as JsonObject };
  }
  throw invalid('rule.report', 'must be { view: id or name } or { function: name }', value);
}
