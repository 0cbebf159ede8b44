import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { message } from '../fixtures.js';
import { fakeOffice, launchChromium, paneContext, startPaneServer, type FakeMessage, type PaneServer } from './harness.js';

let browser: Browser;
let server: PaneServer;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const jan: FakeMessage = {
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  to: [{ name: 'Anna Kowalska', address: 'anna@firma.pl' }],
  subject: 'Pytanie o enova',
  internetMessageId: '<q1@zefir.pl>',
  raw: b64(message({ messageId: 'q1@zefir.pl', subject: 'Pytanie o enova' })),
};
const stranger: FakeMessage = {
  from: { name: 'Olga Brzoza', address: 'olga@brzoza-trade.example' },
  subject: 'Oferta współpracy',
  internetMessageId: '<o1@brzoza-trade.example>',
};

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startPaneServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPane(item: FakeMessage | null, opts: { signedIn?: boolean; mailbox114?: boolean } = {}) {
  const context = await paneContext(browser, server.origin);
  const settings: Record<string, string> = opts.signedIn === false ? {} : { serverUrl: server.origin, token: server.s.tokens.anna };
  await context.addInitScript(fakeOffice, { settings, item, mailbox114: opts.mailbox114 ?? true });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.origin}/pane/taskpane.html`);
  return { page, dialogs, errors, close: () => context.close() };
}

const state = (page: Page, s: string, messageId?: string) =>
  page.waitForSelector(`body[data-state="${s}"]${messageId ? `[data-message-id="${messageId}"]` : ''}`, { timeout: 10_000 });

describe('task pane in Outlook (fake Office host, Chromium)', () => {
  it('shows the partner card, contacts and the overdue task in red for a known sender', async () => {
    const { page, errors, close } = await openPane(jan);
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.textContent('#partner h2')).toBe('Zefir J. Nowak i E. Nowak');
    expect(await page.textContent('#partner .code')).toBe('ZEFIR');
    expect(await page.textContent('#persons')).toContain('Jan Fiszka');
    const task = page.locator('#tasks li.task', { hasText: 'Informacje o systemie enova' });
    await expect(task.getAttribute('class')).resolves.toContain('overdue');
    expect(await task.locator('.due').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(197, 15, 31)');
    expect(await task.locator('.stages').textContent()).toContain('1/2');
    expect(await page.locator('#add-contact').count()).toBe(0);
    expect(errors).toEqual([]);
    const csp = (await page.request.get(`${server.origin}/pane/taskpane.html`)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self' https://appsforoffice.microsoft.com");
    expect(csp).not.toContain('unsafe-inline');
    await close();
  });

  it('shows the unknown-sender state with "Add sender as contact", which adds the contact', async () => {
    const { page, close } = await openPane(stranger);
    await state(page, 'ready', stranger.internetMessageId);
    expect(await page.textContent('#unknown h2')).toBe('Unknown sender');
    expect(await page.textContent('#unknown')).toContain('olga@brzoza-trade.example');
    await page.click('#add-contact');
    await page.waitForSelector('#action-status:has-text("Contact added")');
    expect(await page.textContent('#unknown h2')).toBe('Olga Brzoza');
    expect(await page.locator('#add-contact').count()).toBe(0);
    await close();
  });

  it('"Track this e-mail" (getAsFileAsync) creates a task that the next GET /history shows', async () => {
    const { page, close } = await openPane(jan);
    await state(page, 'ready', jan.internetMessageId);
    await page.click('#track');
    await page.waitForSelector('#action-status:has-text("Tracked as")');
    const history = await server.get('/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', server.s.tokens.anna);
    expect(history.openTasks.map((t: { subject: string }) => t.subject)).toContain('Pytanie o enova');
    expect(await page.textContent('#tasks')).toContain('Pytanie o enova');
    await page.click('#track');
    await page.waitForSelector('#action-status:has-text("Already tracked as")');
    await close();
  });

  it('without Mailbox 1.14 builds the message from the item fields to track it', async () => {
    const item = { ...jan, subject: 'Zamówienie — żółte licencje', internetMessageId: '<q2@zefir.pl>', body: 'Treść wiadomości', raw: undefined };
    const { page, close } = await openPane(item, { mailbox114: false });
    await state(page, 'ready', item.internetMessageId);
    await page.click('#track');
    await page.waitForSelector('#action-status:has-text("Tracked as")');
    const history = await server.get('/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', server.s.tokens.anna);
    expect(history.openTasks.map((t: { subject: string }) => t.subject)).toContain('Zamówienie — żółte licencje');
    await close();
  });

  it('re-renders on ItemChanged and shows a clear state for a null item', async () => {
    const { page, close } = await openPane(jan);
    await state(page, 'ready', jan.internetMessageId);
    await page.evaluate((m) => (window as any).__fake.setItem(m), stranger);
    await state(page, 'ready', stranger.internetMessageId);
    expect(await page.locator('#partner').count()).toBe(0);
    expect(await page.textContent('#subject')).toBe('Oferta współpracy');
    await page.evaluate(() => (window as any).__fake.setItem(null));
    await state(page, 'empty');
    expect(await page.textContent('#app')).toContain('Select a message');
    await page.evaluate((m) => (window as any).__fake.setItem(m), jan);
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.textContent('#partner h2')).toBe('Zefir J. Nowak i E. Nowak');
    await close();
  });

  it('signs in with server URL and token kept in roaming settings', async () => {
    const { page, close } = await openPane(jan, { signedIn: false });
    await state(page, 'signin');
    // In Outlook the pane talks only to the server it came from (CSP connect-src 'self').
    expect(await page.inputValue('#server')).toBe(server.origin);
    expect(await page.getAttribute('#server', 'readonly')).toBe('');
    await page.fill('#token', 'rpt_wrong');
    await page.click('#signin');
    await page.waitForSelector('.notice.error:has-text("not accepted")');
    await page.fill('#token', server.s.tokens.anna);
    await page.click('#signin');
    await state(page, 'ready', jan.internetMessageId);
    const settings = await page.evaluate(() => (window as any).__fake.settings());
    expect(settings).toEqual({ serverUrl: server.origin, token: server.s.tokens.anna, operatorName: 'Anna Kowalska' });
    await page.click('#signout');
    await state(page, 'signin');
    await close();
  });

  it('does not execute XSS payloads in subject, names, attachment names or CRM data', async () => {
    const payload = '<img src=x onerror="window.__xss=1;alert(1)">';
    const as = server.s.crm.as(server.s.ids.anna);
    const evil = await as.partners.create({ code: 'EVIL', name: `<script>window.__xss=2;alert(2)</script>Evil ${payload}`, emailDomains: ['evil.example'] });
    await as.persons.create({ partnerId: evil.id, firstName: '<svg onload=alert(3)>', lastName: payload, emails: ['boss@evil.example'] });
    await as.tasks.create({ subject: `Task ${payload}`, partnerId: evil.id, dueAt: '2026-01-01T00:00:00Z' });
    const item: FakeMessage = {
      from: { name: `<svg/onload=alert(4)> ${payload}`, address: 'boss@evil.example' },
      subject: `Re: ${payload}<script>alert(5)</script>`,
      internetMessageId: '<xss@evil.example>',
      attachments: [{ name: `"><img src=x onerror=alert(6)>.pdf`, size: 2048 }],
    };
    const { page, dialogs, close } = await openPane(item);
    await state(page, 'ready', item.internetMessageId);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await page.locator('#app img, #app script, #app svg, #app iframe').count()).toBe(0);
    expect(await page.textContent('#subject')).toBe(item.subject);
    expect(await page.textContent('#partner h2')).toContain('<script>');
    expect(await page.textContent('.attachments')).toContain('onerror=alert(6)');
    await close();
  });
});

