import { Option, type Command } from 'commander';
import type { TaskStatus } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { TASK_STATUSES } from '../choices.js';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';
import { positiveInt } from './history.js';

export function registerTasks(program: Command) {
  const tasks = program.command('tasks').description('work with tasks');
  tasks
    .command('list')
    .description('list tasks, by due date')
    .option('--owner <email>', 'tasks of this operator')
    .option('--overdue', 'only open tasks past their due date')
    .addOption(new Option('--status <status...>', 'only tasks with these statuses').choices(TASK_STATUSES))
    .option('--limit <n>', 'tasks to show', positiveInt, 100)
    .action(async (opts: { owner?: string; overdue?: boolean; status?: TaskStatus[]; limit: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        let ownerId: string | undefined;
        if (opts.owner) {
          const op = await crm.operators.findByEmail(opts.owner);
          if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(opts.owner)} does not exist`);
          ownerId = op.id;
        }
        const page = await crm.tasks.list({
          ...(ownerId ? { ownerId } : {}),
          ...(opts.overdue ? { overdue: true } : {}),
          ...(opts.status ? { status: opts.status } : {}),
          limit: opts.limit,
        });
        const now = Date.now();
        emit(g, { tasks: page.items, nextCursor: page.nextCursor }, () =>
          page.items.length
            ? table(
                ['number', 'status', 'due', 'subject'],
                page.items.map((t) => [
                  t.number,
                  t.status,
                  day(t.dueAt) + (t.dueAt && t.dueAt.getTime() < now && (t.status === 'open' || t.status === 'in_progress') ? ' (overdue)' : ''),
                  t.subject,
                ]),
              )
            : '(no tasks)',
        );
      } finally {
        await crm.close();
      }
    });
}
