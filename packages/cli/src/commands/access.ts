import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Crm, Group, Permissions, Role, ShareLevel } from '@rapport/core';
import { RapportError } from '@rapport/core/store';
import { ACCESS_ACTIONS } from '../choices.js';
import { openCrm } from '../db.js';
import { emit, table, type GlobalOptions } from '../output.js';
import { operatorByEmail } from './hand-over.js';

/** Runs `fn` on the CRM of the global options (the trusted host) and closes it. */
async function withCrm(cmd: Command, fn: (crm: Crm, g: GlobalOptions) => Promise<void>) {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const { crm } = await openCrm(g.db);
  try {
    await fn(crm, g);
  } finally {
    await crm.close();
  }
}

/** `--permissions '{"tasks":{"read":"group"}}'`: a JSON object (core checks kinds, actions and scopes). */
const permissionsJson = (value: string): Permissions => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Permissions;
  } catch {
    throw new InvalidArgumentError('must be a JSON object such as {"tasks":{"read":"group","update":"own"}}');
  }
};

async function groupNamed(crm: Crm, name: string, option = '--group'): Promise<Group> {
  const group = (await crm.groups.list()).find((g) => g.name === name || g.id === name);
  if (!group) throw new RapportError('NOT_FOUND', `${option}: group ${JSON.stringify(name)} does not exist (see rapport groups list)`);
  return group;
}

/** One line per kind: `tasks: read group, update own`. */
const summary = (p: Permissions) =>
  Object.entries(p)
    .map(([kind, actions]) => {
      const scopes = ACCESS_ACTIONS.map((a) => actions[a] ?? 'none');
      // Every action with one scope reads as `tasks: all`.
      if (scopes.every((s) => s === scopes[0])) return scopes[0] === 'none' ? '' : `${kind}: ${scopes[0]}`;
      return `${kind}: ${ACCESS_ACTIONS.filter((a) => (actions[a] ?? 'none') !== 'none')
        .map((a) => `${a} ${actions[a]}`)
        .join(', ')}`;
    })
    .filter(Boolean)
    .join('; ');

export function registerRoles(program: Command) {
  const roles = program.command('roles').description('roles: permissions per record kind, action and scope');
  roles
    .command('list')
    .description('list the built-in and stored roles (with --operator: the roles one operator holds)')
    .option('--operator <email>', "only this operator's roles")
    .action(async (opts: { operator?: string }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        let list: Role[];
        if (opts.operator) list = await crm.roles.of((await operatorByEmail(crm, opts.operator, '--operator')).id);
        else list = await crm.roles.list();
        emit(g, { roles: list }, () =>
          list.length
            ? table(
                ['name', 'kind', 'permissions'],
                list.map((r) => [r.name, r.version === 0 ? 'built-in' : 'stored', summary(r.permissions)]),
              )
            : '(no roles granted: the operator acts with the default role, manager)',
        );
      }),
    );
  roles
    .command('create')
    .description('create a role')
    .requiredOption('--name <name>', 'role name')
    .requiredOption('--permissions <json>', 'e.g. {"tasks":{"read":"group","update":"own"},"partners":{"read":"all"}}', permissionsJson)
    .action(async (opts: { name: string; permissions: Permissions }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const role = await crm.roles.create({ name: opts.name, permissions: opts.permissions });
        emit(g, { role }, () => `role ${role.name} created (${role.id})`);
      }),
    );
  for (const [name, verb] of [
    ['grant', 'grant a role to an operator'],
    ['revoke', 'take a role from an operator'],
  ] as const) {
    roles
      .command(name)
      .description(verb)
      .requiredOption('--operator <email>', "the operator's e-mail address")
      .requiredOption('--role <role>', 'a role name or id (built-in: administrator, manager, salesperson, service, read-only)')
      .action(async (opts: { operator: string; role: string }, cmd: Command) =>
        withCrm(cmd, async (crm, g) => {
          const op = await operatorByEmail(crm, opts.operator, '--operator');
          const role = await crm.roles.get(opts.role);
          const changed = name === 'grant' ? (await crm.roles.grant(op.id, role.id), true) : await crm.roles.revoke(op.id, role.id);
          emit(g, { operator: op.email, role: role.name, [name === 'grant' ? 'granted' : 'revoked']: changed }, () =>
            name === 'grant'
              ? `${op.email} holds role ${role.name}`
              : changed
                ? `role ${role.name} taken from ${op.email}`
                : `${op.email} did not hold role ${role.name}`,
          );
        }),
      );
  }
}

