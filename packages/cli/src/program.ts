import type { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerTasks } from './commands/tasks.js';
import { registerServe } from './commands/serve.js';
import { registerOperators, registerTokens } from './commands/tokens.js';
import { registerHandOver } from './commands/hand-over.js';
import { registerGroups, registerRoles, registerShare } from './commands/access.js';
import { registerWorker } from './commands/worker.js';
import { registerMail } from './commands/mail.js';
import { registerCalendar } from './commands/calendar.js';
import { registerViews } from './commands/views.js';
import { registerSearch } from './commands/search.js';
import { registerRules } from './commands/rules.js';
import { registerReminders, registerTemplates } from './commands/templates.js';
import { registerPrint } from './commands/print.js';
import { quiet, rootCommand } from './root.js';

/**
 * Builds the whole `rapport` command, every command loaded. Each command lives in commands/ and
 * registers itself here; run() loads only the one argv names (run.ts lists them in this order).
 */
export function buildProgram(): Command {
  const program = rootCommand();
  registerInit(program);
  registerOperators(program);
  registerTokens(program);
  registerHandOver(program);
  registerRoles(program);
  registerGroups(program);
  registerShare(program);
  registerHistory(program);
  registerTasks(program);
  registerServe(program);
  registerDemo(program);
  registerImport(program);
  registerWorker(program);
  registerMail(program);
  registerCalendar(program);
  registerViews(program);
  registerSearch(program);
  registerRules(program);
  registerTemplates(program);
  registerReminders(program);
  registerPrint(program);
  quiet(program);
  return program;
}
