import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { MessageTemplate, ReminderRule, TemplateChannel, TemplateLanguage } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { emit, table, type GlobalOptions } from '../output.js';

const LANGUAGES = ['pl', 'ro', 'en'];

/** `--data JSON`: sample values for a preview. */
function parseData(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new RapportError('VALIDATION', `--data must be a JSON object such as {"task":{"subject":"Call back"}} (got ${JSON.stringify(text.slice(0, 80))})`);
}

/** `--rule CHANNEL[:BEFORE]`, BEFORE like 30m, 2h, 1d: one reminder rule for the owner. */
const reminderRule = (value: string, previous: ReminderRule[] | undefined): ReminderRule[] => {
  const m = /^(inapp|email|sms)(?::(\d+)([mhd]))?$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be CHANNEL or CHANNEL:BEFORE (inapp, email, sms; BEFORE like 30m, 2h, 1d), e.g. email:1d');
  const amount = Number(m[2] ?? 0);
  const before = m[3] === 'd' ? { days: amount } : m[3] === 'h' ? { hours: amount } : m[3] === 'm' ? { minutes: amount } : {};
  return [...(previous ?? []), { channel: m[1] as ReminderRule['channel'], before }];
};

const beforeText = (r: ReminderRule) =>
  [r.before?.days ? `${r.before.days}d` : '', r.before?.hours ? `${r.before.hours}h` : '', r.before?.minutes ? `${r.before.minutes}m` : '']
    .join('')
    .replace(/^$/, 'at due');

/** `rapport templates list|create|preview`. */
export function registerTemplates(program: Command) {
  const templates = program.command('templates').description('message and print templates for e-mail, SMS and PDF (LiquidJS, checked when saved)');
  templates
    .command('list')
    .description('templates, by channel, record kind, language and name')
    .addOption(new Option('--channel <channel>').choices(['email', 'sms', 'print']))
    .option('--kind <recordKind>', 'task, partner, person, opportunity or offer')
    .addOption(new Option('--language <language>').choices(LANGUAGES))
    .action(async (opts: { channel?: TemplateChannel; kind?: string; language?: TemplateLanguage }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const items: MessageTemplate[] = [];
        let cursor: string | undefined;
        do {
          const page = await crm.templates.list({
            ...(opts.channel ? { channel: opts.channel } : {}),
            ...(opts.kind ? { recordKind: opts.kind } : {}),
            ...(opts.language ? { language: opts.language } : {}),
            limit: 500,
            ...(cursor ? { cursor } : {}),
          });
          items.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        emit(g, { templates: items }, () =>
          items.length
            ? table(
                ['name', 'channel', 'kind', 'lang', 'default', 'id'],
                items.map((t) => [t.name, t.channel, t.recordKind, t.language, t.isDefault ? 'yes' : '', t.id]),
              )
            : '(no templates: add one with rapport templates create)',
        );
      } finally {
        await crm.close();
      }
    });

  templates
    .command('create')
    .description('add a template; its syntax and every variable are checked now, not when sending')
    .requiredOption('--name <name>', 'name')
    .addOption(new Option('--channel <channel>').choices(['email', 'sms', 'print']).makeOptionMandatory())
    .requiredOption('--kind <recordKind>', 'task, partner, person, opportunity or offer')
    .addOption(new Option('--language <language>').choices(LANGUAGES).default('en'))
    .option('--subject <template>', 'e-mail subject (a template too)')
    .option('--body <template>', 'the body')
    .option('--body-file <file>', 'read the body from a file')
    .option('--default', 'make it the default of its channel, kind and language')
    .action(
      async (
        opts: {
          name: string;
          channel: TemplateChannel;
          kind: string;
          language: TemplateLanguage;
          subject?: string;
          body?: string;
          bodyFile?: string;
          default?: boolean;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!opts.body === !opts.bodyFile) throw new RapportError('VALIDATION', 'give the body with exactly one of --body or --body-file');
        const body = opts.body ?? (await readFile(opts.bodyFile!, 'utf8'));
        const { crm } = await openCrm(g.db);
        try {
          const t = await crm.templates.create({
            name: opts.name,
            channel: opts.channel,
            recordKind: opts.kind,
            language: opts.language,
            body,
            ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
            ...(opts.default ? { isDefault: true } : {}),
          });
          emit(g, { template: t }, () => `template ${JSON.stringify(t.name)} created (${t.id})${t.isDefault ? ', the default' : ''}`);
        } finally {
          await crm.close();
        }
      },
    );

  templates
    .command('preview <id>')
    .description('render a template with sample values (or --data over them)')
    .option('--data <json>', 'sample values, e.g. {"task":{"subject":"Call back"}}')
    .action(async (id: string, opts: { data?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const data = parseData(opts.data);
      const { crm } = await openCrm(g.db);
      try {
        const out = await crm.templates.preview(id, data);
        emit(g, out, () => (out.subject === null ? out.body : `Subject: ${out.subject}\n\n${out.body}`));
      } finally {
        await crm.close();
      }
    });
}

/** `rapport reminders settings`. */
export function registerReminders(program: Command) {
  program
    .command('reminders')
    .description('task reminders')
    .command('settings')
    .description("show or set an operator's reminder defaults (every new task they own starts with them), language and time zone")
    .requiredOption('--operator <email>', 'whose defaults')
    .option('--rule <channel[:before]>', 'a default reminder of the owner, e.g. inapp:2h, email:1d, sms:30m (repeatable; replaces the defaults)', reminderRule)
    .option('--clear', 'remove every default reminder')
    .addOption(new Option('--language <language>', 'language of their reminders').choices(LANGUAGES))
    .option('--time-zone <zone>', 'IANA time zone dates in their reminders are written in')
    .action(async (opts: { operator: string; rule?: ReminderRule[]; clear?: boolean; language?: TemplateLanguage; timeZone?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.rule && opts.clear) throw new RapportError('VALIDATION', 'give either --rule or --clear');
      const { crm } = await openCrm(g.db);
      try {
        let op = await crm.operators.findByEmail(opts.operator);
        if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(opts.operator)} does not exist`);
        if (opts.rule || opts.clear) await crm.reminders.setDefaults(op.id, opts.rule ?? []);
        if (opts.language || opts.timeZone)
          op = await crm.operators.update(op.id, {
            ...(opts.language ? { language: opts.language } : {}),
            ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
          });
        const rules = await crm.reminders.defaults(op.id);
        const settings = { operator: op.email, language: op.language ?? 'en', timeZone: op.timeZone ?? 'UTC', defaults: rules };
        emit(g, settings, () =>
          [
            `${op.email}: language ${settings.language}, time zone ${settings.timeZone}`,
            rules.length
              ? table(
                  ['channel', 'who', 'when', 'anchor'],
                  rules.map((r) => [r.channel, (r.who ?? ['owner']).join(', '), beforeText(r), r.anchor ?? 'due']),
                )
              : '(no default reminders)',
          ].join('\n'),
        );
      } finally {
        await crm.close();
      }
    });
}
