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
const stranger: FakeMessage = {
  from: { name: '', address: 'kontakt@nowy-klient.example' },
  subject: 'Zapytanie',
  internetMessageId: '<tb2@nowy-klient.example>',
};

beforeAll(async () => {
  [browser, server] = await Promise.all([launchChromium(), startPaneServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPopup(item: FakeMessage | null, signedIn: boolean | Record<string, string> = true, granted = [server.origin]) {
  const context = await paneContext(browser, server.origin);
  const settings: Record<string, string> =
    signedIn === true ? { serverUrl: server.origin, token: server.s.tokens.anna, operatorName: 'Anna Kowalska' } : signedIn || {};
  await context.addInitScript(fakeMessenger, { settings, item, granted });
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

  it('re-renders on onMessagesDisplayed, shows unknown senders and a clear state with no message', async () => {
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

  it('keeps the sign-in in extension storage, asking no permission it already has', async () => {
    const { page, close } = await openPopup(jan, false);
    await state(page, 'signin');
    await page.fill('#server', server.origin);
    await page.fill('#token', server.s.tokens.anna);
    await page.click('#signin');
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.evaluate(() => (window as any).__fake.settings())).toEqual({
      serverUrl: server.origin,
      token: server.s.tokens.anna,
      operatorName: 'Anna Kowalska',
    });
    expect(await page.evaluate(() => (window as any).__fake.requested())).toEqual([]);
    expect(await page.textContent('footer')).toContain('Signed in as Anna Kowalska');
    await close();
  });

  it('a sign-in interrupted by the permission prompt resumes when the popup opens again', async () => {
    const first = await openPopup(jan, false, []);
    await state(first.page, 'signin');
    await first.page.fill('#server', server.origin);
    await first.page.fill('#token', server.s.tokens.anna);
    await first.page.click('#signin');
    // The pane names the origin it asks for, whatever Thunderbird's prompt shows.
    await first.page.waitForSelector(`#signin-status:has-text("${server.origin}")`);
    expect(await first.page.evaluate(() => (window as any).__fake.requested())).toEqual([['https://127.0.0.1/*']]);
    const kept = (await first.page.evaluate(() => (window as any).__fake.settings())) as Record<string, string>;
    await first.close(); // Thunderbird closes the popup when its prompt opens.

    // The user allowed access and opens the pane again: signed in, without typing anything.
    const second = await openPopup(jan, kept, [server.origin]);
    await state(second.page, 'ready', jan.internetMessageId);
    expect(await second.page.textContent('footer')).toContain('Signed in as Anna Kowalska');
    await second.close();

    // Not allowed yet: the form comes back filled in, saying what it waits for.
    const third = await openPopup(jan, kept, []);
    await state(third.page, 'signin');
    expect(await third.page.inputValue('#token')).toBe(server.s.tokens.anna);
    expect(await third.page.textContent('#signin-status')).toContain(server.origin);
    await third.close();
  });

  it('says what failed when the server cannot be reached', async () => {
    const { page, close } = await openPopup(jan, { serverUrl: 'https://127.0.0.1:9', token: server.s.tokens.anna, operatorName: 'Anna' }, [
      'https://127.0.0.1:9',
    ]);
    await state(page, 'error', jan.internetMessageId);
    expect(await page.textContent('.notice.error')).toMatch(/cannot reach https:\/\/127\.0\.0\.1:9: .+/);
    await close();
  });

  it('sizes the partner view to its content, not to the largest popup', async () => {
    const long = { ...jan, subject: 'x'.repeat(300), from: { name: 'Jan Fiszka', address: `${'a'.repeat(120)}@zefir.pl` } };
    const { page, close } = await openPopup(long);
    await state(page, 'ready', jan.internetMessageId);
    // A popup takes the page's preferred (max-content) width, up to Thunderbird's 800 px limit.
    const width = await page.evaluate(() => {
      document.documentElement.style.width = 'max-content';
      return document.documentElement.getBoundingClientRect().width;
    });
    expect(width).toBeLessThanOrEqual(420);
    expect(await page.evaluate(() => document.body.scrollWidth <= document.body.clientWidth)).toBe(true);
    await close();
  });

  it("fits the partner view in Thunderbird's 600 px popup: secondary lists start folded", async () => {
    const { page, close } = await openPopup(jan);
    await page.setViewportSize({ width: 380, height: 900 });
    await state(page, 'ready', jan.internetMessageId);
    expect(await page.evaluate(() => document.body.getBoundingClientRect().height)).toBeLessThanOrEqual(600);
    expect(await page.textContent('#timeline summary')).toMatch(/^History \(\d+\)$/);
    expect(await page.isVisible('#timeline li')).toBe(false);
    await page.click('#timeline summary');
    expect(await page.isVisible('#timeline li >> nth=0')).toBe(true);
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
