import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seed } from '../fixtures.js';
import { fakeOffice, launchChromium, paneContext, startPaneServer, type FakeMessage, type PaneServer } from './harness.js';

// The seeded clock is Thursday 2026-11-05 09:00 UTC (10:00 in Warsaw, where the browser is):
// "today" ends at 23:00 UTC, "this week" at Monday 9 November 00:00 Warsaw.
let browser: Browser;
let server: PaneServer;
const ids: Record<string, string> = {};

const jan: FakeMessage = {
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  subject: 'Pytanie o enova',
  internetMessageId: '<q1@zefir.pl>',
};

beforeAll(async () => {
  const s = await seed();
  const anna = s.crm.as(s.ids.anna);
  const piotr = s.crm.as(s.ids.piotr);
  const serwis = await s.crm.registers.create({ code: 'SERW', name: 'Serwis', color: '#2e7d32' });
  ids.today = (
    await anna.tasks.create({
      subject: 'Przegląd serwisowy ZEFIR',
      partnerId: s.ids.zefir,
      ownerId: s.ids.anna,
      registerId: serwis.id,
      priority: 'high',
      dueAt: '2026-11-05T15:00:00Z',
    })
  ).id;
  ids.saturday = (await anna.tasks.create({ subject: 'Raport tygodniowy', ownerId: s.ids.anna, dueAt: '2026-11-07T10:00:00Z' })).id;
  ids.nextWeek = (await anna.tasks.create({ subject: 'Szkolenie enova', ownerId: s.ids.anna, dueAt: '2026-11-10T10:00:00Z' })).id;
  ids.piotrShared = (await piotr.tasks.create({ subject: 'Piotr: telefon do ZEFIR', ownerId: s.ids.piotr, dueAt: '2026-11-05T12:00:00Z' })).id;
  ids.piotrPrivate = (await piotr.tasks.create({ subject: 'Piotr: tajne', ownerId: s.ids.piotr, private: true, dueAt: '2026-11-05T13:00:00Z' })).id;
  [browser, server] = await Promise.all([launchChromium(), startPaneServer(s)]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPane() {
  const context = await paneContext(browser, server.origin, { timezoneId: 'Europe/Warsaw' });
  await context.addInitScript(fakeOffice, { settings: { serverUrl: server.origin, token: server.s.tokens.anna }, item: jan, mailbox114: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.origin}/pane/taskpane.html`);
  await page.waitForSelector(`body[data-state="ready"][data-message-id="${jan.internetMessageId}"]`, { timeout: 10_000 });
  return { page, errors, close: () => context.close() };
}

const viewShown = (page: Page, view: string) => page.waitForSelector(`#mytasks[data-state="ready"][data-view="${view}"]`, { timeout: 10_000 });
const taskIds = (page: Page, bucket: string) =>
  page.locator(`#bucket-${bucket} li.task`).evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.taskId));

describe('"My tasks" tab in the task pane (Chromium, real API)', () => {
  it('is reached by keyboard and shows overdue, today, this week in register colours with the view formatting', async () => {
    const { page, errors, close } = await openPane();
    expect(await page.getAttribute('#tab-sender', 'aria-selected')).toBe('true');
    expect(await page.isHidden('#mytasks')).toBe(true);

    // Keyboard only: focus the selected tab, arrow right to "My tasks".
    await page.focus('#tab-sender');
    await page.keyboard.press('ArrowRight');
    await viewShown(page, 'builtin:my-tasks');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-tasks');
    expect(await page.getAttribute('#tab-tasks', 'aria-selected')).toBe('true');
    expect(await page.getAttribute('#tab-tasks', 'tabindex')).toBe('0');
    expect(await page.getAttribute('#tab-sender', 'tabindex')).toBe('-1');
    expect(await page.isHidden('#app')).toBe(true);
    expect(await page.getAttribute('#mytasks', 'role')).toBe('tabpanel');

    expect(await taskIds(page, 'overdue')).toEqual([server.s.ids.enovaTask]);
    expect(await taskIds(page, 'today')).toEqual([ids.today]);
    expect(await taskIds(page, 'week')).toEqual([ids.saturday]);
    expect(await taskIds(page, 'later')).toEqual([ids.nextWeek, server.s.ids.privateTask]);

    // The view's formatting: overdue red with the alert icon (rule 0), urgent bold (rule 1).
    const overdue = page.locator(`#mytasks li[data-task-id="${server.s.ids.enovaTask}"]`);
    expect(await overdue.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(192, 0, 0)');
    expect(await overdue.locator('.icon').getAttribute('title')).toBe('alert');
    expect(await overdue.getAttribute('data-rule')).toBe('0');
    const today = page.locator(`#mytasks li[data-task-id="${ids.today}"]`);
    expect(await today.evaluate((el) => getComputedStyle(el).fontWeight)).toBe('600');
    expect(await today.getAttribute('data-rule')).toBe('1');
    expect(await today.textContent()).toContain('Zefir J. Nowak i E. Nowak');
    // The register's colour on the swatch; a task of the default register gets the default's.
    expect(await today.locator('.swatch').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(46, 125, 50)');
    const plain = page.locator(`#mytasks li[data-task-id="${ids.saturday}"]`);
    expect(await plain.evaluate((el) => getComputedStyle(el).color)).not.toBe('rgb(192, 0, 0)');
    expect(await plain.locator('.swatch').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(51, 102, 204)');
    // Rows take the focus with Tab and say what they are.
    expect(await today.getAttribute('tabindex')).toBe('0');
    expect(await today.getAttribute('aria-label')).toContain('Przegląd serwisowy ZEFIR');

    // The unread count stays under the header while the tab is shown, and stays live.
    expect(await page.isVisible('#notif-count')).toBe(true);
    const before = Number(await page.textContent('#notif-count'));
    await server.s.crm.notifications.deliver({ operatorId: server.s.ids.anna, kind: 'reminder', title: 'Przegląd jutro' });
    await page.waitForSelector(`body[data-unread="${before + 1}"]`, { timeout: 10_000 });
    expect(await page.isVisible('#notif-count')).toBe(true);

    // Back with the arrow: the sender's history is there again.
    await page.focus('#tab-tasks');
    await page.keyboard.press('ArrowLeft');
    expect(await page.isVisible('#app')).toBe(true);
    expect(await page.isHidden('#mytasks')).toBe(true);
    expect(await page.textContent('#partner h2')).toBe('Zefir J. Nowak i E. Nowak');
    expect(errors).toEqual([]);
    await close();
  });

  it('never shows a private task of another operator, in any view the picker offers', async () => {
    const { page, errors, close } = await openPane();
    await page.click('#tab-tasks');
    await viewShown(page, 'builtin:my-tasks');
    const options = await page.locator('#view-picker option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(expect.arrayContaining(['builtin:my-tasks', 'builtin:overdue', 'builtin:due-this-week']));
    expect(options).not.toContain('builtin:stages-due');

    // "Due this week" holds everyone's tasks Anna may see: Piotr's shared one, not his private one.
    await page.focus('#view-picker');
    await page.selectOption('#view-picker', 'builtin:due-this-week');
    await viewShown(page, 'builtin:due-this-week');
    expect(await taskIds(page, 'today')).toEqual([ids.piotrShared, ids.today]);
    for (const view of options) {
      await page.selectOption('#view-picker', view);
      await viewShown(page, view);
      const shown = await page.locator('#mytasks li.task').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.taskId));
      expect(shown, view).not.toContain(ids.piotrPrivate);
      expect(await page.textContent('#mytasks'), view).not.toContain('Piotr: tajne');
    }
    // Piotr himself sees it: the task is there, the rules hide it from Anna.
    const his = (await server.get('/api/v1/views/builtin:my-tasks', server.s.tokens.piotr)) as { rows: Array<{ id: string }> };
    expect(his.rows.map((r) => r.id)).toContain(ids.piotrPrivate);
    expect(errors).toEqual([]);
    await close();
  });
  it('refreshes itself when another operator assigns a task, keeping the focused row, and says when', async () => {
    const { page, errors, close } = await openPane();
    await page.click('#tab-tasks');
    await viewShown(page, 'builtin:my-tasks');
    expect(await page.textContent('#mytasks-updated')).toMatch(/^Updated \d{1,2}:\d{2}/);
    const loads: number[] = [];
    await page.exposeFunction('__load', () => loads.push(Date.now()));
    await page.evaluate(() => window.addEventListener('rapport:tasks', () => (window as unknown as { __load(): void }).__load()));
    await page.focus(`#mytasks li[data-task-id="${ids.saturday}"]`);

    // Piotr gives Anna three tasks in a burst: they appear without a reload, in one refresh.
    const piotr = server.s.crm.as(server.s.ids.piotr);
    const given: string[] = [];
    for (const n of [1, 2, 3])
      given.push((await piotr.tasks.create({ subject: `Od Piotra ${n}`, ownerId: server.s.ids.anna, dueAt: '2026-11-05T16:00:00Z' })).id);
    await page.waitForSelector(`#bucket-today li[data-task-id="${given[2]}"]`, { timeout: 10_000 });
    expect(await taskIds(page, 'today')).toEqual(expect.arrayContaining(given));
    expect(loads.length).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-task-id'))).toBe(ids.saturday);

    // Hidden behind the Sender tab, a change waits; showing the tab again loads it.
    await page.click('#tab-sender');
    const later = (await piotr.tasks.create({ subject: 'Od Piotra później', ownerId: server.s.ids.anna, dueAt: '2026-11-05T17:00:00Z' })).id;
    await page.waitForTimeout(1_500);
    expect(loads.length).toBe(1);
    await page.click('#tab-tasks');
    await page.waitForSelector(`#bucket-today li[data-task-id="${later}"]`, { timeout: 10_000 });
    expect(errors).toEqual([]);
    await close();
  });
});
