/**
 * One card per suite × model: pass rate over time (each point links to its run's report), cost and
 * latency (p50, p95) over time, and the runs where its model versions or prompt version changed,
 * marked on the time axis and listed under the charts.
 */
import type { PageSeries } from '../page-data.js';
import { el } from '../../reporters/html/client/dom.js';
import { formatCost, formatMs, formatPercent } from '../../reporters/numbers.js';
import { lineChart, type Marker, runLabel } from './chart.js';
import { DATA, day, seriesName } from './data.js';

const MARKER_TEXT = 40;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function markers(s: PageSeries): Marker[] {
  return s.changes.map((c) => ({
    run: c.run,
    kind: c.kind,
    label: clip(`${c.kind} → ${c.to}`, MARKER_TEXT),
    title: `${runLabel(c.run)}\n${c.kind === 'model' ? 'model version' : 'prompt'}: ${c.from} → ${c.to}`,
  }));
}

function latest(s: PageSeries): string {
  const i = s.runs.length - 1;
  if (i < 0) return '';
  return `latest ${formatPercent(s.passRate[i])} (${s.passed[i]}/${s.graded[i]}${s.errored[i] ? `, ${s.errored[i]} errored` : ''}) · ${s.versions[i] || 'no model version reported'} · ${s.prompts[i]}`;
}

export function renderSeries(s: PageSeries, index: number): HTMLElement {
  const pass = lineChart({
    runs: s.runs,
    lines: [{ values: s.passRate, cls: 'pass-rate' }],
    yMin: 0,
    yMax: 1,
    format: (v) => `${Math.round(v * 100)}%`,
    width: 800,
    height: 150,
    testid: 'chart-pass-rate',
    markers: markers(s),
    points: {
      title: (i) => `${runLabel(s.runs[i])}\npass rate ${formatPercent(s.passRate[i])} (${s.passed[i]}/${s.graded[i]} graded, ${s.errored[i]} errored)\nmodel ${s.versions[i] || '–'} · ${s.prompts[i]}\nclick: open the run's report`,
    },
  });
  const cost = lineChart({ runs: s.runs, lines: [{ values: s.cost, cls: 'cost' }], yMin: 0, yMax: 0, format: formatCost, width: 400, height: 80, testid: 'chart-cost' });
  const latency = lineChart({ runs: s.runs, lines: [{ values: s.p95, cls: 'p95' }, { values: s.p50, cls: 'p50' }], yMin: 0, yMax: 0, format: formatMs, width: 400, height: 80, testid: 'chart-latency' });
  const changes = s.changes.map((c) => el('li', { testid: 'change', 'data-kind': c.kind, 'data-run': DATA.runs[c.run].id },
    el('span', { cls: `badge change-${c.kind}`, text: c.kind === 'model' ? 'model version' : 'prompt' }), ' ',
    `${day(DATA.runs[c.run].at)} (${DATA.runs[c.run].id}): `, el('code', { text: c.from }), ' → ', el('code', { text: c.to })));
  return el('section', { cls: 'series', testid: 'series', 'data-index': index },
    el('h3', null, el('span', { cls: 'series-name', text: seriesName(s) }), ' ', el('span', { cls: 'muted series-latest', text: latest(s) })),
    el('div', { cls: 'chart-title muted', text: `Pass rate over ${s.runs.length} runs (points link to each run's report)` }),
    pass,
    el('div', { cls: 'small-charts' },
      el('div', null, el('div', { cls: 'chart-title muted', text: 'Cost per run' }), cost),
      el('div', null, el('div', { cls: 'chart-title muted' }, 'Latency ', el('span', { cls: 'key p95', text: 'p95' }), ' ', el('span', { cls: 'key p50', text: 'p50' })), latency)),
    changes.length ? el('ul', { cls: 'changes', testid: 'changes' }, changes) : null);
}
