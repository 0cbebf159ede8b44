import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Crm, Filter, NotificationRule, RuleInput, RuleRecipient } from '@rapport/core';
import { RapportError, where } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { emit, table, type GlobalOptions } from '../output.js';

interface CreateOptions {
  name: string;
  on?: string[];
  where?: string[];
  register?: string;
  filter?: string;
  cron?: string;
  tz?: string;
  view?: string;
  report?: string;
  attach?: 'body' | 'csv' | 'both';
  subject?: string;
  catchUp?: 'once' | 'all' | 'skip';
  channel: 'inapp' | 'email' | 'sms';
  template?: string;
  to: string[];
}

/** `--where field=value`, repeatable: the field equals the text value. */
const whereEq = (value: string, previous: string[] | undefined) => {
  if (!/^[A-Za-z_][\w.]*=/.test(value)) throw new InvalidArgumentError('must be field=value, e.g. status=done');
  return [...(previous ?? []), value];
};

/** `--filter JSON`: the filter AST as JSON. */
function parseFilter(text: string): Filter {
  try {
    return JSON.parse(text) as Filter;
  } catch (err) {
    throw new RapportError('VALIDATION', `--filter must be a JSON filter such as {"op":"eq","field":"status","value":"done"} (${(err as Error).message})`);
  }
}

/** `--to operator:EMAIL | group:NAME | owner | contacts | email:ADDRESS`: recipients, operators by e-mail. */
async function recipients(crm: Crm, to: string[]): Promise<RuleRecipient[]> {
  const out: RuleRecipient[] = [];
  for (const t of to) {
    const [kind, ...rest] = t.split(':');
    const value = rest.join(':');
    if (kind === 'owner' && !value) out.push({ owner: true });
    else if (kind === 'contacts' && !value) out.push({ contacts: true });
    else if (kind === 'group' && value) out.push({ group: value });
    else if (kind === 'email' && value) out.push({ email: value });
    else if (kind === 'operator' && value) {
      const op = await crm.operators.findByEmail(value);
      if (!op) throw new RapportError('NOT_FOUND', `--to ${t}: operator ${JSON.stringify(value)} does not exist`);
      out.push({ operator: op.id });
    } else throw new RapportError('VALIDATION', `--to ${JSON.stringify(t)} must be operator:EMAIL, group:NAME, owner, contacts or email:ADDRESS`);
  }
  return out;
}

/** What a rule listens to or when it runs, in a few words. */
const trigger = (r: NotificationRule) => (r.kind === 'event' ? r.on.join(', ') : `${r.cron} ${r.timeZone ?? 'UTC'}`);
const recipientText = (r: RuleRecipient) => Object.entries(r).map(([k, v]) => (v === true ? k : `${k}:${String(v)}`))[0]!;

/** A rule by id or name (ids first). */
async function findRule(crm: Crm, ref: string): Promise<NotificationRule> {
  const rule = (await crm.rules.list()).find((r) => r.id === ref) ?? (await crm.rules.list()).find((r) => r.name === ref);
  if (!rule) throw new RapportError('NOT_FOUND', `notification rule ${JSON.stringify(ref)} does not exist (see rapport rules list)`);
  return rule;
}

/** `rapport rules list|create|delete`: automatic and cyclic notification rules. */
export function registerRules(program: Command) {
  const rules = program.command('rules').description('notification rules: automatic (on an event) and cyclic (a report on a schedule)');
  rules
    .command('list')
    .description('every notification rule')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const list = await crm.rules.list();
        emit(g, { rules: list }, () =>
          list.length
            ? table(
                ['name', 'kind', 'when', 'channel', 'to', 'active', 'id'],
                list.map((r) => [r.name, r.kind, trigger(r), r.channel, r.recipients.map(recipientText).join(' '), r.active ? 'yes' : 'no', r.id]),
              )
            : '(no notification rules: add one with rapport rules create)',
        );
      } finally {
        await crm.close();
      }
    });

  rules
    .command('create')
    .description('add a rule: --on EVENT... (automatic) or --cron EXPR with --view or --report (cyclic)')
    .requiredOption('--name <name>', 'unique name')
    .option('--on <event...>', 'automatic: domain events, e.g. task.status_changed opportunity.stage_changed offer.status_changed')
    .option('--where <field=value>', 'automatic: the record field equals the value (repeatable; all must hold)', whereEq)
    .option('--register <code>', 'automatic, tasks: only tasks of this register')
    .option('--filter <json>', 'automatic: a filter AST as JSON (AND-ed with --where and --register)')
    .option('--cron <expr>', 'cyclic: cron expression, e.g. "0 8 * * 1" (Mondays 08:00)')
    .option('--tz <zone>', 'cyclic: IANA time zone of the cron expression (default UTC)')
    .option('--view <view>', 'cyclic: the report is this view (saved view id or name, or a built-in one)')
    .option('--report <function>', 'cyclic: the report is a function the host registered with createCrm({ reports })')
    .addOption(new Option('--attach <how>', 'cyclic: the report in the body, as CSV, or both').choices(['body', 'csv', 'both']))
    .addOption(new Option('--catch-up <policy>', 'cyclic: occurrences missed while no worker ran').choices(['once', 'all', 'skip']))
    .option('--subject <text>', 'cyclic: the message subject')
    .addOption(new Option('--channel <channel>', 'how recipients are told').choices(['inapp', 'email', 'sms']).makeOptionMandatory())
    .option('--template <id>', 'automatic: message template id (required for email and sms)')
    .requiredOption('--to <recipient...>', 'operator:EMAIL, group:NAME, owner, contacts (the partner’s persons) or email:ADDRESS')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const filters: Filter[] = (opts.where ?? []).map((w) => where.eq(w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)));
        if (opts.register) {
          const register = await crm.registers.findByCode(opts.register);
          if (!register) throw new RapportError('NOT_FOUND', `--register: register ${JSON.stringify(opts.register)} does not exist`);
          filters.push(where.eq('registerId', register.id));
        }
        if (opts.filter) filters.push(parseFilter(opts.filter));
        if (opts.view && opts.report) throw new RapportError('VALIDATION', 'a cyclic rule runs either --view or --report, not both');
        const input: RuleInput = {
          name: opts.name,
          channel: opts.channel,
          recipients: await recipients(crm, opts.to),
          ...(opts.on ? { on: opts.on } : {}),
          ...(filters.length ? { filter: filters.length === 1 ? filters[0]! : where.and(...filters) } : {}),
          ...(opts.template ? { templateId: opts.template } : {}),
          ...(opts.cron ? { cron: opts.cron } : {}),
          ...(opts.tz ? { timeZone: opts.tz } : {}),
          ...(opts.view ? { report: { view: opts.view } } : opts.report ? { report: { function: opts.report } } : {}),
          ...(opts.attach ? { attach: opts.attach } : {}),
          ...(opts.catchUp ? { catchUp: opts.catchUp } : {}),
          ...(opts.subject ? { subject: opts.subject } : {}),
        };
        const rule = await crm.rules.create(input);
        emit(g, { rule }, () => `rule ${JSON.stringify(rule.name)} created (${rule.id}): ${rule.kind}, ${trigger(rule)}`);
      } finally {
        await crm.close();
      }
    });

  rules
    .command('delete <rule>')
    .description('delete a rule (by id or name); what it already decided is still delivered')
    .action(async (ref: string, _opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const rule = await findRule(crm, ref);
        await crm.rules.delete(rule.id);
        emit(g, { deleted: rule.id, name: rule.name }, () => `rule ${JSON.stringify(rule.name)} deleted`);
      } finally {
        await crm.close();
      }
    });
}
