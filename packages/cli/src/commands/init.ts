import type { Command } from 'commander';
import { openCrm, redact } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';

export function registerInit(program: Command) {
  program
    .command('init')
    .description('create or migrate the database')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm, url, applied } = await openCrm(g.db);
      await crm.close();
      emit(g, { database: redact(url), applied }, () =>
        applied.length ? `${redact(url)}: applied ${applied.length} migration(s): ${applied.join(', ')}` : `${redact(url)}: up to date`,
      );
    });
}
