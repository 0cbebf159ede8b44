import { InvalidArgumentError, type Command } from 'commander';
import type { SearchKind } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { SEARCH_KINDS } from '../choices.js';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';

const kindList = (value: string): SearchKind[] =>
  value.split(',').map((k) => {
    const kind = k.trim() as SearchKind;
    if (!SEARCH_KINDS.includes(kind)) throw new InvalidArgumentError(`must be a comma-separated list of ${SEARCH_KINDS.join(', ')} (got ${JSON.stringify(k)})`);
    return kind;
  });

const pageLimit = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new InvalidArgumentError('must be a whole number from 1 to 50');
  return n;
};

export function registerSearch(program: Command) {
  program
    .command('search')
    .description('full-text search in tasks, notes, partners, persons and e-mails (diacritics optional, words match as prefixes)')
    .argument('<words>', 'what to look for, e.g. "zolc enov"')
    .option('--kinds <list>', `comma-separated kinds (${SEARCH_KINDS.join(', ')})`, kindList)
    .option('--limit <n>', 'hits per page (1-50)', pageLimit, 20)
    .option('--cursor <cursor>', 'the next-page cursor a previous search printed')
    .option('--as <email>', 'search as this operator (their access rules apply)')
    .action(async (words: string, opts: { kinds?: SearchKind[]; limit: number; cursor?: string; as?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm: host } = await openCrm(g.db);
      try {
        let crm = host;
        if (opts.as) {
          const op = await host.operators.findByEmail(opts.as);
          if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(opts.as)} does not exist`);
          crm = host.as(op.id);
        }
        const result = await crm.search(words, {
          limit: opts.limit,
          ...(opts.kinds ? { kinds: opts.kinds } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        });
        emit(g, result, () => {
          const counts = Object.entries(result.counts)
            .map(([k, c]) => `${k} ${c.count}${c.exact ? '' : '+'}`)
            .join(', ');
          const rows = result.items.map((h) => [h.kind, h.title, h.snippet ?? '', day(h.at), String(h.score)]);
          const more = result.nextCursor ? `\nmore: rapport search ${JSON.stringify(words)} --cursor ${result.nextCursor}` : '';
          return `${rows.length ? table(['kind', 'title', 'detail', 'when', 'score'], rows) : '(nothing found)'}\n\nmatches: ${counts}${more}`;
        });
      } finally {
        await host.close();
      }
    });
}
