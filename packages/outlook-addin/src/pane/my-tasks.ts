import type { ApiClient, PaneView, PaneViewRow } from './api.js';
import { h, mount } from './dom.js';
import { tabBar } from './tabs.js';

/** The view the tab opens with: the operator's own open tasks. */
export const DEFAULT_VIEW = 'builtin:my-tasks';

/** Icons a view's formatting rule may name (core's closed list), as text the pane can show. */
const ICONS: Record<string, { symbol: string; label: string }> = {
  alert: { symbol: '⚠', label: 'alert' },
  clock: { symbol: '⏰', label: 'clock' },
  check: { symbol: '✓', label: 'done' },
  star: { symbol: '★', label: 'star' },
  flag: { symbol: '⚑', label: 'flag' },
  lock: { symbol: '🔒', label: 'locked' },
  mail: { symbol: '✉', label: 'mail' },
  phone: { symbol: '☎', label: 'phone' },
};
const COLOUR = /^#[0-9a-f]{6}$/i;

type Bucket = 'overdue' | 'today' | 'week' | 'later';
const BUCKETS: Array<{ key: Bucket; title: string; empty: string }> = [
  { key: 'overdue', title: 'Overdue', empty: 'Nothing overdue.' },
  { key: 'today', title: 'Today', empty: 'Nothing due today.' },
  { key: 'week', title: 'This week', empty: 'Nothing else due this week.' },
  { key: 'later', title: 'Later or no due date', empty: '' },
];

/**
 * Where a row falls, by its due date against the server's clock, in the pane's time zone:
 * before now → overdue; before tomorrow → today; before next Monday → this week.
 */
