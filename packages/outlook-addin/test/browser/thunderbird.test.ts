import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { message } from '../fixtures.js';
import { fakeMessenger, launchChromium, paneContext, startPaneServer, type FakeMessage, type PaneServer } from './harness.js';

let browser: Browser;
let server: PaneServer;

const jan: FakeMessage = {
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  subject: 'Harmonogram wdrożenia',
  internetMessageId: '<tb1@zefir.pl>',
  attachments: [{ name: 'harmonogram.xlsx', size: 18_000 }],
  raw: Buffer.from(message({ messageId: 'tb1@zefir.pl', subject: 'Harmonogram wdrożenia' }), 'utf8').toString('base64'),
};
const stranger: FakeMessage = { from: { name: '', address: 'kontakt@nowy-klient.example' }, subject: 'Zapytanie', internetMessageId: '<tb2@nowy-klient.example>' };

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startPaneServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPopup(item: FakeMessage | null, signedIn = true) {
  const context = await paneContext(browser, server.origin);
  const settings: Record<string, string> = signedIn ? { serverUrl: server.origin, token: server.s.tokens.anna } : {};
  await context.addInitScript(fakeMessenger, { settings, item });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));
  await page.goto(`${server.origin}/pane/popup.html`);
  return { page, dialogs, close: () => context.close() };
}
const state = (page: Page, s: string, messageId?: string) =>
  page.waitForSelector(`body[data-state="${s}"]${messageId ? `[data-message-id="${messageId}"]` : ''}`, { timeout: 10_000 });

describe('task pane in Thunderbird (fake messenger, Chromium)', () => {
  it('shows the partner card and the overdue task for the displayed message', async () => {
    const { page, close } = await openPopup(jan);
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.textContent('#partner h2')).toBe('Zefir J. Nowak i E. Nowak');
    expect(await page.getAttribute('#tasks li.task:has-text("Informacje o systemie enova")', 'class')).toContain('overdue');
    expect(await page.textContent('.attachments')).toContain('harmonogram.xlsx');
    const csp = (await page.request.get(`${server.origin}/pane/popup.html`)).headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self';");
    await close();
  });

  it('tracks the message from messages.getRaw and shows the new task', async () => {
    const { page, close } = await openPopup(jan);
    await state(page, 'ready', jan.internetMessageId);
    await page.click('#track');
    await page.waitForSelector('#action-status:has-text("Tracked as")');
    const history = await server.get('/api/v1/history?email=jan.fiszka@zefir.pl&limit=50', server.s.tokens.anna);
    expect(history.openTasks.map((t: { subject: string }) => t.subject)).toContain('Harmonogram wdrożenia');
    await close();
  });

  it('re-renders on onMessageDisplayed, shows unknown senders and a clear state with no message', async () => {
    const { page, close } = await openPopup(jan);
    await state(page, 'ready', jan.internetMessageId);
    await page.evaluate((m) => (window as any).__fake.display(m), stranger);
    await state(page, 'ready', stranger.internetMessageId);
    expect(await page.textContent('#unknown h2')).toBe('Unknown sender');
    expect(await page.locator('#add-contact').count()).toBe(1);
    await page.evaluate(() => (window as any).__fake.display(null));
    await state(page, 'empty');
    await close();
  });

  it('keeps the sign-in in extension storage', async () => {
    const { page, close } = await openPopup(jan, false);
    await state(page, 'signin');
    await page.fill('#server', server.origin);
    await page.fill('#token', server.s.tokens.anna);
    await page.click('#signin');
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.evaluate(() => (window as any).__fake.settings())).toEqual({ serverUrl: server.origin, token: server.s.tokens.anna });
    await close();
  });

  it('does not execute XSS payloads in the subject, author or attachment names', async () => {
    const item: FakeMessage = {
      from: { name: '<img src=x onerror=alert(1)>', address: 'x@xss.example' },
      subject: '<script>alert(2)</script><b>bold</b>',
      internetMessageId: '<xss@xss.example>',
      attachments: [{ name: '<svg onload=alert(3)>.png', size: 10 }],
    };
    const { page, dialogs, close } = await openPopup(item);
    await state(page, 'ready', item.internetMessageId);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(await page.locator('#app img, #app script, #app svg, #app b').count()).toBe(0);
    expect(await page.textContent('#subject')).toBe(item.subject);
    await close();
  });
});
