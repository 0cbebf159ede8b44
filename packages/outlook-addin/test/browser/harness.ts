import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createApiServer, ensureDevCertificate } from '@rapport/outlook-addin';
import { buildPane } from '../../src/build/pane.js';
import type { OfficeApi, OfficeReadItem } from '../../src/hosts/office.js';
import { ensureDebianPackages } from '../debian.js';
import { seed, type Seeded } from '../fixtures.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Installs Debian's chromium when it is missing (root, no downloads by Playwright). */
export function ensureChromium() {
  ensureDebianPackages({ [CHROMIUM]: 'chromium' });
}

export function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface PaneServer {
  s: Seeded;
  app: FastifyInstance;
  origin: string;
  ca: Buffer;
  close(): Promise<void>;
  /** GET an API path over HTTPS as a token. */
  get(path: string, token: string): Promise<any>;
}

/** The real API server over HTTPS on loopback, serving a freshly built pane, on a seeded store. */
export async function startPaneServer(seeded?: Seeded): Promise<PaneServer> {
  const s = seeded ?? (await seed());
  const dir = mkdtempSync(join(tmpdir(), 'rapport-pane-'));
  const cert = ensureDevCertificate(join(dir, 'certs'));
  await buildPane(join(dir, 'pane'));
  const app = await createApiServer({ crm: s.crm, tls: cert, paneDir: join(dir, 'pane') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const get = (path: string, token: string) =>
    new Promise((resolve, reject) => {
      const req = request(`${origin}${path}`, { ca: cert.ca, headers: { authorization: `Bearer ${token}` }, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      });
      req.on('error', reject);
      req.end();
    });
  return { s, app, origin, ca: cert.ca, get, close: async () => (await app.close(), await s.crm.close()) };
}

/** A new browser context that accepts the dev certificate and reaches nothing but the pane server. */
export async function paneContext(browser: Browser, origin: string, options: { timezoneId?: string } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  // tsx (used by the benchmark) compiles with keepNames: serialised fakes then call __name().
  await context.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
  // No network beyond the pane server: office.js comes from a stub.
  await context.route('https://appsforoffice.microsoft.com/**', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: '/* office.js stub: the test injects Office */' }),
  );
  await context.route(
    (url) => url.origin !== origin && !url.href.startsWith('https://appsforoffice.microsoft.com/'),
    (route) => route.abort(),
  );
  return context;
}

/** A message as the fakes describe it. */
export interface FakeMessage {
  from: { name: string; address: string };
  to?: Array<{ name: string; address: string }>;
  subject: string;
  internetMessageId: string;
  attachments?: Array<{ name: string; size: number }>;
  body?: string;
  /** base64 source handed out by getAsFileAsync / getRaw; absent → Outlook builds one from fields. */
  raw?: string;
}

/**
 * Installed as an init script: a fake `Office` with a mailbox whose item the test can change.
 * Typed against @types/office-js (OfficeApi: the part of office.js the host uses), so it cannot
 * drift from the real API's names and shapes. Enum values are the strings office.js uses; the
 * casts are type-only because this function runs in the page, before any Office exists.
 */
export function fakeOffice(init: { settings: Record<string, string>; item: FakeMessage | null; mailbox114: boolean }) {
  const w = window as any;
  const handlers: Array<(e: unknown) => void> = [];
  // office.js's enums are plain strings at run time.
  const en = <E>(value: string) => value as unknown as E;
  const ok = <T>(value: T) => ({ status: en<Office.AsyncResultStatus.Succeeded>('succeeded'), value }) as Office.AsyncResult<T>;
  // office.js's optional-argument convention: (…, options?, callback?) — the callback is the last function.
  const callbackOf = <T>(args: unknown[]) => args.find((a): a is (r: Office.AsyncResult<T>) => void => typeof a === 'function');
  const address = (a: { name: string; address: string }): Office.EmailAddressDetails => ({
    displayName: a.name,
    emailAddress: a.address,
    recipientType: en<Office.MailboxEnums.RecipientType>('externalUser'),
    appointmentResponse: en<Office.MailboxEnums.ResponseType>('none'),
  });
  const toItem = (m: FakeMessage | null): OfficeReadItem | null =>
    m && {
      from: address(m.from),
      sender: address(m.from),
      to: (m.to ?? []).map(address),
      cc: [],
      subject: m.subject,
      internetMessageId: m.internetMessageId,
      dateTimeCreated: new Date('2026-11-04T08:15:00Z'),
      attachments: (m.attachments ?? []).map((a, i) => ({
        id: `AAMk${i}`,
        name: a.name,
        size: a.size,
        contentType: 'application/octet-stream',
        attachmentType: en<Office.MailboxEnums.AttachmentType>('file'),
        isInline: false,
        contentId: '',
      })),
      body: { getAsync: (_coercion: Office.CoercionType, ...rest: unknown[]) => callbackOf<string>(rest)?.(ok(m.body ?? '')) },
      ...(init.mailbox114 && m.raw ? { getAsFileAsync: (...args: unknown[]) => void setTimeout(() => callbackOf<string>(args)?.(ok(m.raw!)), 0) } : {}),
    };
  const fake = { item: toItem(init.item), settings: { ...init.settings } as Record<string, unknown>, saved: 0 };
  w.__fake = {
    setItem(m: FakeMessage | null) {
      fake.item = toItem(m);
      for (const h of handlers) h({ type: 'olkItemSelectedChanged' });
    },
    settings: () => fake.settings,
  };
  const office: OfficeApi = {
    onReady: () => Promise.resolve({ host: en<Office.HostType>('Outlook'), platform: en<Office.PlatformType>('OfficeOnline') }),
    EventType: { ItemChanged: en<Office.EventType.ItemChanged>('olkItemSelectedChanged') },
    CoercionType: { Text: en<Office.CoercionType.Text>('text') },
    AsyncResultStatus: { Succeeded: en<Office.AsyncResultStatus.Succeeded>('succeeded'), Failed: en<Office.AsyncResultStatus.Failed>('failed') },
    context: {
      mailbox: {
        get item() {
          return fake.item;
        },
        addHandlerAsync: (_event: Office.EventType, handler: (e: unknown) => void, ...rest: unknown[]) => {
          handlers.push(handler);
          callbackOf<void>(rest)?.(ok(undefined));
        },
      },
      // Requirement-set versions compare by minor number: Mailbox 1.5 < 1.13 < 1.14.
      requirements: {
        isSetSupported: (name: string, version?: string | number) =>
          name === 'Mailbox' && Number(String(version ?? '1.1').split('.')[1] ?? 0) <= (init.mailbox114 ? 14 : 13),
      },
      roamingSettings: {
        get: (k: string) => fake.settings[k],
        set: (k: string, v: unknown) => void (fake.settings[k] = v),
        remove: (k: string) => void delete fake.settings[k],
        saveAsync: (...args: unknown[]) => (fake.saved++, callbackOf<void>(args)?.(ok(undefined))),
      },
    },
  };
  w.Office = office;
}

