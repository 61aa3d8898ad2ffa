/**
 * Building DOM without HTML strings: the CSP forbids inline styles and handlers, and text must never be
 * parsed as markup (dataset rows are user data). Styles are set through CSSOM (`style` here), which CSP allows.
 */
export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  id?: string;
  /** Attributes; true → present, false/undefined → absent. */
  attrs?: Record<string, string | number | boolean | undefined>;
  /** CSS properties (custom properties too), set with style.setProperty. */
  style?: Record<string, string | undefined>;
  /** DOM properties (e.g. `value`, `checked` of custom elements). */
  props?: Record<string, unknown>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, p?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (p) {
    if (p.class) el.className = p.class;
    if (p.id) el.id = p.id;
    if (p.attrs) {
      for (const [k, v] of Object.entries(p.attrs)) {
        if (v === undefined || v === false) continue;
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    if (p.style) setStyle(el, p.style);
    if (p.props) Object.assign(el, p.props);
    if (p.on) for (const [k, fn] of Object.entries(p.on)) if (fn) el.addEventListener(k, fn as EventListener);
  }
  append(el, children);
  return el;
}

export function setStyle(el: HTMLElement, style: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(style)) {
    if (v === undefined) el.style.removeProperty(k);
    else el.style.setProperty(k, v);
  }
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replace all children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A codicon glyph (decorative). */
export function icon(name: string, extraClass = ''): HTMLElement {
  return h('span', { class: `codicon codicon-${name}${extraClass ? ' ' + extraClass : ''}`, attrs: { 'aria-hidden': 'true' } });
}

/** A vscode-button; `icon` is a codicon name. */
export function button(
  label: string,
  onClick: () => void,
  opts: { icon?: string; secondary?: boolean; disabled?: boolean; title?: string; id?: string; ariaLabel?: string } = {},
): HTMLElement {
  return h('vscode-button', {
    ...(opts.id ? { id: opts.id } : {}),
    attrs: {
      icon: opts.icon,
      secondary: opts.secondary,
      disabled: opts.disabled,
      title: opts.title,
      'aria-label': opts.ariaLabel,
    },
    on: { click: () => onClick() },
  }, label);
}

/** A section with a heading (h2) and an optional trailing element on the heading row. */
export function section(cls: string, title: string, headingExtra: Child, ...body: Child[]): HTMLElement {
  const id = `h-${cls}-${Math.random().toString(36).slice(2, 8)}`;
  return h(
    'section',
    { class: `ft-section ${cls}`, attrs: { 'aria-labelledby': id } },
    h('div', { class: 'ft-section-head' }, h('h2', { id }, title), headingExtra),
    ...body,
  );
}

/** A small labelled figure ("Rows 5,796"). */
export function stat(label: string, value: string, opts: { tone?: 'good' | 'warn' | 'error'; title?: string; note?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: `ft-stat${opts.tone ? ' ft-' + opts.tone : ''}`, attrs: { title: opts.title } },
    h('div', { class: 'ft-stat-value' }, value),
    h('div', { class: 'ft-stat-label' }, label),
    opts.note ? h('div', { class: 'ft-stat-note' }, opts.note) : null,
  );
}

/** A message box: info, warning or error, with an icon. */
export function callout(level: 'info' | 'warning' | 'error', ...body: Child[]): HTMLElement {
  const glyph = level === 'error' ? 'error' : level === 'warning' ? 'warning' : 'info';
  return h('div', { class: `ft-callout ft-callout-${level}`, attrs: { role: level === 'error' ? 'alert' : 'status' } }, icon(glyph, 'ft-callout-icon'), h('div', { class: 'ft-callout-body' }, ...body));
}
