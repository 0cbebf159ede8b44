import type { HistoryView } from '../server/history.js';
import type { CurrentMessage, MailHost } from '../hosts/host.js';
import { officeHost } from '../hosts/office.js';
import { thunderbirdHost } from '../hosts/thunderbird.js';
import { apiClient, PaneApiError, type ApiClient } from './api.js';
import { h, mount } from './dom.js';
import { readable } from './idn.js';
import { startNotifications } from './notifications.js';
import { startTasksTab } from './tasks.js';

type PaneState = 'loading' | 'signin' | 'empty' | 'ready' | 'error';

const root = document.getElementById('app')!;
let host: MailHost;
let client: ApiClient | null = null;
let operatorName = '';
let lastServerUrl: string | null = null;
let generation = 0;
let changedAt = 0;
let notices: { stop(): void } | null = null;
let tasksTab: { stop(): void } | null = null;

/** Shows the notification bar and the "My tasks" tab for the signed-in operator (or removes them on sign-out). */
function useClient(next: ApiClient | null) {
  client = next;
  notices?.stop();
  tasksTab?.stop();
  notices = next ? startNotifications(next) : null;
  tasksTab = next ? startTasksTab(next) : null;
}

const money = (minor: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
};
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');

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
    renderHistory(msg, history);
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

function messageCard(msg: CurrentMessage) {
  return h(
    'section',
    { class: 'card message' },
    h('div', { class: 'subject', id: 'subject' }, msg.subject || '(no subject)'),
    h('div', { class: 'from' }, msg.from?.name ? `${msg.from.name} <${readable(msg.from.address)}>` : readable(msg.from?.address ?? '')),
    msg.attachments.length
      ? h(
          'ul',
          { class: 'attachments' },
          ...msg.attachments.map((a) => h('li', null, a.name, a.size !== null ? h('span', { class: 'muted' }, ` ${Math.ceil(a.size / 1024)} KB`) : null)),
        )
      : null,
  );
}

function renderHistory(msg: CurrentMessage, v: HistoryView) {
  const status = h('p', { class: 'notice', role: 'status', id: 'action-status' });
  const trackButton = h('button', { class: 'primary', id: 'track', onclick: () => void track(trackButton, status) }, 'Track this e-mail');
  const actions = h('div', { class: 'actions' }, trackButton);
  if (!v.person) {
    const addButton: HTMLButtonElement = h('button', { id: 'add-contact', onclick: () => void addContact(msg, addButton, status) }, 'Add sender as contact');
    actions.append(addButton);
  }

  const partnerCard = v.partner
    ? h(
        'section',
        { class: 'card partner', id: 'partner' },
        h('h2', null, v.partner.name),
        h('div', { class: 'meta' }, h('span', { class: 'code' }, v.partner.code), ' · ', v.partner.kind, v.partner.taxId ? ` · NIP ${v.partner.taxId}` : ''),
        v.partner.salesBlocked ? h('div', { class: 'badge blocked' }, 'Sales blocked') : null,
        v.partner.phones.length ? h('div', { class: 'muted' }, v.partner.phones.join(', ')) : null,
      )
    : h(
        'section',
        { class: 'card unknown', id: 'unknown' },
        h('h2', null, v.person ? v.person.name : 'Unknown sender'),
        h('p', { class: 'muted' }, v.hint ?? (v.person ? 'This contact belongs to no partner.' : '')),
      );

  const persons = v.persons.length
    ? more(
        'Contacts',
        'persons',
        v.persons.map((p) =>
          h(
            'li',
            { class: p.id === v.person?.id ? 'current' : '' },
            h('strong', null, p.name),
            p.position ? ` · ${p.position}` : '',
            h('div', { class: 'muted' }, p.emails.map(readable).join(', ')),
          ),
        ),
      )
    : null;

  const tasks = section(
    'Open tasks',
    'tasks',
    v.openTasks.map((t) =>
      h(
        'li',
        { class: t.overdue ? 'task overdue' : 'task', data: { taskId: t.id } },
        h('div', null, h('span', { class: 'number' }, t.number), ' ', t.subject, t.private ? h('span', { class: 'badge' }, 'private') : null),
        h('div', { class: 'due' }, t.dueAt ? `Due ${when(t.dueAt)}` : 'No due date', t.overdue ? h('span', { class: 'badge overdue' }, 'overdue') : null),
        t.stages.total
          ? h(
              'div',
              { class: 'stages' },
              h('progress', { max: t.stages.total, value: String(t.stages.done) }),
              ` ${t.stages.done}/${t.stages.total}`,
              t.stages.current ? ` · next: ${t.stages.current}` : '',
            )
          : null,
      ),
    ),
    'No open tasks.',
  );

  const emails = v.emails.length
    ? more(
        'Last e-mails',
        'emails',
        v.emails.map((e) =>
          h(
            'li',
            null,
            h('div', null, e.subject || '(no subject)'),
            h('div', { class: 'muted' }, [e.from && readable(e.from), when(e.at)].filter(Boolean).join(' · ')),
            e.snippet ? h('div', { class: 'snippet' }, e.snippet) : null,
          ),
        ),
      )
    : null;
  const opportunities = v.opportunities.length
    ? more(
        'Opportunities',
        'opportunities',
        v.opportunities.map((o) => h('li', null, o.name, h('span', { class: 'muted' }, ` · ${o.stage} · ${money(o.amount, o.currency)}`))),
      )
    : null;
  const timeline = v.timeline.items.length
    ? more(
        'History',
        'timeline',
        v.timeline.items.slice(0, 8).map((i) => h('li', null, h('span', { class: 'muted' }, when(i.at as unknown as string)), ' ', i.title)),
      )
    : null;

  mount(root, messageCard(msg), partnerCard, actions, status, tasks, persons, emails, opportunities, timeline, footer());
}

