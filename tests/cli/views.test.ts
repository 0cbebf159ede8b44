import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { runCli } from '../support/cli.js';

const rapport = (args: string[]) => runCli(['--db', `sqlite:${db}`, ...args]);

let dir: string;
let db: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-cli-views-'));
  db = join(dir, 'crm.db');
  const store = sqliteStore({ filename: db });
  await store.migrate();
  const crm = createCrm({ store });
  const ewa = await crm.operators.create({ name: 'Ewa Nowak', email: 'ewa@firma.pl' });
  await crm.operators.create({ name: 'Piotr Lis', email: 'piotr@firma.pl' });
  for (let i = 1; i <= 30; i++)
    await crm.as(ewa.id).tasks.create({ subject: `Telefon ${i}`, dueAt: new Date(Date.now() - i * 86_400_000), priority: i % 3 ? 'normal' : 'high' });
  await crm.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('rapport views', () => {
  it('lists the built-in views and runs one as an operator, as JSON', async () => {
    const list = await rapport(['--json', 'views', 'list']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).views.map((v: { name: string }) => v.name)).toContain('Stages due');
    const run = await rapport(['--json', 'views', 'run', 'My tasks', '--as', 'ewa@firma.pl', '--limit', '5']);
    const page = JSON.parse(run.stdout);
    expect(page.rows).toHaveLength(5);
    expect(page.rows[0].style).toEqual({ color: '#c00000', icon: 'alert' });
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('exports a whole view to XLSX and reports the rows; refuses PNG without a pivot', async () => {
    const file = join(dir, 'overdue.xlsx');
    const out = await rapport(['--json', 'views', 'export', 'Overdue', '--format', 'xlsx', '--out', file]);
    expect(JSON.parse(out.stdout)).toEqual({ format: 'xlsx', rows: 30, omitted: 0, file });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(file)) as never);
    expect(wb.worksheets[0]!.rowCount).toBe(31);
    const png = await rapport(['views', 'export', 'Overdue', '--format', 'png', '--out', join(dir, 'x.png')]);
    expect(png.code).toBe(1);
    expect(png.stderr).toMatch(/--format png charts a pivot: pass --pivot-rows FIELD/);
  });

  it('saves a view from a JSON file, shows it back as that JSON, replaces and deletes it: shares by e-mail, owners only delete', async () => {
    const file = join(dir, 'pilne.json');
    const view = {
      name: 'Pilne Ewy',
      spec: { kind: 'tasks', filter: { op: 'eq', field: 'priority', value: 'high' }, sort: [{ field: 'dueAt', direction: 'desc' }] },
      shares: [{ operator: 'piotr@firma.pl' }],
    };
    await writeFile(file, JSON.stringify(view));
    const saved = await rapport(['--json', 'views', 'save', file, '--as', 'ewa@firma.pl']);
    expect(saved.code).toBe(0);
    expect(JSON.parse(saved.stdout).view).toMatchObject({ name: 'Pilne Ewy', kind: 'tasks', version: 1, replaced: false });
    const again = await rapport(['views', 'save', file, '--as', 'ewa@firma.pl']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/CONFLICT: view.name "Pilne Ewy" is already used: pass --replace/);

    // Piotr uses it: shown with his e-mail in the shares, run with only high-priority rows.
    const shown = await rapport(['--json', 'views', 'show', 'Pilne Ewy', '--as', 'piotr@firma.pl']);
    const back = JSON.parse(shown.stdout).view;
    expect(back).toMatchObject({ name: 'Pilne Ewy', version: 1, shares: [{ operator: 'piotr@firma.pl', canEdit: false }] });
    const run = await rapport(['--json', 'views', 'run', 'Pilne Ewy', '--as', 'piotr@firma.pl']);
    const rows = JSON.parse(run.stdout).rows as Array<{ values: { priority?: string } }>;
    expect(rows).toHaveLength(10);

    // What show printed saves back (--replace changes it); a bad filter changes nothing.
    await writeFile(file, JSON.stringify({ ...back, spec: { ...back.spec, filter: { op: 'eq', field: 'priority', value: 'normal' } } }));
    const replaced = await rapport(['--json', 'views', 'save', file, '--as', 'ewa@firma.pl', '--replace']);
    expect(JSON.parse(replaced.stdout).view).toMatchObject({ version: 2, replaced: true });
    await writeFile(file, JSON.stringify({ name: 'Pilne Ewy', spec: { kind: 'tasks', filter: { op: 'eq', field: 'colour', value: 1 } } }));
    const bad = await rapport(['views', 'save', file, '--as', 'ewa@firma.pl', '--replace']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VALIDATION: .*colour/);
    const rerun = await rapport(['--json', 'views', 'run', 'Pilne Ewy', '--as', 'ewa@firma.pl']);
    expect(JSON.parse(rerun.stdout).rows).toHaveLength(20);

    const refused = await rapport(['views', 'delete', 'Pilne Ewy', '--as', 'piotr@firma.pl']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FORBIDDEN: only the owner/);
    expect((await rapport(['views', 'delete', 'Pilne Ewy', '--as', 'ewa@firma.pl'])).code).toBe(0);
    expect((await rapport(['views', 'list', '--as', 'ewa@firma.pl'])).stdout).not.toContain('Pilne Ewy');
  });
});
