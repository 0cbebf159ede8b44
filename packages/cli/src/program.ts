import { Command, CommanderError } from 'commander';
import { isRapportError } from '@rapport/core/store';
import { version } from '../package.json';
import { registerDemo } from './commands/demo.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerTasks } from './commands/tasks.js';
import { registerServe } from './commands/serve.js';
import { registerOperators } from './commands/tokens.js';
import { registerHandOver } from './commands/hand-over.js';
import { registerGroups, registerRoles, registerShare } from './commands/access.js';
import { registerWorker } from './commands/worker.js';
import { registerMail } from './commands/mail.js';
import { registerCalendar } from './commands/calendar.js';
import { registerViews } from './commands/views.js';
import { registerSearch } from './commands/search.js';
import { registerRules } from './commands/rules.js';
import { registerTemplates } from './commands/templates.js';
import { registerPrint } from './commands/print.js';

/** Builds the `rapport` command. Each command lives in commands/ and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('rapport')
    .description('Rapport CRM: embeddable CRM SDK command line')
    .version(version, '-V, --version', 'print the version')
    .option('--db <url>', 'database: sqlite:PATH or postgres://... (default: RAPPORT_DB or sqlite:./rapport.db)')
    .option('--json', 'print the result as one JSON object')
    .exitOverride();
  registerInit(program);
  registerOperators(program);
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
  registerPrint(program);
  // Usage errors are printed by run() as one line (or JSON); the whole help is one --help away.
  const quiet = (cmd: Command) => {
    cmd.configureOutput({ outputError: () => undefined }).exitOverride();
    cmd.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

/** The command a usage error belongs to, from the words of argv that name subcommands. */
function commandPath(program: Command, argv: string[]): string {
  const names = ['rapport'];
  let cmd = program;
  for (const word of argv) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) continue;
    names.push(sub.name());
    cmd = sub;
  }
  return names.join(' ');
}

/** Prints a failure: one line on stderr, and with --json also `{"error":{code,message}}` on stdout. */
function fail(argv: string[], code: string, message: string) {
  const line = message.split('\n')[0]!;
  if (argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: { code, message: line } })}\n`);
  }
  process.stderr.write(`rapport: ${code === 'USAGE' ? line : `${code}: ${line}`}\n`);
}

/** Runs the CLI; resolves to the exit code (0 on success, 1 on failure, 2 on a usage error). */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, --version, and a command group without its subcommand (which prints its help).
      if (err.exitCode === 0 || err.code === 'commander.help') return err.exitCode;
      fail(argv, 'USAGE', `${err.message.replace(/^error: /, '')} (see ${commandPath(program, argv)} --help)`);
      return 2;
    }
    if (isRapportError(err)) fail(argv, err.code, err.message);
    else fail(argv, 'ERROR', err instanceof Error ? err.message : String(err));
    return 1;
  }
}