function section(title: string, id: string, items: HTMLElement[], empty?: string) {
  return h('section', { class: 'list', id }, h('h3', null, title), items.length ? h('ul', null, ...items) : h('p', { class: 'muted' }, empty ?? ''));
}

/**
 * A secondary list. Thunderbird's popup is at most 600 px tall and sizes itself to the page, so
 * there these lists start folded (title and count) and the partner and open tasks fit unscrolled;
 * Outlook's task pane is as tall as the window and shows them open.
 */
function more(title: string, id: string, items: HTMLElement[]) {
  if (host.kind !== 'thunderbird') return section(title, id, items);
  return h('details', { class: 'list', id }, h('summary', null, `${title} (${items.length})`), h('ul', null, ...items));
}

function footer() {
  return h(
    'footer',
    null,
    operatorName ? `Signed in as ${operatorName} · ` : '',
    h('button', { class: 'link', id: 'signout', onclick: () => void signOut() }, 'Sign out'),
  );
}

async function track(button: HTMLButtonElement, status: HTMLElement) {
  button.disabled = true;
  status.textContent = 'Tracking…';
  try {
    const result = await client!.track(await host.rawSource());
    const number = result.task?.number ?? '';
    await refresh();
    const after = document.getElementById('action-status');
    if (after) after.textContent = result.duplicate ? `Already tracked as ${number}.` : `Tracked as ${number}.`;
  } catch (err) {
    status.textContent = `Could not track: ${(err as Error).message}`;
    status.className = 'notice error';
    button.disabled = false;
  }
}

async function addContact(msg: CurrentMessage, button: HTMLButtonElement, status: HTMLElement) {
  button.disabled = true;
  try {
    await client!.addPerson({ email: msg.from!.address, name: msg.from!.name });
    await refresh();
    const after = document.getElementById('action-status');
    if (after) after.textContent = 'Contact added.';
  } catch (err) {
    status.textContent = `Could not add the contact: ${(err as Error).message}`;
    status.className = 'notice error';
    button.disabled = false;
  }
}

void start();
