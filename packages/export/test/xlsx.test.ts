import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, type Task } from '@rapport/core';
import { writeXlsx } from '../src/index.js';

const ROWS = 6_000;
const T0 = Date.UTC(2026, 0, 1);

/** A CRM holding `ROWS` tasks whose subjects are random hex, so the zipped sheet stays large. */
async function crmWithTasks() {
  const store = memoryStore();
  const tasks: Task[] = Array.from({ length: ROWS }, (_, i) => ({
    id: `t${String(i).padStart(6, '0')}`,
    version: 1,
    number: `${i + 1}/2026/CRM`,
    registerId: 'r1',
    subject: randomBytes(60).toString('hex'),
    description: null,
    partnerId: null,
    personId: null,
    ownerId: null,
    createdBy: null,
    plannedAt: null,
    dueAt: new Date(T0 + i * 60_000),
    doneAt: null,
    status: 'open',
    priority: i % 2 ? 'high' : 'normal',
    parentId: null,
    private: false,
    customFields: {},
    createdAt: new Date(T0 + i),
    updatedAt: new Date(T0 + i),
  }));
  await store.createMany('tasks', tasks);
  return createCrm({ store });
}

/** An output that takes nothing until `open()` is called, then everything. */
function gatedOutput() {
  const chunks: Buffer[] = [];
  let release: (() => void) | null = null;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      void gate.then(() => done());
    },
  });
  return { out, open: () => release!(), bytes: () => Buffer.concat(chunks) };
}

/** Resolves once `value()` has not changed for 50 turns of the event loop. */
async function settled(value: () => number): Promise<number> {
  for (let last = -1, same = 0; same < 50;) {
    await new Promise((resolve) => setImmediate(resolve));
    same = value() === last ? same + 1 : 0;
    last = value();
  }
  return value();
}

describe('writeXlsx', () => {
  it('reads the view only as fast as the output takes the file, then writes every row', async () => {
    const crm = await crmWithTasks();
    const reader = await crm.views.reader({
      kind: 'tasks',
      sort: [{ field: 'createdAt' }],
      groupBy: ['priority'],
      columns: [{ field: 'number' }, { field: 'subject' }, { field: 'dueAt' }],
      formats: [{ when: { op: 'eq', field: 'priority', value: 'high' }, style: { color: '#c00000', bold: true } }],
    });
    let read = 0;
    const { out, open, bytes } = gatedOutput();
    const done = writeXlsx(reader, out, { pageSize: 100, onProgress: (rows) => (read = rows) });
    // While the output takes nothing, the export stops reading after what the buffers hold.
    expect(await settled(() => read)).toBeLessThan(ROWS / 2);
    open();
    expect(await done).toEqual({ format: 'xlsx', rows: ROWS, omitted: 0 });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes() as never);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(1 + 2 + ROWS); // the header, a row per group, the tasks
    const second = ws.getRow(2);
    expect(second.getCell(1).value).toBe('priority: high (count 3000)');
    expect(second.font).toMatchObject({ bold: true });
    expect(ws.getRow(3).outlineLevel).toBe(1);
    expect(ws.getRow(3).getCell(2).font).toMatchObject({ color: { argb: 'FFC00000' }, bold: true });
    expect(ws.getRow(3).getCell(3).value).toBeInstanceOf(Date);
    await crm.close();
  });

  it('rejects with the error of an output that fails, rather than waiting for it forever', async () => {
    const crm = await crmWithTasks();
    const reader = await crm.views.reader({ kind: 'tasks', columns: [{ field: 'number' }, { field: 'subject' }] });
    let writes = 0;
    // It takes the zip's first chunks, then fails while rows are still being written.
    const out = new Writable({
      write: (_chunk, _enc, done) => setTimeout(() => done(++writes > 3 ? new Error('no space left on device') : null), 5),
    });
    await expect(writeXlsx(reader, out)).rejects.toThrow('no space left on device');
    await crm.close();
  });
});
