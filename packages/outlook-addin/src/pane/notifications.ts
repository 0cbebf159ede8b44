import type { ApiClient, PaneCounts, PaneNotification } from './api.js';
import { h, mount } from './dom.js';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });

/**
 * The notification bell under the pane's header: the unread count (and new tasks) kept live by
 * the SSE stream, and on a click the list with "mark read". It lives outside #app, so the
 * history view re-rendering for each message leaves it alone. The stream's `tasks` events go to
 * `onTasksChanged` (the "My tasks" tab reloads on them).
 */
export function startNotifications(client: ApiClient, onTasksChanged: () => void = () => undefined): { stop(): void } {
  document.getElementById('notices')?.remove();
  const badge = h('span', { class: 'count', id: 'notif-count' }, '0');
  const tasksBadge = h('span', { class: 'muted', id: 'notif-new-tasks' });
  const list = h('div', { class: 'notif-list', id: 'notif-list' });
  const toggle = h(
    'button',
    { class: 'link', id: 'notif-toggle', onclick: () => void (list.hidden ? open() : ((list.hidden = true), undefined)) },
    'Notifications ',
    badge,
  );
  list.hidden = true;
  const bar = h('aside', { class: 'notices', id: 'notices' }, toggle, tasksBadge, list);
  document.querySelector('header')?.after(bar);

  const showCounts = (c: PaneCounts) => {
    badge.textContent = String(c.unread);
    badge.className = c.unread > 0 ? 'count unread' : 'count';
    tasksBadge.textContent = c.newTasks > 0 ? ` · ${c.newTasks} new task${c.newTasks === 1 ? '' : 's'} for you` : '';
    document.body.dataset.unread = String(c.unread);
  };

  async function open() {
    list.hidden = false;
    try {
      const page = await client.notifications(20);
      showCounts(page);
      render(page.items);
    } catch (err) {
      mount(list, h('p', { class: 'notice error' }, `Notifications: ${(err as Error).message}`));
    }
  }

  function render(items: PaneNotification[]) {
    const readAll = h('button', { class: 'link', id: 'notif-read-all', onclick: () => void client.markAllRead().then(showCounts).then(open) }, 'Mark all read');
    mount(
      list,
      items.length
        ? h(
            'ul',
            null,
            ...items.map((n) =>
              h(
                'li',
                { class: n.readAt ? 'notif' : 'notif unread', data: { notificationId: n.id } },
                h('div', null, n.title),
                n.body ? h('div', { class: 'snippet' }, n.body) : null,
                h(
                  'div',
                  { class: 'muted' },
                  when(n.showAt),
                  ' ',
                  n.readAt ? '' : h('button', { class: 'link', onclick: () => void client.markRead(n.id).then(showCounts).then(open) }, 'Mark read'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No notifications.'),
      items.some((n) => !n.readAt) ? readAll : null,
    );
  }

  // The stream: counts at once and on change; reconnects after a drop, waiting longer each time.
  const controller = new AbortController();
  void (async () => {
    let wait = 2_000;
    while (!controller.signal.aborted) {
      try {
        await client.stream((event, data) => {
          wait = 2_000;
          if (event === 'counts') showCounts(data as PaneCounts);
          if (event === 'notification' && !list.hidden) void open();
          if (event === 'tasks') onTasksChanged();
        }, controller.signal);
      } catch {
        // A dropped or refused stream: try again below.
      }
      if (controller.signal.aborted) return;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 60_000);
    }
  })();

  return {
    stop() {
      controller.abort();
      bar.remove();
    },
  };
}
