import type { Command } from 'commander';
import type { ApiToken, Crm, Operator } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { openCrm } from '../db.js';
import { day, emit, table, type GlobalOptions } from '../output.js';

/** Every operator, page by page. */
async function allOperators(crm: Crm): Promise<Operator[]> {
  const all: Operator[] = [];
  let cursor: string | undefined;
  do {
    const page = await crm.operators.list({ limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export function registerOperators(program: Command) {
  const operators = program.command('operators').description('users of the CRM');
  operators
    .command('add')
    .description('add an operator')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--email <address>', 'e-mail address (their login)')
    .option('--group <group...>', 'groups')
    .action(async (opts: { name: string; email: string; group?: string[] }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const op = await crm.operators.create({ name: opts.name, email: opts.email, groups: opts.group ?? [] });
        emit(g, { operator: op }, () => `operator ${op.email} added (${op.id})`);
      } finally {
        await crm.close();
      }
    });

  operators
    .command('list')
    .description('list operators')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const list = await allOperators(crm);
        emit(g, { operators: list }, () =>
          list.length
            ? table(
                ['email', 'name', 'groups', 'active', 'id'],
                list.map((o) => [o.email, o.name, o.groups.join(', '), o.active ? 'yes' : 'no', o.id]),
              )
            : '(no operators: add one with rapport operators add)',
        );
      } finally {
        await crm.close();
      }
    });
}

export function registerTokens(program: Command) {
  const tokens = program.command('tokens').description('API tokens of operators');
  tokens
    .command('create')
    .description('create an API token for an operator (printed once, stored hashed)')
    .requiredOption('--operator <email>', "the operator's e-mail address")
    .option('--label <label>', 'what the token is for')
    .action(async (opts: { operator: string; label?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const op = await crm.operators.findByEmail(opts.operator);
        if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(opts.operator)} does not exist (add it with: rapport operators add)`);
        const { token, record } = await crm.operators.createToken(op.id, opts.label ? { label: opts.label } : {});
        emit(g, { token, tokenId: record.id, operator: op.email }, () => `${token}\n(token ${record.id} for ${op.email}; it is shown only once)`);
      } finally {
        await crm.close();
      }
    });
  tokens
    .command('list')
    .description('list API tokens (never the token itself: it is stored hashed)')
    .option('--operator <email>', "only this operator's tokens")
    .action(async (opts: { operator?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        let owners: Operator[];
        if (opts.operator) {
          const op = await crm.operators.findByEmail(opts.operator);
          if (!op) throw new RapportError('NOT_FOUND', `operator ${JSON.stringify(opts.operator)} does not exist`);
          owners = [op];
        } else owners = await allOperators(crm);
        const rows: Array<{ id: string; operator: string; label: string | null; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }> = [];
        for (const op of owners) {
          const tokens: ApiToken[] = [];
          let cursor: string | undefined;
          do {
            const page = await crm.operators.tokens(op.id, cursor ? { cursor } : {});
            tokens.push(...page.items);
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          rows.push(
            ...tokens.map((t: ApiToken) => ({
              id: t.id,
              operator: op.email,
              label: t.label,
              createdAt: t.createdAt,
              lastUsedAt: t.lastUsedAt,
              revokedAt: t.revokedAt,
            })),
          );
        }
        emit(g, { tokens: rows }, () =>
          rows.length
            ? table(
                ['id', 'operator', 'label', 'created', 'last used', 'revoked'],
                rows.map((t) => [t.id, t.operator, t.label ?? '', day(t.createdAt), day(t.lastUsedAt), t.revokedAt ? day(t.revokedAt) : '']),
              )
            : '(no tokens)',
        );
      } finally {
        await crm.close();
      }
    });
  tokens
    .command('revoke')
    .description('revoke an API token by its id')
    .argument('<tokenId>')
    .action(async (tokenId: string, _opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { crm } = await openCrm(g.db);
      try {
        const record = await crm.operators.revokeToken(tokenId);
        emit(g, { tokenId: record.id, revokedAt: record.revokedAt }, () => `token ${record.id} revoked`);
      } finally {
        await crm.close();
      }
    });
}
