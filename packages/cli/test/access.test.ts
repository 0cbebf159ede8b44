import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exec = promisify(execFile);

/** Runs the real `rapport` command in a child process; never throws, returns code and output. */
async function rapport(args: string[], db: string) {
  try {
    const { stdout, stderr } = await exec(join(root, 'node_modules/.bin/tsx'), [join(root, 'packages/cli/src/main.ts'), ...args, '--db', db], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

let taskId = '';

// Each command is a child process (2-5 s apiece on a busy machine): the tests get minutes, not seconds.
describe('rapport operators hand-over and substitute, roles, groups, share', { timeout: 240_000 }, () => {
  let dir: string;
  let file: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-cli-access-'));
    file = join(dir, 'crm.db');
    db = `sqlite:${file}`;
    const store = sqliteStore({ filename: file });
    await store.migrate();
    const crm = createCrm({ store });
    const anna = await crm.operators.create({ name: 'Anna', email: 'anna@firma.pl' });
    await crm.operators.create({ name: 'Bartek', email: 'bartek@firma.pl' });
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir', ownerId: anna.id });
    taskId = (await crm.tasks.create({ subject: 'open', partnerId: zefir.id, ownerId: anna.id })).id;
    await crm.tasks.complete((await crm.tasks.create({ subject: 'done', ownerId: anna.id })).id);
    await crm.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hand-over --open-only --json moves open work and prints the counts per kind', async () => {
    const run = await rapport(
      ['operators', 'hand-over', '--from', 'anna@firma.pl', '--to', 'bartek@firma.pl', '--kinds', 'tasks,partners', '--open-only', '--json'],
      db,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ from: 'anna@firma.pl', to: 'bartek@firma.pl', counts: { tasks: 1, partners: 1, stages: 0 }, total: 2 });
    const again = await rapport(['operators', 'hand-over', '--from', 'anna@firma.pl', '--to', 'bartek@firma.pl', '--kinds', 'tasks', '--json'], db);
    expect(JSON.parse(again.stdout).counts.tasks).toBe(1); // the closed one, now that openOnly is off
  });

  it('hand-over fails with one line naming the bad option', async () => {
    const unknown = await rapport(['operators', 'hand-over', '--from', 'anna@firma.pl', '--to', 'nobody@firma.pl', '--json'], db);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'NOT_FOUND' });
    expect(unknown.stderr.trim()).toBe('rapport: NOT_FOUND: --to: operator "nobody@firma.pl" does not exist (see rapport operators list)');
    const kind = await rapport(['operators', 'hand-over', '--from', 'anna@firma.pl', '--to', 'bartek@firma.pl', '--kinds', 'invoices'], db);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('"invoices" is not one of tasks, stages');
  });

  it('substitute, substitutions --active and end-substitution', async () => {
    const made = await rapport(['operators', 'substitute', '--absent', 'anna@firma.pl', '--deputy', 'bartek@firma.pl', '--until', '2099-01-01', '--json'], db);
    expect(made.code, made.stderr).toBe(0);
    const { substitution } = JSON.parse(made.stdout);
    expect(substitution).toMatchObject({ until: '2099-01-01T00:00:00.000Z', endedAt: null });
    const listed = JSON.parse((await rapport(['operators', 'substitutions', '--active', '--operator', 'bartek@firma.pl', '--json'], db)).stdout);
    expect(listed.substitutions.map((s: { id: string }) => s.id)).toEqual([substitution.id]);
    expect((await rapport(['operators', 'end-substitution', substitution.id], db)).code).toBe(0);
    const after = JSON.parse((await rapport(['operators', 'substitutions', '--active', '--json'], db)).stdout);
    expect(after.substitutions).toEqual([]);
    const bad = await rapport(['operators', 'substitute', '--absent', 'anna@firma.pl', '--deputy', 'bartek@firma.pl', '--until', 'soon'], db);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--until');
  });

  it('roles create, grant, list --operator and revoke; a bad scope is refused naming it', async () => {
    const made = await rapport(['roles', 'create', '--name', 'desk', '--permissions', '{"tasks":{"read":"group"}}', '--json'], db);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).role).toMatchObject({ name: 'desk', permissions: { tasks: { read: 'group' } } });
    expect((await rapport(['roles', 'grant', '--operator', 'anna@firma.pl', '--role', 'desk'], db)).code).toBe(0);
    expect((await rapport(['roles', 'grant', '--operator', 'anna@firma.pl', '--role', 'salesperson'], db)).code).toBe(0);
    const held = JSON.parse((await rapport(['roles', 'list', '--operator', 'anna@firma.pl', '--json'], db)).stdout);
    expect(held.roles.map((r: { name: string }) => r.name).sort()).toEqual(['desk', 'salesperson']);
    const revoked = JSON.parse((await rapport(['roles', 'revoke', '--operator', 'anna@firma.pl', '--role', 'desk', '--json'], db)).stdout);
    expect(revoked).toEqual({ operator: 'anna@firma.pl', role: 'desk', revoked: true });
    const bad = await rapport(['roles', 'create', '--name', 'bad', '--permissions', '{"tasks":{"read":"most"}}'], db);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('rapport: VALIDATION: role.permissions.tasks.read must be one of none, own, group, all (got "most")');
  });

  it('groups create, add, list and remove', async () => {
    expect((await rapport(['groups', 'create', '--name', 'Sprzedaż', '--manager', 'bartek@firma.pl'], db)).code).toBe(0);
    expect((await rapport(['groups', 'add', '--group', 'Sprzedaż', '--operator', 'anna@firma.pl'], db)).code).toBe(0);
    const listed = JSON.parse((await rapport(['groups', 'list', '--json'], db)).stdout);
    expect(listed.groups).toEqual([expect.objectContaining({ name: 'Sprzedaż', manager: 'bartek@firma.pl', members: ['anna@firma.pl'] })]);
    expect((await rapport(['groups', 'remove', '--group', 'Sprzedaż', '--operator', 'anna@firma.pl'], db)).code).toBe(0);
    const missing = await rapport(['groups', 'add', '--group', 'Nope', '--operator', 'anna@firma.pl'], db);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--group: group "Nope" does not exist');
  });

  it('share add, list and remove a task and a partner', async () => {
    expect((await rapport(['share', 'add', '--task', taskId, '--with', 'anna@firma.pl', '--level', 'edit'], db)).code).toBe(0);
    expect((await rapport(['share', 'add', '--partner', 'ZEFIR', '--group', 'Sprzedaż'], db)).code).toBe(0);
    const onTask = JSON.parse((await rapport(['share', 'list', '--task', taskId, '--json'], db)).stdout);
    expect(onTask.shares).toEqual([expect.objectContaining({ with: 'anna@firma.pl', level: 'edit' })]);
    const onPartner = JSON.parse((await rapport(['share', 'list', '--partner', 'ZEFIR', '--json'], db)).stdout);
    expect(onPartner.shares).toEqual([expect.objectContaining({ with: 'group Sprzedaż', level: 'read' })]);
    expect(JSON.parse((await rapport(['share', 'remove', '--task', taskId, '--with', 'anna@firma.pl', '--json'], db)).stdout)).toEqual({ removed: true });
    const neither = await rapport(['share', 'add', '--with', 'anna@firma.pl'], db);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('name one record');
  });
});
