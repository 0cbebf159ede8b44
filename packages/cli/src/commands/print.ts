import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Crm } from '@rapport/core';
import { RapportError, type Filter } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';
import { actingCrm } from './views.js';

type Kind = 'task' | 'offer' | 'partner';
const LOOKUP: Record<Kind, { collection: string; field: string; named: string }> = {
  task: { collection: 'tasks', field: 'number', named: 'number' },
  offer: { collection: 'offers', field: 'number', named: 'number' },
  partner: { collection: 'partners', field: 'code', named: 'code' },
};

/**
 * The id of a record as people name it: a task or an offer by id or number (0001/2026/CRM), a
 * partner by id or code; read as the acting operator, so what they may not see stays unfound.
 * A task number used in two registers is ambiguous: VALIDATION, naming both.
 */
async function recordId(crm: Crm, kind: Kind, ref: string): Promise<string> {
  const { collection, field, named } = LOOKUP[kind];
  const byIdOr: Filter = {
    op: 'or',
    filters: [
      { op: 'eq', field: 'id', value: ref },
      { op: 'eq', field, value: ref },
    ],
  };
  const found = await crm.store.find(collection, { where: byIdOr, limit: 3 });
  if (found.items.some((r) => r.id === ref) || found.items.length === 0) return ref;
  if (found.items.length > 1)
    throw new RapportError(
      'VALIDATION',
      `${kind} ${named} ${JSON.stringify(ref)} is used in ${found.items.length} registers: give the ${kind}'s id (${found.items.map((r) => r.id).join(', ')})`,
    );
  return found.items[0]!.id;
}

/** `rapport print KIND ID [--template NAME] --out FILE.pdf`: a record printed with a stored or built-in print template. */
export function registerPrint(program: Command) {
  program
    .command('print')
    .description('print a task card, an offer or a partner statement to PDF with a print template (stored or built-in; default when none is named)')
    .addArgument(program.createArgument('<kind>', 'task, offer or partner').choices(['task', 'offer', 'partner']))
    .argument('<ref>', 'the task or offer by id or number (e.g. 0001/2026/CRM), the partner by id or code')
    .option('--template <name>', 'the print template, by id or name (default: the stored default of the kind, else the built-in one)')
    .requiredOption('--out <file>', 'the PDF file to write')
    .addOption(new Option('--language <language>', "prefer the stored templates in this language (default: the --as operator's)").choices(['pl', 'ro', 'en']))
    .addOption(new Option('--as <email>', 'print as this operator (their access rules apply)'))
    .action(async (kind: Kind, ref: string, opts: { template?: string; out: string; as?: string; language?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // pdfmake loads only when something is printed.
      const { printRecord } = await import('@rapport/export');
      const { crm } = await openCrm(g.db);
      try {
        const acting = await actingCrm(crm, opts.as);
        const id = await recordId(acting, kind, ref);
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
          () => `${opts.out}: ${kind} ${ref} printed with ${JSON.stringify(template.name)}`,
        );
      } finally {
        await crm.close();
      }
    });
}
