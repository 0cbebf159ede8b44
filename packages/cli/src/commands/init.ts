import type { Command } from 'commander';
import { openCrm, redact } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';

export function registerInit(program: Command) {
  program
    .command('init')
    .description('create or migrate the database')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm, url, applied, createdDirectory } = await openCrm(g.db, { createDirectory: true });
      await crm.close();
      emit(g, { database: redact(url), createdDirectory, applied }, () =>
        [
          createdDirectory ? `created the folder ${createdDirectory}` : null,
          applied.length ? `${redact(url)}: applied ${applied.length} migration(s): ${applied.join(', ')}` : `${redact(url)}: up to date`,
        ]
          .filter((l) => l !== null)
          .join('\n'),
      );
    });
}