/** What a fake Thunderbird starts with: storage, the displayed message, origins already allowed. */
export interface FakeMessengerInit {
  settings: Record<string, string>;
  item: FakeMessage | null;
  /** Origins (`https://host:port`) the extension may reach without asking. */
  granted?: string[];
}

/**
 * Installed as an init script: a fake Thunderbird `messenger` (Manifest V3) showing one message
 * in the active tab. Shaped as Thunderbird's MV3 schema says; test/thunderbird-schema.test.ts
 * checks it against the schema of the installed Thunderbird.
 */
export function fakeMessenger(init: FakeMessengerInit) {
  const w = window as any;
  const listeners: Array<(tab: unknown, displayedMessages: unknown) => void> = [];
  let current = init.item;
  const storage: Record<string, unknown> = { ...init.settings };
  // Granted host permissions are match patterns without a port (`https://localhost/*`, as in the
  // manifest); Thunderbird's contains() covers a requested pattern only when it is one of them.
  const granted = new Set((init.granted ?? []).map((o) => `${new URL(o).protocol}//${new URL(o).hostname}/*`));
  const requested: string[][] = [];
  const tab = { id: 1, windowId: 1, index: 0, active: true, highlighted: true, selected: true, type: 'mail', status: 'complete' };
  const header = (m: FakeMessage) => ({
    id: 42,
    author: m.from.name ? `${m.from.name} <${m.from.address}>` : m.from.address,
    recipients: (m.to ?? []).map((a) => `${a.name} <${a.address}>`),
    ccList: [],
    bccList: [],
    subject: m.subject,
    headerMessageId: m.internetMessageId.replace(/^<|>$/g, ''),
    date: new Date('2026-11-04T08:15:00Z'),
    external: false,
    flagged: false,
    headersOnly: false,
    junk: false,
    junkScore: 0,
    priority: 'normal',
    read: true,
    new: false,
    size: m.raw ? atob(m.raw).length : 1000,
    tags: [],
  });
  // messages.MessageList: one page, no continuation.
  const list = () => ({ id: null, messages: current ? [header(current)] : [] });
  const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  w.__fake = {
    display(m: FakeMessage | null) {
      current = m;
      for (const l of listeners) l(tab, list());
    },
    settings: () => storage,
    requested: () => requested,
  };
  w.messenger = {
    tabs: { query: async () => [tab] },
    messageDisplay: {
      getDisplayedMessages: async () => list(),
      onMessagesDisplayed: { addListener: (l: (tab: unknown, displayedMessages: unknown) => void) => void listeners.push(l) },
    },
    messages: {
      continueList: async () => ({ id: null, messages: [] }),
      // MV3's default format is a DOM File; BinaryString on request.
      getRaw: async (_id: number, options?: { data_format?: string }) =>
        options?.data_format === 'BinaryString' ? atob(current!.raw!) : new File([bytes(current!.raw!)], 'message.eml', { type: 'message/rfc822' }),
      listAttachments: async () =>
        (current?.attachments ?? []).map((a, i) => ({
          contentDisposition: 'attachment',
          contentType: 'application/octet-stream',
          type: 'normal',
          headers: { 'content-type': ['application/octet-stream'] },
          name: a.name,
          partName: `1.${i + 2}`,
          size: a.size,
        })),
    },
    storage: {
      local: {
        get: async (keys: string[] | string) =>
          Object.fromEntries(
            [keys]
              .flat()
              .filter((k) => k in storage)
              .map((k) => [k, storage[k]]),
          ),
        set: async (v: Record<string, unknown>) => void Object.assign(storage, v),
        remove: async (keys: string[] | string) => [keys].flat().forEach((k) => delete storage[k]),
      },
    },
    permissions: {
      contains: async (p: { origins?: string[] }) => (p.origins ?? []).every((o) => granted.has(o)),
      // Thunderbird's prompt closes the popup: the promise never settles in this page. The test
      // opens a new popup with the grant, as the user would after allowing.
      request: (p: { origins?: string[] }) => (requested.push(p.origins ?? []), new Promise<boolean>(() => {})),
    },
    webRequest: { onErrorOccurred: { addListener: () => undefined } },
  };
}
