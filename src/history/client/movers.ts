/**
 * The biggest movers: pass-rate change between the runs before and the latest runs, per suite ×
 * model and per case (page-data.ts picks and orders them; the page shows the first ones its
 * filters keep).
 */
import type { PageMover } from '../page-data.js';
import { el } from '../../reporters/html/client/dom.js';
import { formatDeltaPp, formatPercent } from '../../reporters/numbers.js';
import { DATA, seriesName } from './data.js';

/** Rows shown per table. */
const SHOWN = 20;

const seriesBody = el('tbody');
const casesBody = el('tbody');

function delta(m: PageMover): HTMLElement {
  return el('td', { cls: `num ${m.delta < 0 ? 'delta-neg' : 'delta-pos'}`, text: formatDeltaPp(m.delta) });
}

function empty(columns: number): HTMLElement {
  return el('tr', null, el('td', { colspan: columns, cls: 'muted', text: 'No change between the two windows.' }));
}

/** Shows the movers whose series (and case) the filters keep. */
export function showMovers(keepSeries: (s: number) => boolean, keepCase: (c: number) => boolean): void {
  const series = DATA.movers.series.filter((m) => keepSeries(m.i)).slice(0, SHOWN);
  seriesBody.replaceChildren(...(series.length ? series.map((m) => el('tr', { testid: 'mover-series' },
    el('td', { text: seriesName(DATA.series[m.i]) }), el('td', { cls: 'num', text: formatPercent(m.before) }), el('td', { cls: 'num', text: formatPercent(m.after) }), delta(m))) : [empty(4)]));
  const cases = DATA.movers.cases.filter((m) => keepCase(m.i)).slice(0, SHOWN);
  casesBody.replaceChildren(...(cases.length ? cases.map((m) => el('tr', { testid: 'mover-case' },
    el('td', { cls: 'case-id', text: DATA.cases[m.i].id }), el('td', { text: seriesName(DATA.series[DATA.cases[m.i].s]) }),
    el('td', { cls: 'num', text: formatPercent(m.before) }), el('td', { cls: 'num', text: formatPercent(m.after) }), delta(m))) : [empty(5)]));
}

export function renderMovers(): HTMLElement {
  const head = (...names: string[]) => el('thead', null, el('tr', null, names.map((n, i) => el('th', { cls: i >= names.length - 3 ? 'num' : null, text: n }))));
  return el('section', { id: 'movers', testid: 'movers' },
    el('h2', null, 'Biggest movers'),
    el('p', { cls: 'muted', text: `Pass rate over the latest ${DATA.window} runs of each suite × model against the ${DATA.window} runs before them; the largest changes first.` }),
    el('h3', null, 'Suites × models'),
    el('div', { cls: 'scroll' }, el('table', { testid: 'movers-series' }, head('suite · model', 'before', 'latest', 'change'), seriesBody)),
    el('h3', null, 'Cases'),
    el('div', { cls: 'scroll' }, el('table', { testid: 'movers-cases' }, head('case', 'suite · model', 'before', 'latest', 'change'), casesBody)));
}
