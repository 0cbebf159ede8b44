import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { newId, type Store, type Task } from '@rapport/core';
import { testStore } from '../support/stores.js';
import { rejects, setup } from './setup.js';

async function text(chunks: AsyncIterable<string>) {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}

/** Parses with ical.js and registers the feed's own VTIMEZONEs, so times resolve through them. */
function parse(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
  return cal;
}

async function world() {
  const s = await setup();
  const ewa = await s.root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
  const sales = await s.crm.registers.create({ code: 'SALES', name: 'Sales, tasks', color: '#ff8800', numberPattern: '{seq:3}/S' });
  return { ...s, ewa, sales, asEwa: s.root.as(ewa.id) };
}

describe('iCalendar feeds', () => {
  it('serves the owner’s tasks as VEVENTs with stable UIDs, categories, colour and a VTIMEZONE that ical.js resolves', async () => {
    const { asEwa, sales } = await world();
    const t = await asEwa.tasks.create({
      subject: 'Spotkanie; Zefir, umowa',
      registerId: sales.id,
      plannedAt: '2026-03-30T08:00:00Z', // after the switch to summer time in Warsaw
      dueAt: '2026-03-30T09:30:00Z',
      stages: [{ subject: 'Przygotowanie', plannedAt: '2026-03-27T10:00:00Z' }],
    });
    const { token, feed } = await asEwa.calendar.feeds.create({ timeZone: 'Europe/Warsaw', fields: ['subject'] });
    expect(token).toMatch(/^rcf_/);
    expect(feed.tokenHash).not.toContain(token);
    const body = await asEwa.calendar.feeds.open(token);
    expect(body.contentType).toBe('text/calendar; charset=utf-8');
    const ics = await text(body.chunks);
    expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const cal = parse(ics);
    expect(cal.getFirstPropertyValue('x-wr-timezone')).toBe('Europe/Warsaw');
    const events = cal.getAllSubcomponents('vevent').map((c) => new ICAL.Event(c));
    const task = events.find((e) => e.uid === `task-${t.id}@rapport`)!;
    expect(task.summary).toBe('Spotkanie; Zefir, umowa');
    expect(task.startDate.zone.tzid).toBe('Europe/Warsaw');
    expect(task.startDate.toString()).toBe('2026-03-30T10:00:00');
    expect(task.startDate.toJSDate().toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(task.endDate.toJSDate().toISOString()).toBe('2026-03-30T09:30:00.000Z');
    expect(task.component.getFirstProperty('categories')!.getValues()).toEqual(['Sales, tasks', 'Task']);
    expect(task.component.getFirstPropertyValue('color')).toBe('darkorange');
    const stage = events.find((e) => e.uid.startsWith('stage-'))!;
    expect(stage.startDate.toJSDate().toISOString()).toBe('2026-03-27T10:00:00.000Z'); // winter time still
    // The same feed read again gives the same UIDs.
    const again = parse(await text((await asEwa.calendar.feeds.open(token)).chunks));
    expect(again.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('uid'))).toEqual(events.map((e) => e.uid));
  });

  it('streams: the header goes out before any task is read, and each page of tasks before the next is read', async () => {
    const store = await testStore();
    let taskReads = 0;
    // Counts the task pages the feed asks the store for, as they are asked.
    const counting = new Proxy(store, {
      get: (target, key, receiver) =>
        key === 'find'
          ? (collection: string, query: unknown) => {
              if (collection === 'tasks') taskReads++;
              return target.find(collection, query as never);
            }
          : Reflect.get(target, key, receiver),
    }) as Store;
    const { root } = await setup({ store: counting });
    const ewa = await root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    const register = await root.registers.create({ code: 'S', name: 'Sales', color: '#336699', numberPattern: '{seq:4}/S' });
    const at = Date.parse('2026-03-02T08:00:00Z');
    const tasks: Task[] = Array.from({ length: 1_100 }, (_, i) => ({
      id: newId(at + i),
      version: 1,
      number: `${i}/S`,
      registerId: register.id,
      subject: `Task ${i}`,
      description: null,
      partnerId: null,
      personId: null,
      ownerId: ewa.id,
      createdBy: ewa.id,
      plannedAt: null,
      dueAt: new Date(at + (i % 97) * 3_600_000),
      doneAt: null,
      status: 'open',
      priority: 'normal',
      parentId: null,
      private: false,
      customFields: {},
      createdAt: new Date(at),
      updatedAt: new Date(at),
    }));
    await store.createMany('tasks', tasks);
    const asEwa = root.as(ewa.id);
    const { token } = await asEwa.calendar.feeds.create({ fields: ['subject'] });
    taskReads = 0;
    const chunks = (await asEwa.calendar.feeds.open(token)).chunks[Symbol.asyncIterator]();
    const head = await chunks.next();
    expect(head.value).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(taskReads).toBe(0);
    const first = await chunks.next();
    expect((first.value as string).split('BEGIN:VEVENT').length - 1).toBe(500);
    expect(taskReads).toBe(1);
    let rest = '';
    for (let c = await chunks.next(); !c.done; c = await chunks.next()) rest += c.value;
    expect(taskReads).toBe(3);
    const cal = parse(`${head.value}${first.value}${rest}`);
    const uids = cal.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('uid'));
    expect(new Set(uids).size).toBe(1_100);
    expect(uids).toEqual(expect.arrayContaining(tasks.map((t) => `task-${t.id}@rapport`)));
  });

  it('serves the tasks of a view when the feed names one', async () => {
    const { asEwa } = await world();
    await asEwa.tasks.create({ subject: 'late', dueAt: '2026-03-01T07:00:00Z' });
    await asEwa.tasks.create({ subject: 'later', dueAt: '2026-03-20T07:00:00Z' });
    const { token } = await asEwa.calendar.feeds.create({ scope: { view: 'Overdue' }, fields: ['subject'] });
    const cal = parse(await text((await asEwa.calendar.feeds.open(token)).chunks));
    expect(cal.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('summary'))).toEqual(['late']);
  });

  it('serves tasks as VTODOs with DUE and STATUS when asked', async () => {
    const { asEwa } = await world();
    const t = await asEwa.tasks.create({ subject: 'Faktura', dueAt: '2026-03-05T12:00:00Z' });
    await asEwa.tasks.complete(t.id);
    const { token } = await asEwa.calendar.feeds.create({ scope: { tasksAs: 'todo' } });
    const cal = parse(await text((await asEwa.calendar.feeds.open(token)).chunks));
    const todo = cal.getFirstSubcomponent('vtodo')!;
    expect(todo.getFirstPropertyValue('uid')).toBe(`task-${t.id}@rapport`);
    expect((todo.getFirstPropertyValue('due') as ICAL.Time).toJSDate().toISOString()).toBe('2026-03-05T12:00:00.000Z');
    expect(todo.getFirstPropertyValue('status')).toBe('COMPLETED');
  });

  it('shows only what the scope names, and a revoked or unknown token opens nothing', async () => {
    const { asEwa, crm, ewa } = await world();
    await asEwa.tasks.create({ subject: 'mine', dueAt: '2026-03-05T12:00:00Z' });
    await crm.tasks.create({ subject: 'admin’s', dueAt: '2026-03-05T12:00:00Z' });
    const { token, feed } = await asEwa.calendar.feeds.create({ label: 'Ewa w pracy' });
    const cal = parse(await text((await asEwa.calendar.feeds.open(token)).chunks));
    expect(cal.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('summary'))).toEqual([expect.stringContaining('mine')]);
    expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Ewa w pracy');
    expect((await asEwa.calendar.feeds.list()).map((f) => f.id)).toEqual([feed.id]);
    await asEwa.calendar.feeds.revoke(feed.id);
    await rejects(asEwa.calendar.feeds.open(token), 'NOT_FOUND', 'no calendar feed');
    await rejects(asEwa.calendar.feeds.open('rcf_guess'), 'NOT_FOUND', 'no calendar feed');
    expect((await asEwa.calendar.feeds.list(ewa.id))[0]!.revokedAt).toBeInstanceOf(Date);
  });

  it('refuses a bad scope, field or time zone, naming it', async () => {
    const { asEwa } = await world();
    await rejects(asEwa.calendar.feeds.create({ scope: { tasksAs: 'memo' as never } }), 'VALIDATION', 'feed.scope.tasksAs');
    await rejects(asEwa.calendar.feeds.create({ fields: ['salary' as never] }), 'VALIDATION', 'feed.fields[0]');
    await rejects(asEwa.calendar.feeds.create({ timeZone: 'Europe/Atlantis' }), 'VALIDATION', 'feed.timeZone');
    await rejects(asEwa.calendar.feeds.create({ scope: { view: 'nobody’s view' } }), 'NOT_FOUND', 'nobody’s view');
  });
});

