import { Command, CommanderError } from 'commander';
import { isRapportError } from '@rapport/core';
import { registerDemo } from './commands/demo.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerInit } from './commands/init.js';
import { registerTasks } from './commands/tasks.js';
import { registerServe } from './commands/serve.js';
import { registerOperators } from './commands/tokens.js';

/** Builds the `rapport` command. Each command lives in commands/ and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('rapport')
    .description('Rapport CRM: embeddable CRM SDK command line')
    .option('--db <url>', 'database: sqlite:PATH or postgres://... (default: RAPPORT_DB or sqlite:./rapport.db)')
    .option('--json', 'print the result as one JSON object')
    .showHelpAfterError()
    .exitOverride();
  registerInit(program);
  registerOperators(program);
  registerHistory(program);
  registerTasks(program);
  registerServe(program);
  registerDemo(program);
  registerImport(program);
  return program;
}

/** Runs the CLI; resolves to the exit code (0 on success, 1 with a one-line reason on failure). */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const reason = isRapportError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`rapport: ${reason.split('\n')[0]}\n`);
    return 1;
  }
}
