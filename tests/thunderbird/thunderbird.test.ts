// The Rapport extension in a real Thunderbird (Debian's ESR) under Xvfb, against a real Dovecot
// and the real HTTPS API, driven over Marionette. Asserts on what the pane shows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer, ensureDevCertificate } from '@rapport/outlook-addin';
import { startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { fillMaildir } from '../../packages/mail-bridge/test/support/messages.js';
import { buildXpi } from '../../packages/outlook-addin/src/build/xpi.js';
import { message, seed, type Seeded } from '../../packages/outlook-addin/test/fixtures.js';
import { ensureThunderbirdInstalled, freePort, makeProfile, startThunderbird, startXvfb, type Thunderbird } from './launch.js';
import { EXTENSION_ID, paneDriver, type PaneDriver } from './pane.js';

const KNOWN = 'tb-e2e-1@zefir.pl';
const UNKNOWN = 'tb-e2e-2@nowy-klient.example';

let dovecot: Dovecot;
let s: Seeded;
let app: FastifyInstance;
let origin: string;
let xvfb: Awaited<ReturnType<typeof startXvfb>>;
let tb: Thunderbird;
let pane: PaneDriver;
let dir: string;
let certDir: string;

beforeAll(async () => {
  ensureThunderbirdInstalled();
  dir = mkdtempSync(join(tmpdir(), 'rapport-tb-e2e-'));
  let xpi: Awaited<ReturnType<typeof buildXpi>>;
  [dovecot, s, xpi, xvfb] = await Promise.all([startDovecot(), seed(), buildXpi(join(dir, 'xpi')), startXvfb()]);
  fillMaildir(dovecot, 'anna', 'INBOX', [
    message({ messageId: KNOWN, subject: 'Harmonogram wdrożenia' }),
    message({ from: 'Biuro <biuro@nowy-klient.example>', messageId: UNKNOWN, subject: 'Zapytanie ofertowe' }),
  ]);
  certDir = join(dir, 'certs');
  const cert = ensureDevCertificate(certDir);
  app = await createApiServer({ crm: s.crm, tls: cert, paneDir: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `https://localhost:${(app.server.address() as { port: number }).port}`;
  expect(JSON.parse(readFileSync(join(xpi.sourceDir, 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id).toBe(EXTENSION_ID);
  const marionettePort = await freePort();
  const profile = makeProfile({
    imap: { host: '127.0.0.1', port: dovecot.port, user: 'anna' },
    identity: { name: 'Anna Kowalska', email: 'anna@firma.pl' },
    extension: { xpi: xpi.xpi, id: EXTENSION_ID },
    caFile: cert.caPath,
    marionettePort,
  });
  tb = await startThunderbird(profile, xvfb.display, marionettePort);
  // The IMAP password goes to the login manager before Thunderbird first connects.
  await tb.marionette.execute(
    `const login = Cc['@mozilla.org/login-manager/loginInfo;1'].createInstance(Ci.nsILoginInfo);
    login.init('imap://127.0.0.1', null, 'imap://127.0.0.1', 'anna', arguments[0], '', '');
    await Services.logins.addLoginAsync(login);`,
    [dovecot.users[0]!.password],
  );
  pane = paneDriver(tb.marionette);
  await pane.showFolder(2);
}, 240_000);

afterAll(async () => {
  await tb?.stop();
  await xvfb?.stop();
  await app?.close();
  await s?.crm.close();
  await dovecot?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Fails with what Thunderbird printed, which is where the pane's own errors go. */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}\n--- Thunderbird output (last 3000 chars) ---\n${tb.output().slice(-3000)}`, { cause: err });
  }
}

async function signedInPane(messageId: string) {
  await pane.select(messageId);
  await pane.open();
  const now = await pane.waitFor(['ready', 'signin']);
  if (now.state === 'ready') return pane.waitFor('ready', `<${messageId}>`);
  await signIn();
  return pane.waitFor('ready', `<${messageId}>`);
}

async function signIn() {
  await pane.waitFor('signin');
  await pane.inPopup(`(c) => {
    const d = c.document;
    // As typing would: set each value, then fire its input event.
    for (const [id, value] of [['server', ${JSON.stringify(origin)}], ['token', ${JSON.stringify(s.tokens.anna)}]]) {
      d.getElementById(id).value = value;
      d.getElementById(id).dispatchEvent(new c.Event('input', { bubbles: true }));
    }
    d.querySelector('form.signin').requestSubmit();
  }`);
}

describe('the Rapport pane in a real Thunderbird', () => {
  it("signs in once, then shows a known sender's partner card and open tasks, sized to its content", { timeout: 60_000 }, async () => {
    await step('open the pane on a known sender', async () => {
      await pane.select(KNOWN);
      await pane.open();
    });
    await step('sign in', signIn);
    const view = await step('the partner view', () => pane.waitFor('ready', `<${KNOWN}>`));
    expect(view.text).toContain('Harmonogram wdrożenia');
    expect(view.text).toContain('Zefir J. Nowak i E. Nowak');
    expect(view.text).toContain('Informacje o systemie enova');
    expect(view.text).toContain('Signed in as Anna Kowalska');
    expect(await pane.inPopup<string[]>(`(c) => [...c.document.querySelectorAll('#tasks li.task')].map((li) => li.className)`)).toContain('task overdue');

    // Sized to its content: the popup is as tall as the page, which needs no scrolling. Thunderbird
    // resizes the popup a moment after the content changes.
    const sizes = async () => ({
      popup: await pane.size(),
      page: await pane.inPopup<{ width: number; height: number }>(
        `(c) => ({ width: c.document.documentElement.scrollWidth, height: c.document.documentElement.scrollHeight })`,
      ),
    });
    let fit = await sizes();
    for (let i = 0; i < 20 && Math.abs(fit.popup.height - fit.page.height) > 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fit = await sizes();
    }
    expect(fit.popup.width).toBeLessThan(420);
    expect(fit.page.width).toBeLessThanOrEqual(fit.popup.width);
    expect(Math.abs(fit.popup.height - fit.page.height)).toBeLessThanOrEqual(2);

    // Once: closing and opening the pane again needs no second sign-in.
    await pane.close();
    await pane.open();
    await step('reopen', () => pane.waitFor('ready', `<${KNOWN}>`));
  });

  it('opens the "My tasks" tab in the popup against the real API', { timeout: 60_000 }, async () => {
    await step('known sender', () => signedInPane(KNOWN));
    await pane.inPopup(`(c) => c.document.getElementById('tab-tasks').click()`);
    const tab = await step('the My tasks tab', async () => {
      for (let i = 0; i < 100; i++) {
        const now = await pane.inPopup<{ state: string; text: string; selected: string | null }>(
          `(c) => ({ state: c.document.getElementById('mytasks')?.dataset.state ?? '', text: c.document.getElementById('mytasks')?.innerText ?? '', selected: c.document.getElementById('tab-tasks').getAttribute('aria-selected') })`,
        );
        if (now.state === 'ready' || now.state === 'error') return now;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the My tasks tab did not load');
    });
    expect(tab.state).toBe('ready');
    expect(tab.selected).toBe('true');
    expect(tab.text).toMatch(/Overdue \(1\)/i); // headings are upper-cased by CSS
    expect(tab.text).toContain('Informacje o systemie enova');
    expect(tab.text).toMatch(/Updated \d{1,2}:\d{2}/);
    await pane.inPopup(`(c) => c.document.getElementById('tab-sender').click()`);
    await pane.close();
  });

  it('follows the selection to an unknown sender and back', { timeout: 60_000 }, async () => {
    await step('known sender', () => signedInPane(KNOWN));
    await step('select the unknown sender', () => pane.select(UNKNOWN));
    const unknown = await step('the unknown-sender view', () => pane.waitFor('ready', `<${UNKNOWN}>`));
    expect(unknown.text).toContain('Zapytanie ofertowe');
    expect(unknown.text).toContain('Unknown sender');
    expect(unknown.text).toContain('Add sender as contact');
    await pane.select(KNOWN);
    expect((await step('back to the known sender', () => pane.waitFor('ready', `<${KNOWN}>`))).text).toContain('Zefir J. Nowak i E. Nowak');
  });

  it('"Track this e-mail" files the message (from messages.getRaw) as a task', { timeout: 60_000 }, async () => {
    await step('known sender', () => signedInPane(KNOWN));
    await pane.inPopup(`(c) => c.document.getElementById('track').click()`);
    await step('tracked', async () => {
      for (let i = 0; i < 100; i++) {
        const status = await pane.inPopup<string>(`(c) => c.document.getElementById('action-status')?.textContent ?? ''`);
        if (/Tracked as|Could not track/.test(status)) return expect(status).toMatch(/^Tracked as \S+/);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no answer to Track this e-mail');
    });
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=50',
      headers: { authorization: `Bearer ${s.tokens.anna}` },
    });
    const task = res.json().openTasks.find((t: { subject: string }) => t.subject === 'Harmonogram wdrożenia');
    expect(task).toBeDefined();
    expect((await pane.snapshot()).text).toContain(`${task.number} Harmonogram wdrożenia`);
  });

  it("names another server's host, asks Thunderbird for it, and the sign-in survives the prompt closing the pane", { timeout: 90_000 }, async () => {
    // A second server at 127.0.0.2, which the manifest's host permissions do not cover, with a
    // leaf for that address from the same (trusted) dev CA.
    const key = join(dir, 'other-key.pem');
    const crt = join(dir, 'other.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-CA',
        join(certDir, 'rapport-dev-ca.pem'),
        '-CAkey',
        join(certDir, 'rapport-dev-ca-key.pem'),
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.2',
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'extendedKeyUsage=serverAuth',
        '-addext',
        'subjectAltName=IP:127.0.0.2',
        '-keyout',
        key,
        '-out',
        crt,
      ],
      { stdio: 'pipe' },
    );
    const other = await createApiServer({ crm: s.crm, tls: { key: readFileSync(key), cert: readFileSync(crt) }, paneDir: false });
    await other.listen({ port: 0, host: '127.0.0.2' });
    const otherOrigin = `https://127.0.0.2:${(other.server.address() as { port: number }).port}`;
    try {
      await step('signed in to the first server', () => signedInPane(KNOWN));
      await pane.inPopup(`(c) => c.document.getElementById('signout').click()`);
      await pane.waitFor('signin');
      // Typed and clicked as a user would: trusted events, so permissions.request is allowed.
      const said = await pane.inPopup<string>(`(c) => {
        const d = c.document;
        for (const [id, value] of [['server', ${JSON.stringify(otherOrigin)}], ['token', ${JSON.stringify(s.tokens.anna)}]]) {
          d.getElementById(id).value = value;
          d.getElementById(id).dispatchEvent(new c.Event('input', { bubbles: true }));
        }
        const r = d.getElementById('signin').getBoundingClientRect();
        // Window.synthesizeMouseEvent (privileged, what Gecko's EventUtils uses): trusted events
        // inside the page, no X click (which would close the popup on bare Xvfb).
        for (const [type, buttons] of [['mousedown', 1], ['mouseup', 0]]) {
          c.synthesizeMouseEvent(type, r.left + r.width / 2, r.top + r.height / 2, { button: 0, buttons, clickCount: 1 }, { isDOMEventSynthesized: true, isWidgetEventSynthesized: false, isAsyncEnabled: false });
        }
        // The submit handler ran synchronously: what the pane said as it asked.
        return d.getElementById('signin-status').textContent;
      }`);
      // Thunderbird 153's prompt lists no host permission (its list stays empty), so the pane
      // names the host itself before asking.
      expect(said).toContain(otherOrigin);
      const prompt = await step("Thunderbird's permission prompt", () =>
        tb.marionette.execute<string>(
          `for (let i = 0; i < 100; i++) {
            const n = PopupNotifications.getNotification('addon-webext-permissions');
            const panel = document.getElementById('addon-webext-permissions-notification');
            if (n && panel) return panel.querySelector('.popup-notification-description').textContent;
            await new Promise((r) => setTimeout(r, 100));
          }
          throw new Error('no permission prompt');`,
        ),
      );
      expect(prompt).toContain('Rapport CRM requests additional permissions');
      // The user allows it.
      await tb.marionette.execute(`document.getElementById('addon-webext-permissions-notification').button.click();`);
      await pane.close();
      await pane.open();
      const view = await step('reopened after allowing', () => pane.waitFor('ready', `<${KNOWN}>`));
      expect(view.text).toContain('Zefir J. Nowak i E. Nowak');
      expect(await pane.inPopup(`(c) => c.wrappedJSObject.messenger.storage.local.get('serverUrl').then((v) => v.serverUrl)`)).toBe(otherOrigin);
    } finally {
      await pane.inPopup(`(c) => c.wrappedJSObject.messenger.storage.local.set({ serverUrl: ${JSON.stringify(origin)} })`).catch(() => undefined);
      await pane.close().catch(() => undefined);
      await other.close();
    }
  });

  it('says why the server cannot be reached: an untrusted certificate, a refused connection', { timeout: 60_000 }, async () => {
    // A server whose certificate comes from another CA, which this profile does not trust.
    const other = ensureDevCertificate(join(mkdtempSync(join(tmpdir(), 'rapport-tb-untrusted-')), 'certs'));
    const untrusted = createServer({ key: other.key, cert: other.cert }, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => untrusted.listen(0, '127.0.0.1', resolve));
    const refused = await freePort();
    try {
      for (const [server, expected] of [
        [`https://localhost:${(untrusted.address() as { port: number }).port}`, /certificate is not trusted \(.+\)/],
        [`https://localhost:${refused}`, /connection was refused/],
      ] as const) {
        await pane.select(KNOWN);
        await pane.open();
        await pane.inPopup(`(c) => c.wrappedJSObject.messenger.storage.local.set({ serverUrl: ${JSON.stringify(server)} })`);
        await pane.close();
        await pane.open();
        const failed = await step(`pane against ${server}`, () => pane.waitFor('error', `<${KNOWN}>`));
        expect(failed.text).toMatch(expected);
        await pane.inPopup(`(c) => c.wrappedJSObject.messenger.storage.local.set({ serverUrl: ${JSON.stringify(origin)} })`);
        await pane.close();
      }
    } finally {
      untrusted.close();
    }
  });
});
