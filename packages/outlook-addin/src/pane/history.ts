import type { HistoryView } from '../server/history.js';
import type { CurrentMessage, MailHost } from '../hosts/host.js';
import type { ApiClient } from './api.js';
import { h, mount } from './dom.js';
import { readable } from './idn.js';

/** What the sender's history needs from the pane around it. */
export interface HistoryContext {
  host: MailHost;
  client: ApiClient;
  /** Loads the current message's history again, after an action changed it. */
  refresh(): Promise<void>;
  /** The footer: who is signed in, and "Sign out". */
  footer(): HTMLElement;
}

const money = (minor: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
};
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');

/** The message being read: subject, sender, attachments. */
export function messageCard(msg: CurrentMessage) {
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

/** Shows the sender's history (partner, contacts, open tasks, e-mails, opportunities, timeline) in `root`. */
export function renderHistory(root: HTMLElement, msg: CurrentMessage, v: HistoryView, ctx: HistoryContext) {
  const status = h('p', { class: 'notice', role: 'status', id: 'action-status' });
  const trackButton = h('button', { class: 'primary', id: 'track', onclick: () => void track(ctx, trackButton, status) }, 'Track this e-mail');
  const actions = h('div', { class: 'actions' }, trackButton);
  if (!v.person) {
    const addButton: HTMLButtonElement = h(
      'button',
      { id: 'add-contact', onclick: () => void addContact(ctx, msg, addButton, status) },
      'Add sender as contact',
    );
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
        ctx.host,
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
        ctx.host,
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
        ctx.host,
        'Opportunities',
        'opportunities',
        v.opportunities.map((o) => h('li', null, o.name, h('span', { class: 'muted' }, ` · ${o.stage} · ${money(o.amount, o.currency)}`))),
      )
    : null;
  const timeline = v.timeline.items.length
    ? more(
        ctx.host,
        'History',
        'timeline',
        v.timeline.items.slice(0, 8).map((i) => h('li', null, h('span', { class: 'muted' }, when(i.at as unknown as string)), ' ', i.title)),
      )
    : null;

  mount(root, messageCard(msg), partnerCard, actions, status, tasks, persons, emails, opportunities, timeline, ctx.footer());
}

function section(title: string, id: string, items: HTMLElement[], empty?: string) {
  return h('section', { class: 'list', id }, h('h3', null, title), items.length ? h('ul', null, ...items) : h('p', { class: 'muted' }, empty ?? ''));
}

/**
 * A secondary list. Thunderbird's popup is at most 600 px tall and sizes itself to the page, so
 * there these lists start folded (title and count) and the partner and open tasks fit unscrolled;
 * Outlook's task pane is as tall as the window and shows them open.
 */
function more(host: MailHost, title: string, id: string, items: HTMLElement[]) {
  if (host.kind !== 'thunderbird') return section(title, id, items);
  return h('details', { class: 'list', id }, h('summary', null, `${title} (${items.length})`), h('ul', null, ...items));
}

async function track(ctx: HistoryContext, button: HTMLButtonElement, status: HTMLElement) {
  button.disabled = true;
  status.textContent = 'Tracking…';
  try {
    const result = await ctx.client.track(await ctx.host.rawSource());
    const number = result.task?.number ?? '';
    await ctx.refresh();
    const after = document.getElementById('action-status');
    if (after) after.textContent = result.duplicate ? `Already tracked as ${number}.` : `Tracked as ${number}.`;
  } catch (err) {
    status.textContent = `Could not track: ${(err as Error).message}`;
    status.className = 'notice error';
    button.disabled = false;
  }
}

async function addContact(ctx: HistoryContext, msg: CurrentMessage, button: HTMLButtonElement, status: HTMLElement) {
  button.disabled = true;
  try {
    await ctx.client.addPerson({ email: msg.from!.address, name: msg.from!.name });
    await ctx.refresh();
    const after = document.getElementById('action-status');
    if (after) after.textContent = 'Contact added.';
  } catch (err) {
    status.textContent = `Could not add the contact: ${(err as Error).message}`;
    status.className = 'notice error';
    button.disabled = false;
  }
}
