/**
 * The page: header, summary table, further sections (drift, flaky), the pass-rate chart and the
 * filterable, searchable cases table (pages of 200 rows). Figures come formatted from Node (the
 * view) or through the same formatters (../../numbers.ts).
 */
import type { ReportCase } from '../data.js';
import type { ViewTable } from '../view.js';
import { formatPercent } from '../../numbers.js';
import { formatAnswer } from '../../../tools/format.js';
import { CASES, COMPARING, VIEW } from './data.js';
import { add, badge, el, flatten, json } from './dom.js';

const PAGE_SIZE = 200;

export function renderHeader(): HTMLElement {
  return el(
    'header',
    null,
    el('h1', null, VIEW.title, el('span', { cls: `badge ${VIEW.verdict.kind}`, testid: 'verdict' }, `gate: ${VIEW.verdict.text}`)),
    el('div', { cls: 'meta', testid: 'run-facts' }, VIEW.facts.map((f) => el('span', null, `${f[0]}: `, el('b', null, f[1])))),
    VIEW.reasons.length ? el('ul', { cls: 'reasons', testid: 'gate-reasons' }, VIEW.reasons.map((r) => el('li', null, r))) : null,
  );
}

function viewTable(t: ViewTable, testid: string): HTMLElement {
  return el(
    'div',
    { cls: 'scroll' },
    el(
      'table',
      { testid },
      el('thead', null, el('tr', null, t.head.map((h, i) => el('th', { cls: t.numeric[i] ? 'num' : null }, h)))),
      el(
        'tbody',
        null,
        t.rows.map((row) =>
          el(
            'tr',
            null,
            row.map((c, i) => {
              const cls = (t.numeric[i] ? 'num ' : '') + (c.tone ?? '');
              return el('td', { cls: cls || null }, c.badge ? badge(c.badge, c.text) : c.text);
            }),
          ),
        ),
      ),
    ),
  );
}

export function renderSummary(): HTMLElement {
  return el('section', null, el('h2', null, COMPARING ? 'Baseline vs candidate' : 'Summary'), viewTable(VIEW.table, 'summary'));
}

export function renderSections(): HTMLElement[] {
  return VIEW.sections.map((s) =>
    el(
      'section',
      { testid: s.testid },
      el('h2', null, s.title),
      s.lines.map((line) => el('p', null, line)),
      s.tables.map((t, i) => [el('h3', null, t.caption), viewTable(t.table, `${s.testid}-table-${i}`)]),
    ),
  );
}

function bar(kind: 'baseline' | 'candidate', rate: number, label: string): HTMLElement {
  const fill = el('div', { cls: `bar ${kind}` });
  fill.style.width = `${Math.max(0, Math.min(100, rate * 100)).toFixed(1)}%`;
  return el('div', { cls: 'bar-line', testid: `bar-${kind}` }, el('div', { cls: 'bar-track' }, fill), el('span', { cls: 'bar-value' }, `${label} ${formatPercent(rate)}`));
}

export function renderChart(): HTMLElement | null {
  if (!VIEW.chart.length) return null;
  const legend = el('div', { cls: 'legend' }, COMPARING ? el('span', null, el('span', { cls: 'swatch baseline' }), 'baseline') : null, el('span', null, el('span', { cls: 'swatch' }), 'candidate'));
  const grid = el('div', { cls: 'chart', testid: 'chart' });
  for (const row of VIEW.chart) {
    add(grid, el('div', { cls: 'chart-label' }, row.label));
    add(grid, el('div', { cls: 'bars' }, row.baseline !== null ? bar('baseline', row.baseline, 'baseline') : null, bar('candidate', row.candidate, COMPARING ? 'candidate' : '')));
  }
  return el('section', null, el('h2', null, 'Pass rate'), legend, grid);
}

interface Filter {
  id: string;
  label: string;
  /** Shown only when comparing. */
  compare?: boolean;
  /** Hidden when no case matches. */
  optional?: boolean;
  /** Lists the flakiest first (then in page order). */
  flakiest?: boolean;
  test(c: ReportCase): boolean;
}

const FILTERS: Filter[] = [
  { id: 'all', label: 'All', test: () => true },
  { id: 'regressed', label: 'Regressed', compare: true, test: (c) => c.change === 'regressed' },
  { id: 'improved', label: 'Improved', compare: true, test: (c) => c.change === 'improved' },
  { id: 'failing', label: 'Failing', test: (c) => c.status === 'fail' },
  { id: 'errored', label: 'Errored', test: (c) => c.status === 'error' || c.change === 'errored' || (!!c.baseline && c.baseline.status === 'error') },
  { id: 'passing', label: 'Passing', test: (c) => c.status === 'pass' },
  { id: 'ungraded', label: 'Ungraded', optional: true, test: (c) => c.status === 'ungraded' || c.change === 'ungraded' },
  { id: 'flaky', label: 'Flaky', optional: true, flakiest: true, test: (c) => !!c.flakiness && c.flakiness.flaky },
];

/** What the cases table shows: the filter, the search, the matching case indexes, how many rows are shown, the open case. */
export const state = { filter: FILTERS[0], query: '', matches: [] as number[], shown: 0, selected: -1 };
export const tbody = el('tbody');
let searchIndex: string[] | null = null;
const countLabel = el('span', { cls: 'count', testid: 'count', 'aria-live': 'polite' });
const moreButton = el('button', { cls: 'more', type: 'button', testid: 'show-more' }, 'Show more');
const emptyRow = el('div', { cls: 'empty', testid: 'empty', hidden: true }, 'No cases match.');

