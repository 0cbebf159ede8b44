import { InvalidArgumentError, type Command } from 'commander';
import type { Crm, HandOverKind, Operator, Substitution } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { HAND_OVER_KINDS } from '../choices.js';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';

/** The operator with this e-mail address, or NOT_FOUND naming the option it came from. */
export async function operatorByEmail(crm: Crm, email: string, option: string): Promise<Operator> {
  const op = await crm.operators.findByEmail(email);
  if (!op) throw new RapportError('NOT_FOUND', `${option}: operator ${JSON.stringify(email)} does not exist (see rapport operators list)`);
  return op;
}

/** `--kinds tasks,partners` or `--kinds tasks --kinds partners`: kinds of records with an owner. */
const kinds = (value: string, previous: HandOverKind[] | undefined): HandOverKind[] => {
  const out = [...(previous ?? [])];
  for (const kind of value.split(',').map((k) => k.trim())) {
    if (!(HAND_OVER_KINDS as readonly string[]).includes(kind))
      throw new InvalidArgumentError(`${JSON.stringify(kind)} is not one of ${HAND_OVER_KINDS.join(', ')}`);
    out.push(kind as HandOverKind);
  }
  return out;
};

/** An instant: YYYY-MM-DD (midnight UTC) or a full ISO-8601 date-time. */
const instant = (value: string): Date => {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new InvalidArgumentError('must be a date YYYY-MM-DD or an ISO-8601 date-time');
  return at;
};

/** Runs `fn` on the CRM of the global options and closes it. */
async function withCrm(cmd: Command, fn: (crm: Crm, g: GlobalOptions) => Promise<void>) {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const { crm } = await openCrm(g.db);
  try {
    await fn(crm, g);
  } finally {
    await crm.close();
  }
}

const substitutionRow = (s: Substitution, emails: Map<string, string>) => [
  s.id,
  emails.get(s.absentId) ?? s.absentId,
  emails.get(s.deputyId) ?? s.deputyId,
  day(s.from),
  day(s.until),
  s.endedAt ? day(s.endedAt) : '',
];

/** `rapport operators hand-over|substitute|substitutions|end-substitution`, on the `operators` command. */
export function registerHandOver(program: Command) {
  const operators = program.commands.find((c) => c.name() === 'operators');
  if (!operators) throw new Error('registerHandOver needs the operators command registered first');

  operators
    .command('hand-over')
    .description('move what one operator owns (tasks, stages, partners, opportunities, offers, campaigns) to another, audited')
    .requiredOption('--from <email>', 'the operator handing over (may be deactivated)')
    .requiredOption('--to <email>', 'the operator taking over')
    .option('--kinds <kinds>', `only these kinds, comma-separated (${HAND_OVER_KINDS.join(', ')})`, kinds)
    .option('--open-only', 'leave closed tasks, stages, opportunities, offers and campaigns with their owner')
    .action(async (opts: { from: string; to: string; kinds?: HandOverKind[]; openOnly?: boolean }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const from = await operatorByEmail(crm, opts.from, '--from');
        const to = await operatorByEmail(crm, opts.to, '--to');
        const counts = await crm.operators.handOver(from.id, to.id, { ...(opts.kinds ? { kinds: opts.kinds } : {}), openOnly: Boolean(opts.openOnly) });
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        emit(g, { from: from.email, to: to.email, openOnly: Boolean(opts.openOnly), counts, total }, () =>
          [
            `${total} record(s) moved from ${from.email} to ${to.email}${opts.openOnly ? ' (open work only)' : ''}`,
            table(
              ['kind', 'moved'],
              Object.entries(counts).map(([k, n]) => [k, String(n)]),
            ),
          ].join('\n'),
        );
      }),
    );

  operators
    .command('substitute')
    .description("let a deputy see and work an absent operator's records for a period (no owner changes; ends by itself)")
    .requiredOption('--absent <email>', 'the absent operator')
    .requiredOption('--deputy <email>', 'who stands in')
    .requiredOption('--until <date>', 'end of the absence: YYYY-MM-DD (midnight UTC) or an ISO date-time', instant)
    .option('--from <date>', 'start (default: now)', instant)
    .action(async (opts: { absent: string; deputy: string; until: Date; from?: Date }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const absent = await operatorByEmail(crm, opts.absent, '--absent');
        const deputy = await operatorByEmail(crm, opts.deputy, '--deputy');
        const s = await crm.operators.substitute(absent.id, deputy.id, { until: opts.until, ...(opts.from ? { from: opts.from } : {}) });
        emit(g, { substitution: s }, () => `${deputy.email} stands in for ${absent.email} from ${day(s.from)} until ${day(s.until)} (substitution ${s.id})`);
      }),
    );

  operators
    .command('substitutions')
    .description('list substitutions')
    .option('--operator <email>', 'only those where this operator is absent or the deputy')
    .option('--active', 'only those active now')
    .action(async (opts: { operator?: string; active?: boolean }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const activeAt = opts.active ? crm.clock.now() : undefined;
        let list: Substitution[];
        if (opts.operator) {
          const op = await operatorByEmail(crm, opts.operator, '--operator');
          const both = [
            ...(await crm.operators.substitutions({ absentId: op.id, ...(activeAt ? { activeAt } : {}) })),
            ...(await crm.operators.substitutions({ deputyId: op.id, ...(activeAt ? { activeAt } : {}) })),
          ];
          list = both.sort((a, b) => b.from.getTime() - a.from.getTime());
        } else list = await crm.operators.substitutions(activeAt ? { activeAt } : {});
        const emails = new Map<string, string>();
        for (const id of new Set(list.flatMap((s) => [s.absentId, s.deputyId]))) emails.set(id, (await crm.operators.get(id)).email);
        emit(g, { substitutions: list }, () =>
          list.length
            ? table(
                ['id', 'absent', 'deputy', 'from', 'until', 'ended'],
                list.map((s) => substitutionRow(s, emails)),
              )
            : '(no substitutions)',
        );
      }),
    );

  operators
    .command('end-substitution')
    .description('end a substitution now (or cancel one not started yet)')
    .argument('<id>', 'the substitution id (see rapport operators substitutions)')
    .action(async (id: string, _opts, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const s = await crm.operators.endSubstitution(id);
        emit(g, { substitution: s }, () => `substitution ${s.id} ended at ${day(s.endedAt ?? s.until)}`);
      }),
    );
}
