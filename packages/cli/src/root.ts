import { Command } from 'commander';
import { version } from '../package.json';

/** The `rapport` command itself: description, version and global options, no subcommands yet. */
export function rootCommand(): Command {
  return new Command('rapport')
    .description('Rapport CRM: embeddable CRM SDK command line')
    .version(version, '-V, --version', 'print the version')
    .option('--db <url>', 'database: sqlite:PATH or postgres://... (default: RAPPORT_DB or sqlite:./rapport.db)')
    .option('--json', 'print the result as one JSON object')
    .exitOverride();
}

/** Silences commander's error output on `cmd` and its subcommands, once they are registered. */
export function quiet(cmd: Command) {
  // Usage errors are printed by run() as one line (or JSON); the whole help is one --help away.
  cmd.configureOutput({ outputError: () => undefined }).exitOverride();
  cmd.commands.forEach(quiet);
}
