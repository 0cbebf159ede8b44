// The pane builds its DOM from nodes and text only: no innerHTML, so data from an e-mail or
// from the server can never become markup.

type Child = Node | string | number | null | undefined | false;
interface Props {
  class?: string;
  title?: string;
  type?: string;
  value?: string;
  placeholder?: string;
  name?: string;
  id?: string;
  role?: string;
  max?: number;
  readOnly?: boolean;
  data?: Record<string, string>;
  onclick?: (ev: MouseEvent) => void;
  onsubmit?: (ev: SubmitEvent) => void;
}

/** Creates an element with text children; attributes come from a fixed list. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const key of ['class', 'title', 'type', 'value', 'placeholder', 'name', 'id', 'role', 'max'] as const) {
      const v = props[key];
      if (v !== undefined) el.setAttribute(key, String(v));
    }
    if (props.readOnly) el.setAttribute('readonly', '');
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    if (props.onclick) el.addEventListener('click', props.onclick as EventListener);
    if (props.onsubmit) el.addEventListener('submit', props.onsubmit as EventListener);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** Replaces the content of `root`. */
export function mount(root: HTMLElement, ...children: Child[]) {
  root.replaceChildren();
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) root.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
}
