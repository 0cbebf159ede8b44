import { Command, InvalidArgumentError } from 'commander';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';

export const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
};

export function registerHistory(program: Command) {
  program
    .command('history')
    .description("show a partner's history, newest first")
    .option('--partner <code>', 'partner code, e.g. ZEFIR')
    .option('--email <address>', 'an e-mail address of a person or of a partner domain')
    .option('--limit <n>', 'items to show', positiveInt, 50)
    .action(async (opts: { partner?: string; email?: string; limit: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (!opts.partner === !opts.email) throw new RapportError('VALIDATION', 'history needs exactly one of --partner CODE or --email ADDRESS');
      const { crm } = await openCrm(g.db);
      try {
        let result;
        if (opts.partner) {
          const partner = await crm.partners.findByCode(opts.partner);
          if (!partner) throw new RapportError('NOT_FOUND', `partner ${JSON.stringify(opts.partner.toUpperCase())} does not exist`);
          result = { partner, person: null, ...(await crm.history.forPartner(partner.id, { limit: opts.limit })) };
        } else {
          result = await crm.history.forEmail(opts.email!, { limit: opts.limit });
        }
        emit(g, result, () => {
          const who = result.partner
            ? `${result.partner.name} (${result.partner.code})`
            : result.person
              ? `${result.person.firstName} ${result.person.lastName}`
              : 'no partner or person found';
          const rows = result.items.map((i) => [day(i.at), i.kind, i.title]);
          return `${who}\n\n${rows.length ? table(['when', 'what', 'title'], rows) : '(no history)'}`;
        });
      } finally {
        await crm.close();
      }
    });
}
