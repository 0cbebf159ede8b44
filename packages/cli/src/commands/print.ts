import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';
import { actingCrm } from './views.js';

/** `rapport print KIND ID [--template NAME] --out FILE.pdf`: a record printed with a stored or built-in print template. */
export function registerPrint(program: Command) {
  program
    .command('print')
    .description('print a task card, an offer or a partner statement to PDF with a print template (stored or built-in; default when none is named)')
    .addArgument(program.createArgument('<kind>', 'task, offer or partner').choices(['task', 'offer', 'partner']))
    .argument('<id>', 'id of the task, offer or partner')
    .option('--template <name>', 'the print template, by id or name (default: the stored default of the kind, else the built-in one)')
    .requiredOption('--out <file>', 'the PDF file to write')
    .addOption(new Option('--language <language>', "prefer the stored templates in this language (default: the --as operator's)").choices(['pl', 'ro', 'en']))
    .addOption(new Option('--as <email>', 'print as this operator (their access rules apply)'))
    .action(async (kind: 'task' | 'offer' | 'partner', id: string, opts: { template?: string; out: string; as?: string; language?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // pdfmake loads only when something is printed.
      const { printRecord } = await import('@rapport/export');
      const { crm } = await openCrm(g.db);
      try {
        const acting = await actingCrm(crm, opts.as);
        const language = opts.language ?? (opts.as ? (await crm.operators.findByEmail(opts.as))?.language : undefined) ?? undefined;
        const out = createWriteStream(opts.out);
        const template = await printRecord(
          acting,
          { kind, id, ...(opts.template ? { template: opts.template } : {}), ...(language ? { language } : {}) },
          out,
        ).catch(async (err: unknown) => {
          // No half-written or empty PDF is left behind when the record or template is refused.
          out.destroy();
          await rm(opts.out, { force: true });
          throw err;
        });
        emit(
          g,
          { file: opts.out, template: { id: template.id, name: template.name } },
          () => `${opts.out}: ${kind} ${id} printed with ${JSON.stringify(template.name)}`,
        );
      } finally {
        await crm.close();
      }
    });
}
