import { inRead, inUnit, Unit, type Context } from '../../context.js';
import type { NotificationRule, ReportResult } from '../../domain/rule-types.js';
import { RapportError } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { requireAdministrator } from '../access/access.js';
import { cancelIn, scheduleIn } from '../scheduler/jobs.js';
import { checkRule, type RuleInput } from './check.js';
import { RULE_REPORT_JOB, runReport } from './report.js';
import { RULE_EVENTS } from './events.js';

export type { RuleInput } from './check.js';
export { RULE_EVENT_JOB, WATCH_CHANGE_JOB } from './plan.js';
export { RULE_REPORT_JOB } from './report.js';
export { fireRuleEvent, fireWatchChange } from './fire.js';
export { fireRuleReport } from './report.js';

/** The job that runs a cyclic rule: one per rule, recurring on the rule's cron. */
const reportJobKey = (ruleId: string) => `rule:${ruleId}`;

/** Plans (or cancels) the recurring job of a cyclic rule in the rule's own unit. */
async function planCyclic(unit: Unit, rule: NotificationRule): Promise<void> {
  if (rule.kind !== 'cyclic' || !rule.active || !rule.cron) {
    await cancelIn(unit.system, reportJobKey(rule.id));
    return;
  }
  await scheduleIn(
    unit.system,
    {
      kind: RULE_REPORT_JOB,
      key: reportJobKey(rule.id),
      cron: rule.cron,
      ...(rule.timeZone ? { timeZone: rule.timeZone } : {}),
      catchUp: rule.catchUp ?? 'once',
      payload: { ruleId: rule.id },
    },
    unit.now,
  );
}

/**
 * Notification rules (Hermes' automatic and cyclic notifications): automatic ones fire on a
 * committed domain event about a record matching their filter; cyclic ones send a report on a
 * cron schedule. Rules are administered by administrators (or the trusted host).
 */
export function rulesModule(ctx: Context) {
  const reports = () => ctx.settings.reports ?? {};
  const load = (unit: Unit, id: string) => unit.load<NotificationRule>('notification_rules', v.id('rule id', id), 'notification rule');
  const clash = async (unit: Unit, name: string, id: string | null) => {
    const other = (await unit.system.find<NotificationRule>('notification_rules', { where: where.eq('name', name), limit: 1 })).items[0];
    if (other && other.id !== id) throw new RapportError('CONFLICT', `a notification rule named ${JSON.stringify(name)} already exists (${other.id})`);
  };
  const inRules = <R>(what: string, fn: (unit: Unit) => Promise<R>) =>
    inUnit(ctx, async (unit) => {
      await requireAdministrator(ctx, what);
      return fn(unit.beneath());
    });
  return {
    /** Saves a rule after checking it (unknown event, a filter field the record lacks, a missing template: VALIDATION). */
    create(input: RuleInput): Promise<NotificationRule> {
      return inRules('create notification rules', async (unit) => {
        const fields = await checkRule(unit, input, reports());
        await clash(unit, fields.name, null);
        const rule: NotificationRule = {
          id: newId(unit.now.getTime()),
          version: 1,
          ...fields,
          createdBy: ctx.actorId,
          createdAt: unit.now,
          updatedAt: unit.now,
        };
        unit.rulesChanged();
        await unit.tx.create('notification_rules', rule);
        await planCyclic(unit, rule);
        return rule;
      });
    },

    /** Changes a rule; the result is checked like a new one (a cyclic rule's job follows its new schedule). */
    update(id: string, patch: Partial<RuleInput>, options: { expectedVersion?: number } = {}): Promise<NotificationRule> {
      return inRules('change notification rules', async (unit) => {
        const current = await load(unit, id);
        const base: RuleInput = {
          name: current.name,
          recipients: current.recipients,
          channel: current.channel,
          active: current.active,
          ...(current.kind === 'event'
            ? { on: current.on, filter: current.filter, templateId: current.templateId }
            : {
                cron: current.cron!,
                ...(current.timeZone ? { timeZone: current.timeZone } : {}),
                catchUp: current.catchUp ?? 'once',
                report: current.report!,
                attach: current.attach ?? 'both',
                subject: current.subject,
              }),
        };
        const fields = await checkRule(unit, { ...base, ...v.definedOnly(patch ?? {}) }, reports());
        await clash(unit, fields.name, current.id);
        unit.rulesChanged();
        const saved = await unit.save('notification_rules', current, { ...fields, updatedAt: unit.now }, options.expectedVersion);
        await planCyclic(unit, saved);
        return saved;
      });
    },

    /** Deletes a rule: jobs it already planned send nothing (the rule is read when they run). */
    delete(id: string): Promise<void> {
      return inRules('delete notification rules', async (unit) => {
        const rule = await load(unit, id);
        unit.rulesChanged();
        await unit.tx.delete('notification_rules', rule.id, rule.version);
        await cancelIn(unit.system, reportJobKey(rule.id));
      });
    },

    /** A rule by id. */
    get(id: string): Promise<NotificationRule> {
      return inRead(ctx, async (unit) => {
        await requireAdministrator(ctx, 'read notification rules');
        return load(unit.beneath(), id);
      });
    },

    /** Every rule, by name. */
    async list(query: { kind?: 'event' | 'cyclic' } = {}): Promise<NotificationRule[]> {
      await requireAdministrator(ctx, 'read notification rules');
      return readAll<NotificationRule>(ctx.rootStore, 'notification_rules', {
        where: query.kind ? where.eq('kind', v.oneOf('kind', query.kind, ['event', 'cyclic'] as const)) : undefined,
        sort: [{ field: 'name' }],
      });
    },

    /** Runs a cyclic rule's report now, as the acting operator sees the data (what a recipient would get). */
    async runReport(id: string, options: { occurrence?: Date } = {}): Promise<ReportResult & { truncated: boolean }> {
      const rule = await ctx.rootStore.get<NotificationRule>('notification_rules', v.id('rule id', id));
      if (!rule) throw new RapportError('NOT_FOUND', `notification rule ${JSON.stringify(id)} does not exist`);
      if (!rule.report) throw new RapportError('VALIDATION', `notification rule ${JSON.stringify(rule.name)} is automatic: it has no report`);
      return runReport(ctx, rule.report, options.occurrence ?? ctx.clock.now());
    },

    /** The domain events automatic rules may listen to. */
    events(): string[] {
      return Object.keys(RULE_EVENTS);
    },
  };
}