export function registerGroups(program: Command) {
  const groups = program.command('groups').description('groups of operators (teams, departments)');
  groups
    .command('list')
    .description('list groups with their members')
    .action(async (_opts, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const emails = new Map<string, string>();
        const email = async (id: string) => {
          if (!emails.has(id)) emails.set(id, (await crm.operators.get(id)).email);
          return emails.get(id)!;
        };
        const list: Array<Group & { manager: string | null; members: string[] }> = [];
        for (const group of await crm.groups.list()) {
          const members = await Promise.all((await crm.groups.members(group.id)).map(email));
          list.push({ ...group, manager: group.managerId ? await email(group.managerId) : null, members: members.sort() });
        }
        emit(g, { groups: list }, () =>
          list.length
            ? table(
                ['name', 'manager', 'members', 'id'],
                list.map((x) => [x.name, x.manager ?? '', x.members.join(', '), x.id]),
              )
            : '(no groups: create one with rapport groups create --name NAME)',
        );
      }),
    );
  groups
    .command('create')
    .description('create a group')
    .requiredOption('--name <name>', 'group name')
    .option('--manager <email>', 'the operator who manages its members')
    .action(async (opts: { name: string; manager?: string }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const managerId = opts.manager ? (await operatorByEmail(crm, opts.manager, '--manager')).id : null;
        const group = await crm.groups.create({ name: opts.name, managerId });
        emit(g, { group }, () => `group ${group.name} created (${group.id})`);
      }),
    );
  for (const [name, verb] of [
    ['add', 'add an operator to a group'],
    ['remove', 'remove an operator from a group'],
  ] as const) {
    groups
      .command(name)
      .description(verb)
      .requiredOption('--group <name>', 'group name or id')
      .requiredOption('--operator <email>', "the operator's e-mail address")
      .action(async (opts: { group: string; operator: string }, cmd: Command) =>
        withCrm(cmd, async (crm, g) => {
          const group = await groupNamed(crm, opts.group);
          const op = await operatorByEmail(crm, opts.operator, '--operator');
          if (name === 'add') await crm.groups.addMember(group.id, op.id);
          else await crm.groups.removeMember(group.id, op.id);
          emit(g, { group: group.name, operator: op.email, member: name === 'add' }, () =>
            name === 'add' ? `${op.email} is in group ${group.name}` : `${op.email} is not in group ${group.name}`,
          );
        }),
      );
  }
}

interface ShareOptions {
  task?: string;
  partner?: string;
  opportunity?: string;
  with?: string;
  group?: string;
}

/** The record of `--task ID | --partner CODE | --opportunity ID` (exactly one). */
async function shareRecord(crm: Crm, opts: ShareOptions): Promise<{ kind: 'tasks' | 'partners' | 'opportunities'; id: string; label: string }> {
  const given = (['task', 'partner', 'opportunity'] as const).filter((k) => opts[k]);
  if (given.length !== 1) throw new RapportError('VALIDATION', 'name one record: --task ID, --partner CODE or --opportunity ID');
  if (opts.partner) {
    const partner = await crm.partners.findByCode(opts.partner);
    if (!partner) throw new RapportError('NOT_FOUND', `--partner: partner ${JSON.stringify(opts.partner)} does not exist`);
    return { kind: 'partners', id: partner.id, label: `partner ${partner.code}` };
  }
  if (opts.task) return { kind: 'tasks', id: (await crm.tasks.get(opts.task)).id, label: `task ${opts.task}` };
  return { kind: 'opportunities', id: (await crm.opportunities.get(opts.opportunity!)).id, label: `opportunity ${opts.opportunity}` };
}

async function shareTarget(crm: Crm, opts: ShareOptions): Promise<{ target: { operatorId: string } | { groupId: string }; label: string }> {
  if (Boolean(opts.with) === Boolean(opts.group)) throw new RapportError('VALIDATION', 'name who: --with EMAIL or --group NAME');
  if (opts.with) return { target: { operatorId: (await operatorByEmail(crm, opts.with, '--with')).id }, label: opts.with };
  const group = await groupNamed(crm, opts.group!);
  return { target: { groupId: group.id }, label: `group ${group.name}` };
}

const recordOptions = (cmd: Command) =>
  cmd.option('--task <id>', 'a task id').option('--partner <code>', "a partner's code").option('--opportunity <id>', 'an opportunity id');

export function registerShare(program: Command) {
  const share = program.command('share').description('share tasks, partners and opportunities with operators or groups');
  recordOptions(share.command('add').description('share a record for read or edit'))
    .option('--with <email>', 'an operator')
    .option('--group <name>', 'a group')
    .addOption(new Option('--level <level>', 'what they may do').choices(['read', 'edit']).default('read'))
    .action(async (opts: ShareOptions & { level: ShareLevel }, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const record = await shareRecord(crm, opts);
        const who = await shareTarget(crm, opts);
        const made = await crm.shares.share({ kind: record.kind, id: record.id }, who.target, opts.level);
        emit(g, { share: made }, () => `${record.label} shared with ${who.label} (${opts.level})`);
      }),
    );
  recordOptions(share.command('remove').description('take a share back'))
    .option('--with <email>', 'an operator')
    .option('--group <name>', 'a group')
    .action(async (opts: ShareOptions, cmd: Command) =>
      withCrm(cmd, async (crm, g) => {
        const record = await shareRecord(crm, opts);
        const who = await shareTarget(crm, opts);
        const removed = await crm.shares.unshare({ kind: record.kind, id: record.id }, who.target);
        emit(g, { removed }, () => (removed ? `${record.label} no longer shared with ${who.label}` : `${record.label} was not shared with ${who.label}`));
      }),
    );
  recordOptions(share.command('list').description("list a record's shares")).action(async (opts: ShareOptions, cmd: Command) =>
    withCrm(cmd, async (crm, g) => {
      const record = await shareRecord(crm, opts);
      const shares = await crm.shares.list({ kind: record.kind, id: record.id });
      const groups = new Map((await crm.groups.list()).map((x) => [x.id, x.name]));
      // `o:<id>` / `g:<id>` as people read them: an e-mail address or `group NAME`.
      const who = async (principal: string) =>
        principal.startsWith('g:') ? `group ${groups.get(principal.slice(2)) ?? principal.slice(2)}` : (await crm.operators.get(principal.slice(2))).email;
      const rows = await Promise.all(shares.map(async (x) => ({ ...x, with: await who(x.principal) })));
      emit(g, { shares: rows }, () =>
        rows.length
          ? table(
              ['with', 'level', 'id'],
              rows.map((x) => [x.with, x.level, x.id]),
            )
          : `(${record.label} is not shared)`,
      );
    }),
  );
}
