import type { Context } from '../../context.js';
import type { Job } from '../../domain/automation-types.js';
import type { NotificationRule, ReportResult, RuleReport } from '../../domain/rule-types.js';
import { RapportError } from '../../errors.js';
import { where } from '../../store/filter.js';
import type { JobContext } from '../scheduler/run-jobs.js';
import { BUILTIN_VIEWS } from '../views/catalog.js';
import type { SavedView } from '../views/types.js';
import { viewsModule, type ViewRef } from '../views/index.js';
import { enqueueMessage } from './fire.js';
import { addressOf, resolveTargets, targetKey } from './recipients.js';

export const RULE_REPORT_JOB = 'rule.report';
/** Rows a report carries at most (the CSV says when it was cut); rows in a message body. */
export const REPORT_MAX_ROWS = 10_000;
const BODY_ROWS = 50;

type Cell = string | number | boolean | Date | null;

/**
 * Runs a report as the context's operator (a view shows only the rows they may see). A saved
 * view is read beneath the rules and then run as the operator, who need not have it shared.
 */
export async function runReport(ctx: Context, report: RuleReport, occurrence: Date): Promise<ReportResult & { truncated: boolean }> {
  if ('function' in report) {
    const fn = ctx.settings.reports?.[report.function];
    if (!fn)
      throw new RapportError('VALIDATION', `report function ${JSON.stringify(report.function)} is not registered in this process (createCrm({ reports }))`);
    const out = await fn({ operatorId: ctx.actorId, occurrence, params: report.params ?? {} });
    const rows = out.rows.slice(0, REPORT_MAX_ROWS);
    return { ...out, rows, truncated: out.rows.length > rows.length };
  }
  const builtin = BUILTIN_VIEWS.find((b) => b.id === report.view || b.name === report.view);
  let ref: ViewRef = report.view;
  if (!builtin) {
    const saved =
      (await ctx.rootStore.get<SavedView>('views', report.view)) ??
      (await ctx.rootStore.find<SavedView>('views', { where: where.eq('name', report.view), limit: 1 })).items[0];
    if (!saved) throw new RapportError('NOT_FOUND', `view ${JSON.stringify(report.view)} of the report does not exist`);
    ref = { name: saved.name, spec: saved.spec };
  }
  const reader = await viewsModule(ctx).reader(ref);
  const rows: Cell[][] = [];
  let truncated = false;
  for await (const page of reader.pages()) {
    for (const row of page) {
      if (rows.length >= REPORT_MAX_ROWS) {
        truncated = true;
        break;
      }
      rows.push(reader.columns.map((c) => cell(row.values[c.key])));
    }
    if (truncated) break;
  }
  return { title: reader.name, columns: reader.columns.map((c) => c.label), rows, truncated };
}

const cell = (value: unknown): Cell =>
  value === undefined || value === null ? null : value instanceof Date || typeof value !== 'object' ? (value as Cell) : JSON.stringify(value);

const text = (c: Cell) => (c === null ? '' : c instanceof Date ? c.toISOString() : String(c));

/**
 * RFC 4180 CSV with a header row. A text cell that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@` first) is prefixed with `'`.
 */
export function toCsv(result: ReportResult): string {
  const field = (c: Cell) => {
    let s = text(c);
    if (typeof c === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [result.columns, ...result.rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** A plain-text table of the first rows, for the message body. */
export function toText(result: ReportResult & { truncated: boolean }): string {
  const lines = [result.columns.join(' | '), ...result.rows.slice(0, BODY_ROWS).map((r) => r.map(text).join(' | '))];
  if (result.rows.length > BODY_ROWS) lines.push(`… ${result.rows.length - BODY_ROWS} more rows${result.truncated ? ' (the report was cut at 10,000)' : ''}`);
  if (result.rows.length === 0) lines.push('(no rows)');
  return lines.join('\n');
}

/**
 * Runs a cyclic rule's occurrence: the report per recipient (each operator's own view of the
 * data; a plain address gets the rule author's), sent in the body and/or as CSV, keyed by
 * (rule, occurrence, recipient, channel), so a repeat of the occurrence sends nothing twice.
 */
export async function fireRuleReport(job: Job, ctx: JobContext): Promise<void> {
  const root = ctx.crm.as(null);
  const rule = await root.store.get<NotificationRule>('notification_rules', String(job.payload.ruleId));
  if (!rule?.active || !rule.report) return;
  const day = ctx.occurrence.toISOString().slice(0, 10);
  for (const target of await resolveTargets(root, rule.recipients, null, null)) {
    const to = addressOf(target, rule.channel);
    if (!to) continue;
    const runAs = target.type === 'operator' ? target.operator.id : rule.createdBy;
    const result = await root.as(runAs).rules.runReport(rule.id, { occurrence: ctx.occurrence });
    const subject = rule.subject ?? `${rule.name} — ${day}`;
    const csv = rule.channel === 'email' && rule.attach !== 'body';
    const body = rule.attach === 'csv' && csv ? `${result.title ?? rule.name}: ${result.rows.length} rows, attached as CSV.` : toText(result);
    const attachments = csv
      ? [
          {
            filename: `${slug(rule.name)}-${day}.csv`,
            contentType: 'text/csv; charset=utf-8',
            content: Buffer.from(toCsv(result)).toString('base64'),
            encoding: 'base64' as const,
          },
        ]
      : [];
    enqueueMessage(
      ctx,
      `rule:${rule.id}:${ctx.occurrence.toISOString()}:${targetKey(target)}:${rule.channel}`,
      rule.channel,
      to,
      { subject, body },
      { kind: 'rule.report', subject: null, data: { ruleId: rule.id, occurrence: ctx.occurrence.toISOString() } },
      attachments,
    );
  }
}

const slug = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[^\w-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 60) || 'report';
