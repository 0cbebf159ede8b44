import type { Command } from 'commander';
import { RapportError } from '@rapport/core';
import { openCrm } from '../db.js';
import { emit, type GlobalOptions } from '../output.js';

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
