/**
 * DOM helpers of the report page. Every node is built with createElement and its text set with
 * textContent or a text node: data never reaches innerHTML, and attributes are set one by one
 * (never an inline handler: the page's CSP would block it anyway).
 */

/** What `el` and `add` accept as children: nodes, text, nested lists; null/undefined/false are skipped. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Element properties: `text` (textContent), `cls` (className), `testid` (data-testid), or any attribute. */
export type Props = Record<string, string | number | boolean | null | undefined>;

export function add(parent: Node, child: Child): void {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) add(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props) {
    for (const key of Object.keys(props)) {
      const value = props[key];
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'cls') node.className = String(value);
      else if (key === 'testid') node.setAttribute('data-testid', String(value));
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) add(node, child);
  return node;
}

const LABELS: Record<string, string> = {
  pass: 'pass',
  fail: 'fail',
  error: 'error',
  regressed: 'regressed',
  improved: 'improved',
  'unchanged-pass': 'unchanged pass',
  'unchanged-fail': 'unchanged fail',
  errored: 'errored',
  ungraded: 'ungraded',
  new: 'new',
  flaky: 'flaky',
};

/** A status pill; `kind` is also its CSS class (a closed set of words from the data, never markup). */
export function badge(kind: string, text?: string): HTMLSpanElement {
  return el('span', { cls: `badge ${kind}` }, text || LABELS[kind] || kind);
}

export function json(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** Whitespace folded to single spaces, at most `max` characters. */
export function flatten(text: string, max: number): string {
  const t = String(text).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
