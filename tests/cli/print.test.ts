import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { runCli } from '../support/cli.js';

const rapport = (args: string[]) => runCli(['--db', `sqlite:${db}`, ...args]);

let dir: string;
let db: string;
let taskId: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-cli-print-'));
  db = join(dir, 'crm.db');
  const store = sqliteStore({ filename: db });
  await store.migrate();
  const crm = createCrm({ store });
  taskId = (await crm.tasks.create({ subject: 'Oddzwonić do Zefira' })).id;
  await crm.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.' });
  await crm.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rapport print', () => {
  it('stores a print template and prints a task with it as the default; refuses a bad one at save', async () => {
    const bad = await rapport(['templates', 'create', '--channel', 'print', '--kind', 'task', '--name', 'Bad', '--body', '{{ task.subject | shell }}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/shell/);
    const made = await rapport([
      '--json',
      'templates',
      'create',
      '--channel',
      'print',
      '--kind',
      'task',
      '--name',
      'Karta',
      '--default',
      '--body',
      '# Karta {{ task.number }}: {{ task.subject }}',
    ]);
    expect(made.code).toBe(0);
    const file = join(dir, 'card.pdf');
    const out = await rapport(['--json', 'print', 'task', taskId, '--out', file]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).template.name).toBe('Karta');
    const pdf = await readFile(file);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    if (existsSync('/usr/bin/pdftotext')) expect(execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString()).toContain('Oddzwonić do Zefira');
    const missing = await rapport(['print', 'task', taskId, '--template', 'Nope', '--out', join(dir, 'nope.pdf')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/print template "Nope" for task does not exist/);
    expect(existsSync(join(dir, 'nope.pdf'))).toBe(false);
  });

  it('finds the record as people name it: a task by its number, a partner by its code', async () => {
    const card = join(dir, 'by-number.pdf');
    const byNumber = await rapport(['--json', 'print', 'task', '0001/2026/CRM', '--out', card]);
    expect(byNumber.code).toBe(0);
    if (existsSync('/usr/bin/pdftotext')) expect(execFileSync('pdftotext', [card, '-']).toString()).toContain('Oddzwonić do Zefira');
    const statement = join(dir, 'zefir.pdf');
    expect((await rapport(['print', 'partner', 'ZEFIR', '--out', statement])).code).toBe(0);
    if (existsSync('/usr/bin/pdftotext')) expect(execFileSync('pdftotext', [statement, '-']).toString()).toContain('Zefir sp. z o.o.');
    const unknown = await rapport(['print', 'partner', 'NOPE', '--out', join(dir, 'nope.pdf')]);
    expect(unknown.stderr).toMatch(/NOT_FOUND: partner "NOPE" does not exist/);
  });
});
