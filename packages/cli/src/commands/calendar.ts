import type { Command } from 'commander';
import type { CalendarFeed, Crm, FeedScope, Operator } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';

async function operatorByEmail(crm: Crm, email: string): Promise<Operator> {
  const op = await crm.operators.findByEmail(email);
  if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(email)} does not exist (add it with: rapport operators add)`);
  return op;
}

interface CreateOptions {
  operator: string;
  group?: string[];
  register?: string[];
  view?: string;
  timeZone?: string;
  todo?: boolean;
  label?: string;
  baseUrl: string;
}

/** `rapport calendar feed create|list|revoke`: secret iCalendar feed URLs for Outlook and Thunderbird. */
export function registerCalendar(program: Command) {
  const feed = program
    .command('calendar')
    .description('calendars of operators and groups')
    .command('feed')
    .description('secret, revocable iCalendar feed URLs');
  feed
    .command('create')
    .description("create a feed of an operator's tasks (or of groups'); the URL is printed once")
    .requiredOption('--operator <email>', 'whose feed (and whose visibility it reads with)')
    .option('--group <group...>', "show these groups' tasks instead of the operator's own")
    .option('--register <code...>', 'only tasks of these registers')
    .option('--view <name>', 'only tasks a view of tasks shows (a saved view by id or name, or a built-in one)')
    .option('--time-zone <zone>', 'IANA time zone of the feed', 'UTC')
    .option('--todo', 'tasks as VTODOs (task lists) instead of events')
    .option('--label <label>', 'the calendar name clients show')
    .option('--base-url <url>', 'where `rapport serve` is reached', 'http://localhost:3000')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const op = await operatorByEmail(crm, opts.operator);
        const registers: string[] = [];
        for (const code of opts.register ?? []) {
          const r = await crm.registers.findByCode(code);
          if (!r) throw new RapportError('NOT_FOUND', `--register: register ${JSON.stringify(code)} does not exist`);
          registers.push(r.id);
        }
        const scope: FeedScope = {
          ...(opts.group ? { groups: opts.group } : { operators: [op.id] }),
          ...(registers.length ? { registers } : {}),
          ...(opts.view ? { view: opts.view } : {}),
          ...(opts.todo ? { tasksAs: 'todo' as const } : {}),
        };
        const { token, feed: created } = await crm
          .as(op.id)
          .calendar.feeds.create({ scope, timeZone: opts.timeZone ?? 'UTC', ...(opts.label ? { label: opts.label } : {}) });
        const url = `${opts.baseUrl.replace(/\/+$/, '')}/calendar/feeds/${token}.ics`;
        emit(
          g,
          { url, feedId: created.id, operator: op.email },
          () => `${url}\n(feed ${created.id} for ${op.email}; the URL is shown only once: subscribe to it in Outlook or Thunderbird)`,
        );
      } finally {
        await crm.close();
      }
    });
  feed
    .command('list')
    .description("list an operator's feeds (never the URL: only its hash is stored)")
    .requiredOption('--operator <email>', "the operator's e-mail address")
    .action(async (opts: { operator: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const op = await operatorByEmail(crm, opts.operator);
        const feeds: CalendarFeed[] = await crm.calendar.feeds.list(op.id);
        const rows = feeds.map((f) => ({
          id: f.id,
          label: f.label,
          scope: f.scope,
          timeZone: f.timeZone,
          createdAt: f.createdAt,
          lastUsedAt: f.lastUsedAt,
          revokedAt: f.revokedAt,
        }));
        emit(g, { feeds: rows }, () =>
          rows.length
            ? table(
                ['id', 'label', 'time zone', 'created', 'last used', 'revoked'],
                rows.map((f) => [f.id, f.label ?? '', f.timeZone, day(f.createdAt), day(f.lastUsedAt), f.revokedAt ? day(f.revokedAt) : '']),
              )
            : '(no feeds)',
        );
      } finally {
        await crm.close();
      }
    });
  feed
    .command('revoke')
    .description('revoke a feed by its id: its URL stops working at once')
    .argument('<feedId>')
    .action(async (feedId: string, _opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const record = await crm.calendar.feeds.revoke(feedId);
        emit(g, { feedId: record.id, revokedAt: record.revokedAt }, () => `feed ${record.id} revoked`);
      } finally {
        await crm.close();
      }
    });
}
