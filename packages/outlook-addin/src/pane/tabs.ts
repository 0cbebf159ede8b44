import { h } from './dom.js';

/**
 * The tab bar in the header (WAI-ARIA tabs: arrow keys, Home and End move between tabs, each
 * tab shows its panel). `onShow` runs when a tab is chosen.
 */
export function tabBar(tabs: Array<{ id: string; label: string; panel: HTMLElement }>, onShow: (id: string) => void) {
  document.getElementById('tabs')?.remove();
  const bar = h('nav', { class: 'tabs', id: 'tabs', role: 'tablist' });
  bar.setAttribute('aria-label', 'Rapport');
  const buttons = tabs.map((t) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${t.id}`, class: 'tab' }, t.label);
    b.setAttribute('aria-controls', t.panel.id);
    t.panel.setAttribute('role', 'tabpanel');
    t.panel.setAttribute('aria-labelledby', b.id);
    b.addEventListener('click', () => select(t.id));
    return b;
  });
  function select(id: string, focus = false) {
    tabs.forEach((t, i) => {
      const on = t.id === id;
      buttons[i]!.setAttribute('aria-selected', String(on));
      buttons[i]!.tabIndex = on ? 0 : -1;
      t.panel.hidden = !on;
      if (on && focus) buttons[i]!.focus();
    });
    document.body.dataset.tab = id;
    onShow(id);
  }
  bar.addEventListener('keydown', (ev) => {
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to =
      ev.key === 'ArrowRight'
        ? (at + 1) % tabs.length
        : ev.key === 'ArrowLeft'
          ? (at - 1 + tabs.length) % tabs.length
          : ev.key === 'Home'
            ? 0
            : ev.key === 'End'
              ? tabs.length - 1
              : -1;
    if (to < 0) return;
    ev.preventDefault();
    select(tabs[to]!.id, true);
  });
  bar.append(...buttons);
  document.querySelector('header')?.append(bar);
  return {
    select,
    remove() {
      bar.remove();
      for (const t of tabs) t.panel.hidden = t.id !== tabs[0]!.id;
    },
  };
}
