import type { MailHost } from '../hosts/host.js';
import { officeHost } from '../hosts/office.js';
import { thunderbirdHost } from '../hosts/thunderbird.js';
import { apiClient, PaneApiError, type ApiClient } from './api.js';
import { h, mount } from './dom.js';
import { messageCard, renderHistory } from './history.js';
import { startNotifications } from './notifications.js';
import { startTasksTab } from './my-tasks.js';

type PaneState = 'loading' | 'signin' | 'empty' | 'ready' | 'error';

const root = document.getElementById('app')!;
let host: MailHost;
let client: ApiClient | null = null;
let operatorName = '';
let lastServerUrl: string | null = null;
let generation = 0;
let changedAt = 0;
let notices: { stop(): void } | null = null;
let tasksTab: ReturnType<typeof startTasksTab> | null = null;

/** Shows the notification bar and the "My tasks" tab for the signed-in operator (or removes them on sign-out). */
function useClient(next: ApiClient | null) {
  client = next;
  notices?.stop();
  tasksTab?.stop();
  tasksTab = next ? startTasksTab(next) : null;
  notices = next ? startNotifications(next, () => tasksTab?.changed()) : null;
}

/** Marks what the pane shows, for tests and the benchmark (data-state on <body>, a DOM event). */
function settle(state: PaneState, messageId: string | null = null) {
  document.body.dataset.state = state;
  document.body.dataset.messageId = messageId ?? '';
  const ms = changedAt ? performance.now() - changedAt : 0;
  window.dispatchEvent(new CustomEvent('rapport:rendered', { detail: { state, messageId, ms } }));
}

function pickHost(): Promise<MailHost> | MailHost {
  const g = globalThis as { messenger?: { messageDisplay?: unknown }; Office?: unknown };
  if (g.messenger?.messageDisplay) return thunderbirdHost();
  if (g.Office) return officeHost();
  throw new Error('Open this pane from Outlook or Thunderbird.');
}

async function start() {
  try {
    host = await pickHost();
  } catch (err) {
    mount(root, h('p', { class: 'notice error' }, (err as Error).message));
    return settle('error');
  }
  host.onMessageChanged(() => {
    changedAt = performance.now();
    void refresh();
  });
  const [server, token, name] = await Promise.all(['serverUrl', 'token', 'operatorName'].map((k) => host.settings.get(k)));
  lastServerUrl = server ?? null;
  if (!server || !token || (host.serverFixed && server !== host.defaultServerUrl())) return showSignIn();
  // A sign-in cut short by the permission prompt (it closes Thunderbird's popup) resumes here.
  if (host.access && !(await host.access.has(server)))
    return showSignIn(`Rapport needs your permission to reach ${server}: press Sign in and allow it.`, token);
  if (!name) return void completeSignIn(server, token, Promise.resolve(true), null);
  operatorName = name;
  useClient(connect(server, token));
  await refresh();
}

const connect = (server: string, token: string) => apiClient(server, token, { networkFailure: host.networkFailure?.bind(host) });

/** Origins the host already lets the pane reach, learnt before the user presses Sign in. */
const granted = new Map<string, boolean>();
function learnAccess(serverUrl: string) {
  const origin = originOf(serverUrl);
  if (host.access && origin && !granted.has(origin)) void host.access.has(origin).then((yes) => granted.set(origin, yes));
}
function originOf(serverUrl: string): string | null {
  try {
    return new URL(serverUrl).origin;
  } catch {
    return null;
  }
}