function searchText(c: ReportCase): string {
  const parts = [c.caseId, c.description || '', c.suite, c.model, (c.tags || []).join(' '), json(c.vars)];
  for (const side of [c.baseline, c.candidate]) {
    if (!side) continue;
    for (const r of side.repeats) {
      const answer = formatAnswer(r);
      if (answer !== null) parts.push(answer);
      if (r.error) parts.push(`${r.error.code} ${r.error.message}`);
    }
  }
  return parts.join('\n').toLowerCase();
}

function ensureSearchIndex(): string[] {
  if (!searchIndex) searchIndex = CASES.map(searchText);
  return searchIndex;
}

function passRateCell(c: ReportCase): string {
  return c.baseline ? `${formatPercent(c.baseline.passRate)} → ${formatPercent(c.candidate.passRate)}` : formatPercent(c.candidate.passRate);
}

function caseRow(i: number): HTMLTableRowElement {
  const c = CASES[i];
  const first = c.candidate.repeats[0];
  const preview = !first ? '' : first.error ? `${first.error.code}: ${first.error.message}` : (formatAnswer(first) ?? '');
  const flaky = c.flakiness?.flaky ? el('div', { cls: 'muted', testid: 'flaky' }, `flaky: ${c.flakiness.baseline !== undefined ? `${c.flakiness.baseline} → ` : ''}${c.flakiness.candidate}`) : null;
  return el(
    'tr',
    { testid: 'case-row', 'data-index': i, 'data-change': c.change || '', 'data-status': c.status, tabindex: 0, cls: i === state.selected ? 'selected' : null },
    el('td', null, badge(c.status)),
    COMPARING ? el('td', null, c.change ? badge(c.change) : '') : null,
    el('td', null, `${c.suite} › ${c.model}`),
    el('td', { cls: 'case-name' }, c.description || c.caseId, c.description ? el('div', { cls: 'muted mono' }, c.caseId) : null),
    el('td', { cls: 'num' }, passRateCell(c), flaky),
    el('td', { cls: 'preview', title: flatten(preview, 300) }, flatten(preview, 200)),
  );
}

function showRows(from: number, to: number): void {
  const frag = document.createDocumentFragment();
  for (let k = from; k < to; k++) frag.appendChild(caseRow(state.matches[k]));
  tbody.appendChild(frag);
  state.shown = to;
  const n = state.matches.length;
  countLabel.textContent = `Showing ${to} of ${n}${n === 1 ? ' case' : ' cases'}`;
  moreButton.hidden = to >= n;
  emptyRow.hidden = n > 0;
}

export function applyFilter(): void {
  const q = state.query;
  const test = state.filter.test;
  const index = q ? ensureSearchIndex() : null;
  const out: number[] = [];
  for (let i = 0; i < CASES.length; i++) {
    if (test(CASES[i]) && (!index || index[i].indexOf(q) !== -1)) out.push(i);
  }
  // The Flaky filter lists the flakiest first (then in page order).
  if (state.filter.flakiest) out.sort((a, b) => (CASES[b].flakiness?.score ?? 0) - (CASES[a].flakiness?.score ?? 0) || a - b);
  state.matches = out;
  tbody.textContent = '';
  showRows(0, Math.min(PAGE_SIZE, out.length));
}

function rowIndex(event: Event): number | undefined {
  const target = event.target;
  const tr = target instanceof Element ? target.closest('tr[data-index]') : null;
  return tr ? Number(tr.getAttribute('data-index')) : undefined;
}

/** The filter buttons, the search box and the cases table; `open(i)` shows case i's detail. */
export function renderCases(open: (index: number) => void): HTMLElement {
  const buttons = el('div', { cls: 'filters', role: 'group', 'aria-label': 'Filter cases' });
  for (const f of FILTERS) {
    if (f.compare && !COMPARING) continue;
    let count = 0;
    for (const c of CASES) if (f.test(c)) count++;
    if (f.optional && count === 0) continue;
    const b = el('button', { type: 'button', testid: `filter-${f.id}`, 'aria-pressed': f === state.filter ? 'true' : 'false' }, `${f.label} (${count})`);
    b.addEventListener('click', () => {
      state.filter = f;
      for (const x of Array.from(buttons.children)) x.setAttribute('aria-pressed', x === b ? 'true' : 'false');
      applyFilter();
    });
    add(buttons, b);
  }
  const search = el('input', { type: 'search', testid: 'search', placeholder: 'Search id, description, variables, outputs…', 'aria-label': 'Search cases' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.query = search.value.trim().toLowerCase();
      applyFilter();
    }, 120);
  });
  moreButton.addEventListener('click', () => showRows(state.shown, Math.min(state.shown + PAGE_SIZE, state.matches.length)));
  tbody.addEventListener('click', (event) => {
    const i = rowIndex(event);
    if (i !== undefined) open(i);
  });
  tbody.addEventListener('keydown', (event) => {
    const i = rowIndex(event);
    if (i !== undefined && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      open(i);
    }
  });
  const head = ['Status', ...(COMPARING ? ['Change'] : []), 'Suite › model', 'Case', 'Pass rate', 'Candidate output'];
  return el(
    'section',
    null,
    el('h2', null, 'Cases'),
    el('div', { cls: 'toolbar' }, buttons, search, countLabel),
    el('div', { cls: 'scroll' }, el('table', { id: 'cases', testid: 'cases' }, el('thead', null, el('tr', null, head.map((h) => el('th', { cls: h === 'Pass rate' ? 'num' : null }, h)))), tbody)),
    emptyRow,
    moreButton,
  );
}
