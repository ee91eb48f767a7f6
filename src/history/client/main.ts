/**
 * history.html's script (entry point). Bundled by `npm run generate` into one ES2017 iife in
 * ../page-script.generated.ts, which page.ts inlines and allows by its sha256 in the page's CSP.
 * It reads the history from the page's JSON data element and builds the DOM with textContent only;
 * the filters show and hide what is built, or redraw the heat-map's first block.
 */
import { add, el } from '../../reporters/html/client/dom.js';
import { DATA, day } from './data.js';
import { renderHeatmap, showCases } from './heatmap.js';
import { renderMovers, showMovers } from './movers.js';
import { renderSeries } from './series.js';

function options(values: string[]): HTMLOptionElement[] {
  return [el('option', { value: '', text: 'all' }), ...values.map((v) => el('option', { value: v, text: v }))];
}

const unique = (values: string[]) => Array.from(new Set(values)).sort();

function renderHeader(): HTMLElement {
  const runs = DATA.runs;
  const made = Object.entries(DATA.filters).filter(([, v]) => v).map(([k, v]) => `--${k} ${v}`).join(' ');
  return el('header', null,
    el('h1', { text: DATA.title }),
    el('div', { cls: 'meta', testid: 'meta' },
      el('span', null, el('b', { text: String(runs.length) }), ` run${runs.length === 1 ? '' : 's'}`),
      runs.length ? el('span', { text: `${day(runs[0].at)} → ${day(runs[runs.length - 1].at)}` }) : null,
      el('span', null, el('b', { text: String(DATA.series.length) }), ' suite × model'),
      el('span', null, el('b', { text: String(DATA.cases.length) }), ' cases'),
      made ? el('span', { text: `made with ${made}` }) : null));
}

const app = document.getElementById('app');
if (app) {
  const suite = el('select', { testid: 'filter-suite', 'aria-label': 'suite' }, options(unique(DATA.series.map((s) => s.suite))));
  const model = el('select', { testid: 'filter-model', 'aria-label': 'model' }, options(unique(DATA.series.map((s) => s.model))));
  const text = el('input', { type: 'search', testid: 'filter-case', placeholder: 'filter case ids', 'aria-label': 'filter case ids' });
  const cards = DATA.series.map(renderSeries);
  const apply = () => {
    const keep = DATA.series.map((s) => (!suite.value || s.suite === suite.value) && (!model.value || s.model === model.value));
    const needle = text.value.trim().toLowerCase();
    const keepCase = (i: number) => keep[DATA.cases[i].s] && (!needle || DATA.cases[i].id.toLowerCase().includes(needle));
    cards.forEach((card, i) => {
      card.hidden = !keep[i];
    });
    const indexes: number[] = [];
    for (let i = 0; i < DATA.cases.length; i++) if (keepCase(i)) indexes.push(i);
    showCases(indexes);
    showMovers((s) => keep[s], keepCase);
  };
  for (const control of [suite, model]) control.addEventListener('change', apply);
  text.addEventListener('input', apply);
  add(app, [
    renderHeader(),
    el('div', { cls: 'toolbar', testid: 'filters' }, el('label', null, 'Suite ', suite), el('label', null, 'Model ', model), text),
    DATA.runs.length === 0 ? el('p', { testid: 'empty', text: 'No runs in the history yet: every run, compare, ci, drift and merge adds one.' }) : null,
    el('section', { id: 'series', testid: 'series-list' }, el('h2', null, 'Pass rate, cost and latency over time'),
      el('p', { cls: 'muted', text: 'Dashed lines mark the run where a model version (as the provider reported it) or the prompt changed.' }), cards),
    renderHeatmap(),
    renderMovers(),
  ]);
  apply();
}