describe('IDN addresses in the task pane', () => {
  it('shows xn-- domains in Unicode: the sender, the contacts and the unknown-sender hint', async () => {
    const anna = server.s.crm.as(server.s.ids.anna);
    const zolw = await anna.partners.create({ code: 'ZOLW', name: 'Żółw sp. z o.o.', kind: 'customer', emailDomains: ['żółw.example'] });
    await anna.persons.create({ partnerId: zolw.id, firstName: 'Ewa', lastName: 'Żak', emails: ['ewa@żółw.example'] });
    const ewa: FakeMessage = {
      from: { name: 'Ewa Żak', address: 'ewa@xn--w-uga1v8h.example' },
      subject: 'Zamówienie',
      internetMessageId: '<z1@xn--w-uga1v8h.example>',
    };
    const { page, close } = await openPane(ewa);
    await state(page, 'ready', ewa.internetMessageId);
    expect(await page.textContent('#partner h2')).toBe('Żółw sp. z o.o.');
    expect(await page.textContent('.message .from')).toBe('Ewa Żak <ewa@żółw.example>');
    expect(await page.textContent('#persons')).toContain('ewa@żółw.example');
    expect(await page.textContent('#app')).not.toContain('xn--');

    const unknown: FakeMessage = {
      from: { name: '', address: 'biuro@xn--d-uga0v4h.example' },
      subject: 'Hej',
      internetMessageId: '<l1@xn--d-uga0v4h.example>',
    };
    await page.evaluate((m) => (window as any).__fake.setItem(m), unknown);
    await state(page, 'ready', unknown.internetMessageId);
    expect(await page.textContent('.message .from')).toBe('biuro@łódź.example');
    expect(await page.textContent('#unknown')).toContain('no partner or person is known for biuro@łódź.example');
    expect(await page.textContent('#app')).not.toContain('xn--');
    await close();
  });
});

describe('notifications in the task pane (Chromium, real SSE stream)', () => {
  it('shows the unread count live as notifications arrive, lists them, and marks them read', async () => {
    const { page, errors, close } = await openPane(jan);
    await state(page, 'ready', jan.internetMessageId);
    await page.waitForSelector('#notif-count');
    const before = Number(await page.textContent('#notif-count'));
    await server.s.crm.notifications.deliver({ operatorId: server.s.ids.anna, kind: 'reminder', title: 'Oddzwonić do <b>Jana</b>' });
    await page.waitForSelector(`body[data-unread="${before + 1}"]`, { timeout: 10_000 });
    expect(await page.textContent('#notif-count')).toBe(String(before + 1));
    await page.click('#notif-toggle');
    await page.waitForSelector('#notif-list li.notif.unread');
    // Text, never markup: the title shows its angle brackets.
    expect(await page.textContent('#notif-list')).toContain('Oddzwonić do <b>Jana</b>');
    expect(await page.locator('#notif-list b').count()).toBe(0);
    await page.click('#notif-read-all');
    await page.waitForSelector('body[data-unread="0"]', { timeout: 10_000 });
    expect(errors).toEqual([]);
    await close();
  });
});