function showSignIn(message?: string, pendingToken?: string) {
  generation++;
  useClient(null);
  const serverUrl = host.serverFixed ? host.defaultServerUrl() : (lastServerUrl ?? host.defaultServerUrl());
  const server = h('input', {
    type: 'url',
    name: 'server',
    id: 'server',
    placeholder: 'https://crm.example.com',
    value: serverUrl,
    readOnly: host.serverFixed,
  });
  const token = h('input', { type: 'password', name: 'token', id: 'token', placeholder: 'rpt_…', value: pendingToken });
  const status = h('p', { class: 'notice', role: 'status', id: 'signin-status' }, message ?? '');
  learnAccess(serverUrl);
  server.addEventListener('input', () => learnAccess(server.value.trim()));
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: (ev) => {
        ev.preventDefault();
        signIn(server.value.trim(), token.value.trim(), status);
      },
    },
    h('h2', null, 'Sign in to Rapport'),
    h('label', null, 'Server URL', server),
    h('label', null, 'API token', token),
    h('p', { class: 'muted' }, 'Create a token with: rapport tokens create --operator YOUR-EMAIL'),
    h('button', { type: 'submit', class: 'primary', id: 'signin' }, 'Sign in'),
    status,
  );
  mount(root, form);
  settle('signin');
}

/**
 * Runs synchronously in the submit handler: a permission request is only allowed while the
 * browser handles the user's action, and its prompt may close the popup, so the URL and token
 * are stored first and the next opening of the pane resumes the sign-in (see start()).
 */
function signIn(serverUrl: string, token: string, status: HTMLElement) {
  const fail = (message: string) => ((status.textContent = message), (status.className = 'notice error'));
  const origin = originOf(serverUrl);
  if (!origin) return fail(`Not a server URL: ${serverUrl}`);
  const url = new URL(origin);
  if (url.protocol !== 'https:' && url.hostname !== 'localhost' && url.hostname !== '127.0.0.1') return fail('The server must use https.');
  if (!token) return fail('Enter an API token.');
  lastServerUrl = origin;
  const saved = host.settings.set({ serverUrl: origin, token, operatorName: null });
  let access = Promise.resolve(true);
  if (host.access && granted.get(origin) !== true) {
    status.textContent = `Thunderbird asks you to allow Rapport to reach ${origin}.`;
    status.className = 'notice';
    access = host.access.request(origin);
  }
  void completeSignIn(origin, token, access, status, saved);
}

async function completeSignIn(origin: string, token: string, access: Promise<boolean>, status: HTMLElement | null, saved: Promise<void> = Promise.resolve()) {
  try {
    await saved;
    // A request outside a user action is refused even when access is there (granted while the
    // form was filled in): ask once more whether it is.
    if (!(await access) && !(await host.access?.has(origin))) throw new Error(`Access to ${origin} was not granted.`);
    granted.set(origin, true);
    const candidate = connect(origin, token);
    const me = await candidate.me();
    operatorName = me.operator.name;
    await host.settings.set({ operatorName });
    useClient(candidate);
    await refresh();
  } catch (err) {
    const rejected = err instanceof PaneApiError && err.status === 401;
    if (rejected) await host.settings.set({ token: null, operatorName: null });
    const message = rejected ? 'The token was not accepted.' : (err as Error).message;
    if (!status) return showSignIn(message, rejected ? undefined : token);
    status.textContent = message;
    status.className = 'notice error';
  }
}

async function signOut() {
  await host.settings.set({ token: null, operatorName: null });
  showSignIn('Signed out.');
}

async function refresh() {
  const gen = ++generation;
  if (!client) return showSignIn();
  const msg = await host.currentMessage().catch(() => null);
  if (gen !== generation) return;
  if (!msg || !msg.from) {
    mount(root, h('p', { class: 'notice empty' }, 'Select a message to see its sender in Rapport.'), footer());
    return settle('empty');
  }
  root.setAttribute('aria-busy', 'true');
  try {
    const history = await client.history(msg.from.address);
    if (gen !== generation) return;
    renderHistory(root, msg, history, { host, client, refresh, footer });
    settle('ready', msg.internetMessageId);
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof PaneApiError && err.status === 401) return showSignIn('Your token is no longer valid; sign in again.');
    mount(root, messageCard(msg), h('p', { class: 'notice error' }, `Rapport: ${(err as Error).message}`), footer());
    settle('error', msg.internetMessageId);
  } finally {
    root.removeAttribute('aria-busy');
  }
}

function footer() {
  return h(
    'footer',
    null,
    operatorName ? `Signed in as ${operatorName} · ` : '',
    h('button', { class: 'link', id: 'signout', onclick: () => void signOut() }, 'Sign out'),
  );
}

void start();
