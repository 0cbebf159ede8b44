import { CommanderError, Help, type Command } from 'commander';
import { quiet, rootCommand } from './root.js';

type Register = (program: Command) => void;

/**
 * The top-level commands in the order --help lists them, with the term and description it shows,
 * so that a command's module (and what it imports) loads only when argv names that command.
 * test/run.test.ts checks this list against buildProgram().
 */
const COMMANDS: ReadonlyArray<readonly [term: string, description: string, load: () => Promise<Register>]> = [
  ['init', 'create or migrate the database', async () => (await import('./commands/init.js')).registerInit],
  [
    'operators',
    'users of the CRM',
    async () => {
      const [{ registerOperators }, { registerHandOver }] = await Promise.all([import('./commands/tokens.js'), import('./commands/hand-over.js')]);
      return (program) => {
        registerOperators(program);
        registerHandOver(program);
      };
    },
  ],
  ['tokens', 'API tokens of operators', async () => (await import('./commands/tokens.js')).registerTokens],
  ['roles', 'roles: permissions per record kind, action and scope', async () => (await import('./commands/access.js')).registerRoles],
  ['groups', 'groups of operators (teams, departments)', async () => (await import('./commands/access.js')).registerGroups],
  ['share', 'share tasks, partners and opportunities with operators or groups', async () => (await import('./commands/access.js')).registerShare],
  ['history [options]', "show a partner's history, newest first", async () => (await import('./commands/history.js')).registerHistory],
  ['tasks', 'work with tasks', async () => (await import('./commands/tasks.js')).registerTasks],
  [
    'serve [options]',
    'serve the HTTP API and the Outlook/Thunderbird task pane (HTTPS with a dev certificate)',
    async () => (await import('./commands/serve.js')).registerServe,
  ],
  [
    'demo [options]',
    'create ./rapport-demo.db with sample data, import the sample mailbox and serve the API + add-in pane',
    async () => (await import('./commands/demo.js')).registerDemo,
  ],
  ['import', 'import e-mail as CRM tasks: from an IMAP mailbox, mbox files or .eml files', async () => (await import('./commands/import.js')).registerImport],
  [
    'worker [options]',
    'run due jobs and deliver the outbox (e-mail over SMTP from RAPPORT_SMTP_*); stop with Ctrl-C',
    async () => (await import('./commands/worker.js')).registerWorker,
  ],
  ['mail', 'outbound mail: serial mailings, checking the servers', async () => (await import('./commands/mail.js')).registerMail],
  ['calendar', 'calendars of operators and groups', async () => (await import('./commands/calendar.js')).registerCalendar],
  ['views', 'saved and built-in views: list, run, export, show, save, delete', async () => (await import('./commands/views.js')).registerViews],
  [
    'search [options] <words>',
    'full-text search in tasks, notes, partners, persons and e-mails (diacritics optional, words match as prefixes)',
    async () => (await import('./commands/search.js')).registerSearch,
  ],
  ['rules', 'notification rules: automatic (on an event) and cyclic (a report on a schedule)', async () => (await import('./commands/rules.js')).registerRules],
  [
    'templates',
    'message and print templates for e-mail, SMS and PDF (LiquidJS, checked when saved)',
    async () => (await import('./commands/templates.js')).registerTemplates,
  ],
  ['reminders', 'task reminders', async () => (await import('./commands/templates.js')).registerReminders],
  [
    'print [options] <kind> <ref>',
    'print a task card, an offer or a partner statement to PDF with a print template (stored or built-in; default when none is named)',
    async () => (await import('./commands/print.js')).registerPrint,
  ],
];

/** The words of argv that are not options, nor the value of --db (the global option with a value). */
function operands(argv: string[]): string[] {
  return argv.filter((word, i) => !word.startsWith('-') && argv[i - 1] !== '--db');
}

/**
 * The `rapport` command with the commands argv names loaded (`rapport tasks ...`, `rapport help
 * tasks`) and every other one listed by its term and description only, as --help needs.
 */
export async function programFor(argv: string[]): Promise<Command> {
  const named = operands(argv).slice(0, 2);
  const registers = await Promise.all(COMMANDS.map(([term, , load]) => (named.includes(term.split(' ')[0]!) ? load() : null)));
  const program = rootCommand();
  const terms = new Map<Command, string>();
  COMMANDS.forEach(([term, description], i) => {
    const register = registers[i];
    if (register) register(program);
    else terms.set(program.command(term.split(' ')[0]!).description(description), term);
  });
  // Set last: commands registered before it keep the default help; only this list uses the terms.
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd) ?? help.subcommandTerm(cmd) });
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
  const program = await programFor(argv);
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
    // Loaded here, not at start: --help and usage errors need nothing from core.
    const { isRapportError } = await import('@rapport/core/store');
    if (isRapportError(err)) fail(argv, err.code, err.message);
    else fail(argv, 'ERROR', err instanceof Error ? err.message : String(err));
    return 1;
  }
}