export function bucketOf(dueAt: string | null | undefined, now: Date, timeZone: string): Bucket {
  if (!dueAt) return 'later';
  const due = new Date(dueAt);
  if (due.getTime() < now.getTime()) return 'overdue';
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const today = day(now);
  const dueDay = day(due);
  if (dueDay === today) return 'today';
  // Days to the end of the week (weeks start on Monday, as in core's relative dates).
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(now);
  const daysLeft = 7 - ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(weekday);
  const span = (Date.parse(`${dueDay}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000;
  return span < daysLeft ? 'week' : 'later';
}

const when = (iso: string, timeZone: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone });

/** One task: register colour as a swatch, the view's style on the row, the icon with a label. */
function row(r: PaneViewRow, timeZone: string): HTMLLIElement {
  const v = r.values;
  const text = (key: string) => (typeof v[key] === 'string' ? (v[key] as string) : '');
  const icon = r.style?.icon ? ICONS[r.style.icon] : undefined;
  const li = h(
    'li',
    { class: 'task', data: { taskId: r.id, rule: r.rule === null ? '' : String(r.rule) } },
    h('span', { class: 'swatch', title: 'Register colour' }),
    h(
      'div',
      { class: 'what' },
      icon ? h('span', { class: 'icon', role: 'img', title: icon.label }, icon.symbol, ' ') : null,
      text('number') ? h('span', { class: 'number' }, text('number')) : null,
      ' ',
      h('span', { class: 'subject' }, text('subject') || '(no subject)'),
    ),
    h('div', { class: 'muted' }, [text('partner.name'), text('dueAt') ? `Due ${when(text('dueAt'), timeZone)}` : 'No due date'].filter(Boolean).join(' · ')),
  );
  li.tabIndex = 0;
  li.setAttribute(
    'aria-label',
    [icon?.label, text('number'), text('subject'), text('dueAt') ? `due ${when(text('dueAt'), timeZone)}` : ''].filter(Boolean).join(', '),
  );
  // Styles through the CSSOM (the pane's CSP allows no style attributes); colours are checked.
  const colour = text('register.color');
  if (COLOUR.test(colour)) (li.firstElementChild as HTMLElement).style.backgroundColor = colour;
  else li.classList.add('no-register');
  const s = r.style;
  if (s?.color && COLOUR.test(s.color)) li.style.color = s.color;
  if (s?.background && COLOUR.test(s.background)) li.style.backgroundColor = s.background;
  if (s?.bold) li.style.fontWeight = '600';
  if (s?.italic) li.style.fontStyle = 'italic';
  return li;
}

/** The "My tasks" panel: a view picker and the view's rows grouped as overdue, today, this week, later. */
export function tasksPanel(client: ApiClient, panel: HTMLElement) {
  let viewId = DEFAULT_VIEW;
  let generation = 0;
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  async function load() {
    const gen = ++generation;
    panel.setAttribute('aria-busy', 'true');
    try {
      const [views, result] = await Promise.all([client.views(), client.runView(viewId, timeZone)]);
      if (gen !== generation) return;
      render(
        views.views.filter((v) => v.kind === 'tasks'),
        result,
      );
      panel.dataset.state = 'ready';
      panel.dataset.view = viewId;
    } catch (err) {
      if (gen !== generation) return;
      mount(panel, h('p', { class: 'notice error' }, `My tasks: ${(err as Error).message}`));
      panel.dataset.state = 'error';
    } finally {
      panel.removeAttribute('aria-busy');
      window.dispatchEvent(new CustomEvent('rapport:tasks', { detail: { state: panel.dataset.state, viewId } }));
    }
  }

  function render(views: Array<{ id: string; name: string }>, result: PaneView) {
    const picker = h('select', { id: 'view-picker', name: 'view' });
    for (const v of views) {
      const option = h('option', { value: v.id }, v.name);
      option.selected = v.id === viewId;
      picker.append(option);
    }
    picker.addEventListener('change', () => {
      viewId = picker.value;
      void load().then(() => document.getElementById('view-picker')?.focus());
    });
    const now = new Date(result.now);
    const groups = new Map<Bucket, HTMLLIElement[]>(BUCKETS.map((b) => [b.key, []]));
    for (const r of result.rows) groups.get(bucketOf(r.values.dueAt as string | null, now, timeZone))!.push(row(r, timeZone));
    const sections = BUCKETS.filter((b) => b.key !== 'later' || groups.get('later')!.length).map((b) => {
      const items = groups.get(b.key)!;
      const heading = h('h3', { id: `bucket-${b.key}-title` }, `${b.title} (${items.length})`);
      const section = h('section', { class: `list bucket ${b.key}`, id: `bucket-${b.key}` }, heading);
      section.setAttribute('aria-labelledby', heading.id);
      section.append(items.length ? h('ul', null, ...items) : h('p', { class: 'muted' }, b.empty));
      return section;
    });
    const label = h('label', { class: 'view-picker' }, 'View ', picker);
    const more = result.nextCursor ? h('p', { class: 'muted' }, `Showing the first ${result.rows.length}; open the view in Rapport for the rest.`) : null;
    const time = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const updated = h('p', { class: 'muted updated', id: 'mytasks-updated', role: 'status' }, `Updated ${time}`);
    // A reload keeps the reader's place: the focused row (or the picker) and the scroll offset.
    const focused = panel.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    const focusedTask = focused?.dataset.taskId;
    const scroller = document.scrollingElement;
    const top = scroller?.scrollTop ?? 0;
    mount(panel, label, updated, ...sections, more);
    if (focused?.id === 'view-picker') picker.focus();
    else if (focusedTask) panel.querySelector<HTMLElement>(`li.task[data-task-id="${CSS.escape(focusedTask)}"]`)?.focus({ preventScroll: true });
    if (scroller) scroller.scrollTop = top;
  }

  return { load };
}

/**
 * Reloads `load` after a burst of changes has settled (`waitMs` after the last), at most once per
 * `waitMs`, and only while `visible()`; a change while hidden waits for `shown()`.
 */
export function refresher(load: () => Promise<void>, visible: () => boolean, waitMs = 1_000) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stale = false;
  return {
    changed() {
      stale = true;
      if (!visible()) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        stale = false;
        void load();
      }, waitMs);
    },
    /** The tab (or the page) became visible again: reload (what changed meanwhile is not known). */
    shown() {
      if (timer) clearTimeout(timer);
      timer = null;
      stale = false;
      void load();
    },
    get stale() {
      return stale;
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * Adds the "My tasks" tab beside the sender's history (#app) for a signed-in operator; it reloads
 * when shown and, debounced, when a task changes while it is shown; stop() removes it.
 */
export function startTasksTab(client: ApiClient): { changed(): void; stop(): void } {
  document.getElementById('mytasks')?.remove();
  const app = document.getElementById('app')!;
  const panel = h('section', { id: 'mytasks', class: 'tasks-panel' });
  panel.hidden = true;
  app.after(panel);
  const tasks = tasksPanel(client, panel);
  const visible = () => !panel.hidden && document.visibilityState === 'visible';
  const refresh = refresher(tasks.load, visible);
  const bar = tabBar(
    [
      { id: 'sender', label: 'Sender', panel: app },
      { id: 'tasks', label: 'My tasks', panel },
    ],
    (id) => void (id === 'tasks' ? refresh.shown() : undefined),
  );
  // A pinned Outlook pane or a window brought back: reload if the stream said something changed.
  const onVisibility = () => visible() && refresh.stale && refresh.shown();
  document.addEventListener('visibilitychange', onVisibility);
  bar.select('sender');
  return {
    /** A task the operator may see changed (the notification stream's `tasks` event). */
    changed: () => refresh.changed(),
    stop() {
      refresh.stop();
      document.removeEventListener('visibilitychange', onVisibility);
      bar.remove();
      panel.remove();
    },
  };
}
