import { describe, expect, it } from 'vitest';
import { rejects, setup } from './setup.js';

async function world() {
  const s = await setup();
  const { crm } = s;
  const ewa = await crm.operators.create({ name: 'Ewa Nowak', email: 'ewa@firma.pl', groups: ['sales'] });
  const piotr = await crm.operators.create({ name: 'Piotr Lis', email: 'piotr@firma.pl', groups: ['service'] });
  const sales = await crm.registers.create({ code: 'SALES', name: 'Sales tasks', color: '#ff8800', numberPattern: '{seq:3}/S' });
  const compl = await crm.registers.create({ code: 'COMPL', name: 'Complaints', color: '#cc0000', numberPattern: '{seq:3}/C' });
  const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.' });
  return { ...s, ewa, piotr, sales, compl, zefir };
}

describe('calendar range', () => {
  it('places tasks by planned start and due date in their register colour, with the fields asked for', async () => {
    const { crm, ewa, sales, zefir } = await world();
    const t = await crm.tasks.create({
      subject: 'Prezentacja',
      registerId: sales.id,
      ownerId: ewa.id,
      partnerId: zefir.id,
      plannedAt: '2026-03-10T09:00:00Z',
      dueAt: '2026-03-12T17:00:00Z',
    });
    const r = await crm.calendar.range({
      operators: [ewa.id],
      from: '2026-03-09T00:00:00Z',
      to: '2026-03-16T00:00:00Z',
      fields: ['subject', 'partner', 'owner'],
    });
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({
      kind: 'task',
      uid: `task-${t.id}`,
      color: '#ff8800',
      registerName: 'Sales tasks',
      start: new Date('2026-03-10T09:00:00Z'),
      end: new Date('2026-03-12T17:00:00Z'),
      title: 'Prezentacja · Zefir sp. z o.o. · Ewa Nowak',
      fields: { subject: 'Prezentacja', partner: 'Zefir sp. z o.o.', owner: 'Ewa Nowak' },
    });
    expect(r.truncated).toBe(false);
  });

  it('keeps tasks that only overlap the range and leaves out those wholly outside or undated', async () => {
    const { crm, ewa } = await world();
    const mk = (subject: string, plannedAt: string | null, dueAt: string | null) => crm.tasks.create({ subject, ownerId: ewa.id, plannedAt, dueAt });
    await mk('spans the start', '2026-03-01T10:00:00Z', '2026-03-10T10:00:00Z');
    await mk('due only, inside', null, '2026-03-11T10:00:00Z');
    await mk('planned only, inside', '2026-03-12T10:00:00Z', null);
    await mk('before', '2026-02-01T10:00:00Z', '2026-02-02T10:00:00Z');
    await mk('after', '2026-03-20T10:00:00Z', '2026-03-21T10:00:00Z');
    await mk('due exactly at the end', null, '2026-03-16T00:00:00Z');
    await mk('undated', null, null);
    const r = await crm.calendar.range({ from: '2026-03-09T00:00:00Z', to: '2026-03-16T00:00:00Z', fields: ['subject'] });
    expect(r.items.map((i) => i.title).sort()).toEqual(['due only, inside', 'planned only, inside', 'spans the start']);
  });

  it('shows stages by their own owner and planned date, coloured by the task register', async () => {
    const { crm, ewa, piotr, compl } = await world();
    const t = await crm.tasks.create({
      subject: 'Reklamacja',
      registerId: compl.id,
      ownerId: ewa.id,
      stages: [
        { subject: 'Oględziny', ownerId: piotr.id, plannedAt: '2026-03-10T08:00:00Z' },
        { subject: 'Decyzja', plannedAt: '2026-04-10T08:00:00Z' },
      ],
    });
    const r = await crm.calendar.range({ operators: [piotr.id], from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', fields: ['number', 'subject'] });
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({ kind: 'stage', taskId: t.id, color: '#cc0000', ownerId: piotr.id, title: `1. ${t.number} · Oględziny` });
  });

  it('takes operators by group and narrows by register and status', async () => {
    const { crm, ewa, piotr, sales, compl } = await world();
    const at = { plannedAt: '2026-03-10T08:00:00Z', dueAt: '2026-03-10T09:00:00Z' };
    await crm.tasks.create({ subject: 'ewa sales', ownerId: ewa.id, registerId: sales.id, ...at });
    const done = await crm.tasks.create({ subject: 'ewa complaint', ownerId: ewa.id, registerId: compl.id, ...at });
    await crm.tasks.complete(done.id);
    await crm.tasks.create({ subject: 'piotr sales', ownerId: piotr.id, registerId: sales.id, ...at });
    const range = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', fields: ['subject' as const] };
    const titles = async (q: object) => (await crm.calendar.range({ ...range, ...q })).items.map((i) => i.title).sort();
    expect(await titles({ groups: ['sales'] })).toEqual(['ewa complaint', 'ewa sales']);
    expect(await titles({ groups: ['sales', 'service'], registers: [sales.id] })).toEqual(['ewa sales', 'piotr sales']);
    expect(await titles({ operators: [piotr.id], groups: ['sales'], status: ['open'] })).toEqual(['ewa sales', 'piotr sales']);
  });

  it('marks open tasks past their due date as overdue, closed ones not', async () => {
    const { crm, ewa } = await world();
    const late = await crm.tasks.create({ subject: 'late', ownerId: ewa.id, dueAt: '2026-03-01T08:00:00Z' });
    const closed = await crm.tasks.create({ subject: 'closed', ownerId: ewa.id, dueAt: '2026-03-01T09:00:00Z' });
    await crm.tasks.complete(closed.id);
    const r = await crm.calendar.range({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' });
    expect(Object.fromEntries(r.items.map((i) => [i.id, i.overdue]))).toEqual({ [late.id]: true, [closed.id]: false });
  });

  it('shows only the tasks of a view, and its stages, when one is named', async () => {
    const { crm, ewa } = await world();
    await crm.tasks.create({ subject: 'late', ownerId: ewa.id, dueAt: '2026-03-01T08:00:00Z' });
    await crm.tasks.create({ subject: 'on time', ownerId: ewa.id, dueAt: '2026-03-05T08:00:00Z' });
    const r = await crm.calendar.range({ taskView: 'builtin:overdue', from: '2026-02-25T00:00:00Z', to: '2026-03-10T00:00:00Z', fields: ['subject'] });
    expect(r.items.map((i) => i.title)).toEqual(['late']);
    await rejects(crm.calendar.range({ taskView: 'no such view', from: '2026-03-01', to: '2026-03-02' }), 'NOT_FOUND', 'no such view');
  });

  it('says when the limit cut the range short', async () => {
    const { crm, ewa } = await world();
    for (let i = 0; i < 3; i++) await crm.tasks.create({ subject: `t${i}`, ownerId: ewa.id, dueAt: `2026-03-1${i}T08:00:00Z` });
    const r = await crm.calendar.range({ from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', limit: 2 });
    expect(r.items).toHaveLength(2);
    expect(r.truncated).toBe(true);
  });

  it('refuses a reversed or too long range, an unknown field and an unknown time zone, naming them', async () => {
    const { crm } = await world();
    await rejects(crm.calendar.range({ from: '2026-03-02', to: '2026-03-01' }), 'VALIDATION', 'calendar.to');
    await rejects(crm.calendar.range({ from: '2026-01-01', to: '2028-01-01' }), 'VALIDATION', 'calendar.to', '400 days');
    await rejects(crm.calendar.range({ from: '2026-03-01', to: '2026-03-02', fields: ['salary' as never] }), 'VALIDATION', 'calendar.fields[0]', 'salary');
    await rejects(crm.calendar.range({ from: '2026-03-01', to: '2026-03-02', timeZone: 'Mars/Olympus' }), 'VALIDATION', 'calendar.timeZone', 'Mars/Olympus');
  });
});

describe('calendar grids', () => {
  it('cuts days at local midnight: a task at 23:30 UTC falls on the next day in Warsaw', async () => {
    const { crm, ewa } = await world();
    await crm.tasks.create({ subject: 'late call', ownerId: ewa.id, plannedAt: '2026-03-10T23:30:00Z', dueAt: '2026-03-10T23:45:00Z' });
    const utc = await crm.calendar.grid({ view: 'day', date: '2026-03-10', fields: ['subject'] });
    const warsaw = await crm.calendar.grid({ view: 'day', date: '2026-03-11', timeZone: 'Europe/Warsaw', fields: ['subject'] });
    expect(utc.days[0]!.items.map((i) => i.title)).toEqual(['late call']);
    expect(warsaw.days[0]!.start).toEqual(new Date('2026-03-10T23:00:00Z'));
    expect(warsaw.days[0]!.items.map((i) => i.title)).toEqual(['late call']);
  });

  it('builds a Monday-first week and repeats a multi-day task on each day it spans', async () => {
    const { crm, ewa } = await world();
    await crm.tasks.create({ subject: 'trade fair', ownerId: ewa.id, plannedAt: '2026-03-11T08:00:00Z', dueAt: '2026-03-13T16:00:00Z' });
    const g = await crm.calendar.grid({ view: 'week', date: '2026-03-12', fields: ['subject'] });
    expect(g.days.map((d) => d.date)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15']);
    expect(g.days.map((d) => d.items.length)).toEqual([0, 0, 1, 1, 1, 0, 0]);
    expect(g.weeks).toHaveLength(1);
  });

  it('builds a month grid of whole weeks, marking days of other months, with a 23-hour day at the DST change', async () => {
    const { crm } = await world();
    const g = await crm.calendar.grid({ view: 'month', date: '2026-03-15', timeZone: 'Europe/Warsaw', weekStartsOn: 1 });
    expect(g.days[0]!.date).toBe('2026-02-23');
    expect(g.days.at(-1)!.date).toBe('2026-04-05');
    expect(g.weeks).toHaveLength(6);
    expect(g.days.filter((d) => d.inPeriod)).toHaveLength(31);
    const dst = g.days.find((d) => d.date === '2026-03-29')!;
    expect(dst.end.getTime() - dst.start.getTime()).toBe(23 * 3_600_000);
    expect(g.days.find((d) => d.today)?.date).toBe('2026-03-02');
  });
});
