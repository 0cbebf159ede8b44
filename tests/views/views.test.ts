import { describe, expect, it } from 'vitest';
import type { ViewFilter, ViewSpec } from '@rapport/core';
import { failure, office, stores } from './setup.js';

const open: ViewFilter = { op: 'in', field: 'status', values: ['open', 'in_progress'] };

describe.each(stores)('views on $name', (kind) => {
  it('runs a filter on a custom field, sorts, shows related columns and styles rows by the first matching rule', async () => {
    const { crm, tasks } = await office(kind);
    const spec: ViewSpec = {
      kind: 'tasks',
      filter: { op: 'and', filters: [open, { op: 'gte', field: 'customFields.value', value: 100 }] },
      sort: [{ field: 'dueAt', direction: 'desc' }],
      columns: [{ field: 'number' }, { field: 'subject' }, { field: 'partner.name', label: 'Partner' }, { field: 'register.color' }, { field: 'owner.name' }],
      formats: [
        { when: { op: 'lt', field: 'dueAt', value: { $: 'now' } }, style: { color: '#c00000', icon: 'alert' } },
        { when: { op: 'eq', field: 'priority', value: 'high' }, style: { bold: true } },
        { when: { op: 'within', field: 'dueAt', range: 'today' }, style: { background: '#fff3cd' } },
      ],
    };
    const result = await crm.views.run(spec);
    expect(result.rows.map((r) => r.id)).toEqual([tasks.today.id, tasks.overdue.id]);
    expect(result.columns.map((c) => [c.key, c.label, c.type])).toEqual([
      ['number', 'number', 'string'],
      ['subject', 'subject', 'string'],
      ['partner.name', 'Partner', 'string'],
      ['register.color', 'register.color', 'string'],
      ['owner.name', 'owner.name', 'string'],
    ]);
    expect(result.rows[0]!.values).toEqual({
      number: tasks.today.number,
      subject: 'Send the price list',
      'partner.name': 'Zefir Sp. z o.o.',
      'register.color': '#2e7d32',
      'owner.name': 'Ewa Nowak',
    });
    // The overdue high-priority task matches rules 0 and 1: the first wins.
    expect(result.rows.map((r) => [r.rule, r.style])).toEqual([
      [2, { background: '#fff3cd' }],
      [0, { color: '#c00000', icon: 'alert' }],
    ]);
    expect(result.groups).toBeNull();
  });

  it('groups the whole view with counts and sums computed by the store, and pages rows in group order', async () => {
    const { crm, tasks, sales, complaints } = await office(kind);
    const spec: ViewSpec = {
      kind: 'tasks',
      groupBy: ['registerId'],
      measures: { value: { fn: 'sum', field: 'customFields.value' as never } },
      columns: [{ field: 'subject' }],
    };
    // A sum over a JSON key is refused: measures need a number column.
    expect((await failure(() => crm.views.run(spec))).code).toBe('VALIDATION');
    const first = await crm.views.run({ kind: 'tasks', groupBy: ['registerId', 'priority'], columns: [{ field: 'subject' }] }, { limit: 2 });
    const byRegister = (id: string) => first.groups!.filter((g) => g.group.registerId === id).reduce((n, g) => n + g.values.count!, 0);
    expect(byRegister(sales.id)).toBe(3);
    expect(byRegister(complaints.id)).toBe(2);
    expect(first.groups!.map((g) => g.group)).toEqual(
      [...first.groups!.map((g) => g.group)].sort(
        (a, b) => String(a.registerId).localeCompare(String(b.registerId)) || String(a.priority).localeCompare(String(b.priority)),
      ),
    );
    const rest = await crm.views.run(
      { kind: 'tasks', groupBy: ['registerId', 'priority'], columns: [{ field: 'subject' }] },
      { limit: 10, cursor: first.nextCursor! },
    );
    const rows = [...first.rows, ...rest.rows];
    expect(rows.map((r) => r.id).sort()).toEqual(
      Object.values(tasks)
        .map((t) => t.id)
        .sort(),
    );
    // Rows of one group are contiguous: the register changes once.
    const registers = rows.map((r) => r.group!.registerId);
    expect(registers.filter((r, i) => i > 0 && r !== registers[i - 1])).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
  });

  it('sums a number column per group by month of the due date', async () => {
    const { crm, zefir, bryza } = await office(kind);
    await crm.opportunities.create({ partnerId: zefir.id, amount: 100_000, currency: 'PLN', expectedCloseAt: '2026-03-20' });
    await crm.opportunities.create({ partnerId: zefir.id, amount: 50_000, currency: 'PLN', expectedCloseAt: '2026-04-02' });
    await crm.opportunities.create({ partnerId: bryza.id, amount: 25_000, currency: 'PLN', expectedCloseAt: '2026-03-01' });
    const r = await crm.views.run({
      kind: 'opportunities',
      groupBy: [{ field: 'expectedCloseAt', granularity: 'month' }],
      measures: { total: { fn: 'sum', field: 'amount' }, mean: { fn: 'avg', field: 'amount' } },
    });
    expect(r.groups!.map((g) => [g.group.expectedCloseAt, g.values.count, g.values.total, g.values.mean])).toEqual([
      ['2026-03', 2, 125_000, 62_500],
      ['2026-04', 1, 50_000, 50_000],
    ]);
    expect(r.rows.map((row) => row.values['partner.name'])).toEqual(['Bryza SA', 'Zefir Sp. z o.o.', 'Zefir Sp. z o.o.']);
  });

  it('gives every operator the built-in views, with "me" and this week resolved when they run', async () => {
    const { base, crm, ewa, piotr, admin, tasks } = await office(kind);
    const asEwa = base.as(ewa.id);
    const ids = async (c: typeof crm, view: string) => (await c.views.run(view)).rows.map((r) => r.id);
    expect(await ids(asEwa, 'My tasks')).toEqual([tasks.overdue.id, tasks.today.id]);
    // Stores sort nulls last in ascending order (decision 0175): the undated task comes last.
    expect(await ids(crm, 'builtin:my-tasks')).toEqual([tasks.nextWeek.id, tasks.undated.id]);
    expect(await ids(crm, 'Overdue')).toEqual([tasks.overdue.id]);
    expect(await ids(crm, 'Due this week')).toEqual([tasks.overdue.id, tasks.today.id, tasks.friday.id]);
    expect(await ids(crm, 'Tasks from me')).toEqual([tasks.overdue.id, tasks.today.id, tasks.friday.id]);
    expect(await ids(crm, 'Responses to my tasks')).toEqual([]);
    await base.as(piotr.id).tasks.complete(tasks.friday.id);
    expect(await ids(crm, 'Responses to my tasks')).toEqual([tasks.friday.id]);
    const overdue = await crm.views.run('Overdue');
    expect(overdue.rows[0]!.style).toEqual({ color: '#c00000', icon: 'alert' });
    const stage = await crm.tasks.addStage(tasks.nextWeek.id, { subject: 'Prepare slides', ownerId: admin.id, plannedAt: '2026-03-05T08:00:00Z' });
    await crm.tasks.addStage(tasks.nextWeek.id, { subject: 'Hold the review', plannedAt: '2026-03-10T08:00:00Z' });
    const stages = await crm.views.run('Stages due');
    expect(stages.rows.map((r) => [r.id, r.values['task.subject'], r.values.subject])).toEqual([[stage.id, 'Quarterly review', 'Prepare slides']]);
    expect((await crm.views.list()).slice(0, 6).map((v) => v.name)).toEqual([
      'My tasks',
      'Tasks from me',
      'Responses to my tasks',
      'Overdue',
      'Due this week',
      'Stages due',
    ]);
  });

  it('reads "today" in the view\'s time zone', async () => {
    const { crm, tasks } = await office(kind);
    // 23:30 UTC on 3 March is already 4 March in Warsaw (UTC+1).
    const late = await crm.tasks.create({ subject: 'Late evening call', dueAt: '2026-03-03T23:30:00Z' });
    const today = (timeZone: string) =>
      crm.views.run({ kind: 'tasks', filter: { op: 'within', field: 'dueAt', range: 'today' }, timeZone }).then((r) => r.rows.map((x) => x.id));
    expect(await today('UTC')).toEqual([tasks.today.id]);
    expect(await today('Europe/Warsaw')).toEqual([late.id, tasks.today.id]);
  });

  it('refuses an invalid view when it is saved, naming the problem, and stores nothing', async () => {
    const { crm } = await office(kind);
    const bad: Array<[unknown, RegExp]> = [
      [{ kind: 'tasks', filter: { op: 'eq', field: 'colour', value: 'red' } }, /unknown field tasks\.colour/],
      [{ kind: 'tasks', filter: { op: 'contains', field: 'dueAt', value: '2026' } }, /contains needs a text field; tasks\.dueAt is date/],
      [{ kind: 'tasks', filter: { op: 'lt', field: 'private', value: true } }, /lt orders values; tasks\.private is boolean/],
      [{ kind: 'tasks', filter: { op: 'within', field: 'subject', range: 'today' } }, /within needs a date field/],
      [{ kind: 'tasks', filter: { op: 'eq', field: 'dueAt', value: 'next tuesday' } }, /must be a valid date/],
      [{ kind: 'tasks', filter: { op: 'eq', field: 'priority', value: { $: 'today' } } }, /relative date compares with a date field/],
      [{ kind: 'tasks', filter: { op: 'like', field: 'subject', value: 'x' } }, /must be one of eq, ne/],
      [{ kind: 'tasks', columns: [{ field: 'partner.colour' }] }, /unknown field partners\.colour/],
      [{ kind: 'tasks', formats: [{ when: open, style: { color: 'red' } }] }, /view\.formats\[0\]\.style\.color must be a colour/],
      [{ kind: 'tasks', formats: [{ when: open, style: { onclick: 'x' } }] }, /takes color, background, bold, italic and icon only/],
      [{ kind: 'tasks', groupBy: [{ field: 'subject', granularity: 'month' }] }, /a granularity needs a date field/],
      [{ kind: 'invoices' }, /view\.kind must be one of tasks, stages/],
      [{ kind: 'tasks', timeZone: 'Mars/Olympus' }, /view\.timeZone is not a time zone/],
    ];
    for (const [spec, message] of bad) {
      const f = await failure(() => crm.views.save({ name: 'Broken', spec: spec as ViewSpec }));
      expect(f.code, JSON.stringify(spec)).toBe('VALIDATION');
      expect(f.message).toMatch(message);
    }
    expect((await crm.views.list()).filter((v) => !('builtin' in v))).toEqual([]);
  });

  it('saves views by unique name and shares them for use or for editing', async () => {
    const { base, crm, admin, ewa, piotr } = await office(kind);
    const spec: ViewSpec = { kind: 'tasks', filter: { op: 'eq', field: 'customFields.region', value: 'x' } };
    const mine = await crm.views.save({ name: 'Region X', spec, shares: [{ operatorId: ewa.id, canEdit: false }] });
    expect(mine).toMatchObject({ name: 'Region X', kind: 'tasks', version: 1, shares: [{ operatorId: ewa.id, canEdit: false }] });
    expect(await failure(() => crm.views.save({ name: 'Region X', spec }))).toEqual({ code: 'CONFLICT', message: 'view.name "Region X" is already used' });
    expect((await failure(() => crm.views.save({ name: 'Overdue', spec }))).code).toBe('CONFLICT');

    const asEwa = base.as(ewa.id);
    const asPiotr = base.as(piotr.id);
    expect((await asEwa.views.run('Region X')).name).toBe('Region X');
    expect(await failure(() => asEwa.views.update(mine.id, { name: 'Mine now' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failure(() => asPiotr.views.run(mine.id))).toEqual({ code: 'NOT_FOUND', message: `view "${mine.id}" does not exist` });
    expect((await asPiotr.views.list()).map((v) => v.name)).not.toContain('Region X');

    const shared = await crm.views.update(mine.id, { shares: [{ group: 'sales', canEdit: true }] }, 1);
    expect(shared.version).toBe(2);
    const renamed = await asPiotr.views.update('Region X', { name: 'Sales: region X' });
    expect(renamed).toMatchObject({ name: 'Sales: region X', ownerId: admin.id, version: 3 });
    expect(await failure(() => asPiotr.views.update(mine.id, { shares: [] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failure(() => asPiotr.views.remove(mine.id))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failure(() => crm.views.update(mine.id, { name: 'stale' }, 1))).toMatchObject({ code: 'CONFLICT' });
    await crm.views.remove(mine.id);
    expect((await failure(() => asEwa.views.get(mine.id))).code).toBe('NOT_FOUND');
  });

  it('never shows or counts a private task to anyone but its owner', async () => {
    const { base, crm, ewa, piotr } = await office(kind);
    await base.as(ewa.id).tasks.create({ subject: 'Private: salary talk', private: true, ownerId: ewa.id, dueAt: '2026-03-05T10:00:00Z' });
    const spec: ViewSpec = { kind: 'tasks', filter: { op: 'contains', field: 'subject', value: 'salary', ignoreCase: true }, groupBy: ['ownerId'] };
    const asPiotr = await base.as(piotr.id).views.run(spec);
    expect(asPiotr.rows).toEqual([]);
    expect(asPiotr.groups).toEqual([]);
    expect((await base.as(ewa.id).views.run(spec)).groups!.map((g) => g.values.count)).toEqual([1]);
    expect((await crm.views.pivot(spec, { rows: 'ownerId' })).cells).toEqual([]);
    const asHost = await base.views.pivot(spec, { rows: 'ownerId' });
    expect(asHost.cells).toEqual([[1]]);
    expect(asHost.rowLabels).toEqual(['Ewa Nowak']);
  });

  it('pivots a view: rows × columns × count or sum, computed by the store', async () => {
    const { crm, sales, complaints } = await office(kind);
    const p = await crm.views.pivot({ kind: 'tasks' }, { rows: 'registerId', columns: 'priority' });
    expect(p.rowKeys).toEqual([sales.id, complaints.id].sort());
    expect(p.columnKeys).toEqual(['high', 'normal', 'urgent']);
    const row = (id: string) => p.cells[p.rowKeys.indexOf(id)];
    expect(row(sales.id)).toEqual([1, 2, null]);
    expect(row(complaints.id)).toEqual([null, 1, 1]);
    // Ids on an axis come with the related record's name; other keys are what they show.
    expect(p.rowLabels).toEqual(p.rowKeys.map((id) => (id === sales.id ? 'Sales tasks' : 'Complaints')));
    expect(p.columnLabels).toBeNull();
    const months = await crm.views.pivot({ kind: 'tasks', filter: { op: 'isNull', field: 'doneAt' } }, { rows: { field: 'dueAt', granularity: 'day' } });
    expect(months.rowKeys).toEqual(['2026-03-02', '2026-03-04', '2026-03-06', '2026-03-10', null]);
    expect((await failure(() => crm.views.pivot({ kind: 'tasks' }, { rows: 'status', measure: { fn: 'sum', field: 'subject' } }))).message).toMatch(
      /sum needs a number field/,
    );
  });

  it('reads every row of a large view page by page through the reader', async () => {
    const { crm } = await office(kind);
    const reader = await crm.views.reader({ kind: 'tasks', sort: [{ field: 'number' }], columns: [{ field: 'number' }] });
    const pages: number[] = [];
    for await (const page of reader.pages(2)) pages.push(page.length);
    expect(pages).toEqual([2, 2, 1]);
    expect(reader.columns).toEqual([{ key: 'number', label: 'number', type: 'string' }]);
  });
});