describe('iCalendar feeds under access control', () => {
  it('reads with the owner’s rules even when served by the trusted host: another’s private task stays out', async () => {
    const { root, asEwa, ewa } = await world();
    const piotr = await root.operators.create({ name: 'Piotr', email: 'piotr@firma.pl', groups: ['sales'] });
    await root.operators.update(ewa.id, { groups: ['sales'] });
    const asPiotr = root.as(piotr.id);
    await asPiotr.tasks.create({ subject: 'open to the team', dueAt: '2026-03-05T12:00:00Z' });
    await asPiotr.tasks.create({ subject: 'Piotr private', private: true, dueAt: '2026-03-05T13:00:00Z' });
    const { token } = await asEwa.calendar.feeds.create({ scope: { groups: ['sales'] }, fields: ['subject'] });
    const cal = parse(await text((await root.calendar.feeds.open(token)).chunks));
    expect(cal.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('summary'))).toEqual(['open to the team']);
    const range = await asEwa.calendar.range({ groups: ['sales'], from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z', fields: ['subject'] });
    expect(range.items.map((i) => i.title)).toEqual(['open to the team']);
    await rejects(asEwa.calendar.feeds.create({ operatorId: piotr.id }), 'FORBIDDEN', 'feed.operatorId');
  });
});
