import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '@rapport/outlook-addin';
import { seed, type Seeded } from './fixtures.js';

let s: Seeded;
let app: FastifyInstance;

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

describe('calendar feed over HTTP', () => {
  it('serves text/calendar at the secret URL without a bearer token, with the owner’s tasks', async () => {
    const { token } = await s.crm.as(s.ids.anna).calendar.feeds.create({ timeZone: 'Europe/Warsaw' });
    const res = await app.inject({ url: `/calendar/feeds/${token}.ics` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const cal = new ICAL.Component(ICAL.parse(res.body));
    const uids = cal.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('uid'));
    expect(uids).toContain(`task-${s.ids.enovaTask}@rapport`);
  });

  it('answers 404 for an unknown or revoked token, the same both times', async () => {
    const as = s.crm.as(s.ids.anna);
    const { token, feed } = await as.calendar.feeds.create();
    await as.calendar.feeds.revoke(feed.id);
    const revoked = await app.inject({ url: `/calendar/feeds/${token}.ics` });
    const unknown = await app.inject({ url: '/calendar/feeds/rcf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics' });
    expect(revoked.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(revoked.json()).toEqual(unknown.json());
  });

  it('serves the operator’s week grid to the pane under its bearer token', async () => {
    const res = await app.inject({ url: '/api/v1/calendar?view=week&date=2026-11-02', headers: { authorization: `Bearer ${s.tokens.anna}` } });
    expect(res.statusCode).toBe(200);
    const grid = res.json() as { days: Array<{ date: string; items: Array<{ taskId: string }> }> };
    expect(grid.days).toHaveLength(7);
    expect(grid.days.find((d) => d.date === '2026-11-02')!.items.map((i) => i.taskId)).toContain(s.ids.enovaTask);
    const bad = await app.inject({ url: '/api/v1/calendar?view=year', headers: { authorization: `Bearer ${s.tokens.anna}` } });
    expect(bad.statusCode).toBe(400);
  });
});
