import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
});
