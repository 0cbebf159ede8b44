import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

const root = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

async function rapport(args: string[]) {
  try {
    const { stdout, stderr } = await exec('npx', ['tsx', 'packages/cli/src/main.ts', '--db', `sqlite:${db}`, ...args], { cwd: root, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let db: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-cli-rules-'));
  db = join(dir, 'crm.db');
  const store = sqliteStore({ filename: db });
  await store.migrate();
  const crm = createCrm({ store });
  await crm.operators.create({ name: 'Ewa Nowak', email: 'ewa@firma.pl' });
  await crm.registers.create({ code: 'REK', name: 'Complaints', numberPattern: 'REK/{seq:3}' });
  await crm.groups.create({ name: 'Quality' });
  await crm.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rapport rules, templates, reminders', () => {
  it('creates a template, previews it, and an e-mail rule on complaints done that uses it; lists and deletes the rule', { timeout: 300_000 }, async () => {
    const bad = await rapport(['templates', 'create', '--name', 'x', '--channel', 'email', '--kind', 'task', '--subject', 'x', '--body', '{{ task.subjekt }}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('VALIDATION: template.body uses an unknown variable task.subjekt');
    const created = await rapport([
      '--json',
      'templates',
      'create',
      '--name',
      'Complaint done',
      '--channel',
      'email',
      '--kind',
      'task',
      '--language',
      'pl',
      '--subject',
      'Zamknięto: {{ task.number }}',
      '--body',
      'Dzień dobry {{ recipient.name }}, reklamacja {{ task.subject }} jest zamknięta.',
    ]);
    expect(created.code).toBe(0);
    const template = JSON.parse(created.stdout).template;
    const preview = await rapport(['--json', 'templates', 'preview', template.id, '--data', '{"task":{"subject":"Pompa"}}']);
    expect(JSON.parse(preview.stdout)).toEqual({ subject: 'Zamknięto: [task.number]', body: 'Dzień dobry Jan Fiszka, reklamacja Pompa jest zamknięta.' });

    const rule = await rapport([
      '--json',
      'rules',
      'create',
      '--name',
      'Complaint done',
      '--on',
      'task.status_changed',
      '--register',
      'REK',
      '--where',
      'status=done',
      '--channel',
      'email',
      '--template',
      template.id,
      '--to',
      'group:Quality',
      'owner',
      'operator:ewa@firma.pl',
    ]);
    expect(rule.code, rule.stderr).toBe(0);
    expect(JSON.parse(rule.stdout).rule).toMatchObject({ kind: 'event', on: ['task.status_changed'], recordKind: 'task', channel: 'email' });
    const unknown = await rapport(['rules', 'create', '--name', 'y', '--on', 'task.statusChanged', '--channel', 'inapp', '--to', 'owner']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('rule.on names an unknown event');
    const list = JSON.parse((await rapport(['--json', 'rules', 'list'])).stdout).rules;
    expect(list.map((r: { name: string }) => r.name)).toEqual(['Complaint done']);
    expect((await rapport(['rules', 'delete', 'Complaint done'])).stdout).toContain('deleted');
  });

  it('sets an operator’s reminder defaults, language and time zone', { timeout: 120_000 }, async () => {
    const out = await rapport([
      '--json',
      'reminders',
      'settings',
      '--operator',
      'ewa@firma.pl',
      '--rule',
      'inapp:2h',
      '--rule',
      'email:1d',
      '--language',
      'pl',
      '--time-zone',
      'Europe/Warsaw',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      operator: 'ewa@firma.pl',
      language: 'pl',
      timeZone: 'Europe/Warsaw',
      defaults: [
        { channel: 'inapp', who: ['owner'], before: { hours: 2 }, anchor: 'due' },
        { channel: 'email', who: ['owner'], before: { days: 1 }, anchor: 'due' },
      ],
    });
  });
});
