// A real Thunderbird (Debian's ESR, under Xvfb) subscribed to an operator's iCalendar feed served
// by the real HTTPS API: the subscription is a calendar in the profile's prefs (type ics, the
// feed's secret URL), and the test reads what Thunderbird's own calendar holds after it loaded
// the feed — through its calendar manager over Marionette, and from its offline cache on disk.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer, ensureDevCertificate } from '@rapport/outlook-addin';
import { seed, type Seeded } from '../../packages/outlook-addin/test/fixtures.js';
import { ensureThunderbirdInstalled, freePort, makeProfile, startThunderbird, startXvfb, type Thunderbird } from './launch.js';

let s: Seeded;
let app: FastifyInstance;
let xvfb: Awaited<ReturnType<typeof startXvfb>>;
let tb: Thunderbird;
let dir: string;
let profile: string;
let feedUrl: string;
let otherPrivate: string;

interface TbItem {
  id: string;
  title: string;
  type: 'event' | 'todo';
  categories: string[];
  start: string | null;
  due: string | null;
}

beforeAll(async () => {
  ensureThunderbirdInstalled();
  dir = mkdtempSync(join(tmpdir(), 'rapport-tb-cal-'));
  [s, xvfb] = await Promise.all([seed(), startXvfb()]);
  // A private task of Piotr's: Anna's feed reads with Anna's rules, so it must not reach her calendar.
  otherPrivate = (await s.crm.as(s.ids.piotr).tasks.create({ subject: 'Piotr: poufne', ownerId: s.ids.piotr, private: true, dueAt: '2026-11-06T10:00:00Z' }))
    .id;
  const { token } = await s.crm.as(s.ids.anna).calendar.feeds.create({ timeZone: 'Europe/Warsaw' });
  const cert = ensureDevCertificate(join(dir, 'certs'));
  app = await createApiServer({ crm: s.crm, tls: cert, paneDir: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  feedUrl = `https://localhost:${(app.server.address() as { port: number }).port}/calendar/feeds/${token}.ics`;
  const marionettePort = await freePort();
  profile = makeProfile({
    // No mail server is reached: the account exists because Thunderbird wants one.
    imap: { host: '127.0.0.1', port: 9, user: 'anna' },
    identity: { name: 'Anna Kowalska', email: 'anna@firma.pl' },
    caFile: cert.caPath,
    marionettePort,
    prefs: {
      'calendar.registry.rapport.type': 'ics',
      'calendar.registry.rapport.uri': feedUrl,
      'calendar.registry.rapport.name': 'Rapport — Anna',
      'calendar.registry.rapport.readOnly': true,
      'calendar.registry.rapport.cache.enabled': true,
      'calendar.registry.rapport.calendar-main-in-composite': true,
      'calendar.timezone.local': 'Europe/Warsaw',
      'calendar.timezone.useSystemTimezone': false,
    },
  });
  tb = await startThunderbird(profile, xvfb.display, marionettePort);
}, 240_000);

afterAll(async () => {
  // The profile is removed by stop(): its cache was read before.
  await tb?.stop();
  await xvfb?.stop();
  await app?.close();
  await s?.crm.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The items of the subscribed calendar as Thunderbird's calendar manager has them (empty until it loaded the feed). */
const itemsInThunderbird = (url: string) =>
  tb.marionette.execute<{ items?: TbItem[]; calendars?: string[] }>(
    `const { cal } = ChromeUtils.importESModule('resource:///modules/calendar/calUtils.sys.mjs');
    const calendar = cal.manager.getCalendars().find((c) => c.uri.spec === arguments[0]);
    if (!calendar) return { calendars: cal.manager.getCalendars().map((c) => c.uri.spec) };
    const filter = Ci.calICalendar.ITEM_FILTER_TYPE_ALL | Ci.calICalendar.ITEM_FILTER_COMPLETED_ALL;
    const items = await calendar.getItemsAsArray(filter, 0, null, null);
    const date = (d) => (d ? d.getInTimezone(cal.dtz.UTC).icalString : null);
    return { items: items.map((i) => ({
      id: i.id,
      title: i.title,
      type: i.isEvent() ? 'event' : 'todo',
      categories: i.getCategories(),
      start: date(i.startDate ?? i.entryDate),
      due: date(i.endDate ?? i.dueDate),
    })) };`,
    [url],
  );

describe('Thunderbird subscribed to the iCalendar feed', () => {
  it('shows the operator’s tasks in its calendar, not another operator’s private task', async () => {
    let got: { items?: TbItem[]; calendars?: string[] } = {};
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      got = await itemsInThunderbird(feedUrl);
      if (got.items?.length) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (!got.items?.length)
      throw new Error(`Thunderbird has no items from the feed: ${JSON.stringify(got)}\n--- Thunderbird output ---\n${tb.output().slice(-3000)}`);
    const ids = got.items.map((i) => i.id);
    expect(ids).toContain(`task-${s.ids.enovaTask}@rapport`);
    expect(ids).toContain(`task-${s.ids.privateTask}@rapport`);
    expect(ids.some((id) => id.includes(otherPrivate))).toBe(false);
    const enova = got.items.find((i) => i.id === `task-${s.ids.enovaTask}@rapport`)!;
    expect(enova.title).toContain('Informacje o systemie enova');
    expect(enova.due ?? enova.start).toMatch(/^20261102T/);
    expect(JSON.stringify(got.items)).not.toContain('Piotr: poufne');

    // The offline cache on disk holds the same items (what Thunderbird shows when offline).
    const cache = join(profile, 'calendar-data', 'cache.sqlite');
    const deadlineCache = Date.now() + 30_000;
    let cached: string[] = [];
    while (Date.now() < deadlineCache && !cached.includes(`task-${s.ids.enovaTask}@rapport`)) {
      if (existsSync(cache)) {
        // Thunderbird holds the database locked while it runs: read a copy (with its WAL).
        const copy = join(dir, `cache-${Date.now()}.sqlite`);
        for (const suffix of ['', '-wal']) if (existsSync(cache + suffix)) copyFileSync(cache + suffix, copy + suffix);
        const db = new Database(copy, { fileMustExist: true });
        try {
          cached = [
            ...(db.prepare('SELECT id FROM cal_events').all() as Array<{ id: string }>),
            ...(db.prepare('SELECT id FROM cal_todos').all() as Array<{ id: string }>),
          ].map((r) => r.id);
        } catch {
          cached = [];
        } finally {
          db.close();
        }
      }
      if (!cached.includes(`task-${s.ids.enovaTask}@rapport`)) await new Promise((r) => setTimeout(r, 1_000));
    }
    if (!cached.includes(`task-${s.ids.enovaTask}@rapport`)) {
      const dataDir = join(profile, 'calendar-data');
      const files = existsSync(dataDir) ? readdirSync(dataDir) : [];
      const tables = files
        .filter((f) => f.endsWith('.sqlite'))
        .map((f) => {
          const copy = join(dir, `probe-${f}`);
          copyFileSync(join(dataDir, f), copy);
          const db = new Database(copy, { readonly: true });
          try {
            const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
            return `${f}: ${names.map((n) => `${n}(${(db.prepare(`SELECT count(*) AS n FROM "${n}"`).get() as { n: number }).n})`).join(' ')}`;
          } finally {
            db.close();
          }
        });
      throw new Error(`the offline cache holds ${JSON.stringify(cached)}; calendar-data: ${JSON.stringify(files)}; ${tables.join('; ')}`);
    }
    expect(cached.some((id) => id.includes(otherPrivate))).toBe(false);
  }, 180_000);
});
