/**
 * The heat-map of cases × runs: case names as DOM rows (text only), their outcomes drawn on a
 * canvas one block of rows at a time (a pixel buffer filled from the outcome strings, so 200 rows
 * of 1,000 runs cost one putImageData). Rows come in the order page-data.ts gave them: flaky, newly
 * failing, failing, the rest. Hovering a cell names its case, run and outcome; clicking it opens the
 * run's report.
 */
import type { PageCase } from '../page-data.js';
import { el } from '../../reporters/html/client/dom.js';
import { runLabel } from './chart.js';
import { DATA, seriesName } from './data.js';

/** Rows per block (one canvas each); "Show more" adds a block. */
export const BLOCK = 200;
const ROW = 16;
const LABELS = 380;

// ABGR (little-endian Uint32 over RGBA bytes).
const rgba = (r: number, g: number, b: number) => (255 << 24) | (b << 16) | (g << 8) | r;
const COLORS: Record<string, number> = {
  p: rgba(45, 164, 78),
  f: rgba(207, 34, 46),
  e: rgba(212, 167, 44),
  s: rgba(175, 184, 193),
  '.': rgba(240, 242, 244),
};
const GAP = rgba(255, 255, 255);
const OUTCOME: Record<string, string> = { p: 'passed', f: 'failed', e: 'errored', s: 'skipped', '.': 'not run' };
const TAGS: Record<string, string> = { flaky: 'flaky', 'newly-failing': 'newly failing', failing: 'failing' };

const rows = el('div', { cls: 'heat-rows' });
const canvases = el('div', { cls: 'heat-canvases' });
const count = el('span', { cls: 'count', testid: 'heat-count' });
const more = el('button', { cls: 'more', testid: 'heat-more', type: 'button', text: `Show ${BLOCK} more` });
const tip = el('div', { cls: 'heat-tip', testid: 'heat-tip', hidden: true });

let shown: number[] = [];
let drawn = 0;

/**
 * Pixels per run: the runs fill the width, at least 1 and at most 12 each. From the window's width
 * (main is at most 1400 px wide, less its padding and the labels' column): reading an element's
 * width would lay out the whole page, charts included, on every filter.
 */
function cellWidth(): number {
  const width = Math.max(200, Math.min(window.innerWidth, 1400) - 48 - LABELS - 24);
  return Math.max(1, Math.min(12, Math.floor(width / Math.max(1, DATA.runs.length))));
}

function tagText(c: PageCase): string {
  if (c.tag === 'flaky') return `flaky · ${c.flips} flips`;
  if (c.tag === 'newly-failing' || c.tag === 'failing') return `${TAGS[c.tag]} · ${c.streak} run${c.streak === 1 ? '' : 's'}`;
  return '';
}

function label(c: PageCase): HTMLElement {
  const tag = tagText(c);
  return el('div', { cls: 'heat-row', testid: 'heat-row', 'data-case': c.id, 'data-tag': c.tag || 'none', title: `${c.id}\n${seriesName(DATA.series[c.s])}${tag ? `\n${tag}` : ''}` },
    tag ? el('span', { cls: `badge ${c.tag}`, text: tag }) : null,
    el('span', { cls: 'case-id', text: c.id }),
    DATA.series.length > 1 ? el('span', { cls: 'muted', text: seriesName(DATA.series[c.s]) }) : null);
}

function drawBlock(from: number, to: number): void {
  const cw = cellWidth();
  const n = DATA.runs.length;
  const canvas = el('canvas', { 'data-testid': 'heat-canvas', 'data-from': from, 'data-cell': cw });
  const width = Math.max(1, n * cw);
  const height = Math.max(1, (to - from) * ROW);
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const image = ctx.createImageData(width, height);
    const pixels = new Uint32Array(image.data.buffer);
    const line = new Uint32Array(width);
    for (let r = from; r < to; r++) {
      const o = DATA.cases[shown[r]].o;
      for (let i = 0; i < n; i++) line.fill(COLORS[o[i]] ?? COLORS['.'], i * cw, (i + 1) * cw);
      // A white column between runs when cells are wide enough to show it.
      if (cw >= 4) for (let i = 1; i < n; i++) line[i * cw] = GAP;
      const base = (r - from) * ROW * width;
      for (let y = 0; y < ROW - 2; y++) pixels.set(line, base + y * width);
      pixels.fill(GAP, base + (ROW - 2) * width, base + ROW * width);
    }
    ctx.putImageData(image, 0, 0);
  }
  canvas.addEventListener('mousemove', (event) => {
    const c = DATA.cases[shown[from + Math.floor(event.offsetY / ROW)]];
    const run = Math.floor(event.offsetX / cw);
    if (!c || run < 0 || run >= n) {
      tip.hidden = true;
      return;
    }
    tip.textContent = `${c.id} · ${seriesName(DATA.series[c.s])}\n${runLabel(run)}: ${OUTCOME[c.o[run]] ?? 'not run'}`;
    tip.style.left = `${event.pageX + 12}px`;
    tip.style.top = `${event.pageY + 12}px`;
    tip.hidden = false;
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
  });
  canvas.addEventListener('click', (event) => {
    const run = DATA.runs[Math.floor(event.offsetX / cw)];
    if (run?.href) window.location.assign(run.href);
  });
  canvases.appendChild(canvas);
  for (let r = from; r < to; r++) rows.appendChild(label(DATA.cases[shown[r]]));
}

function drawMore(): void {
  const to = Math.min(shown.length, drawn + BLOCK);
  if (to > drawn) drawBlock(drawn, to);
  drawn = to;
  count.textContent = `Showing ${drawn} of ${shown.length} cases`;
  more.hidden = drawn >= shown.length;
}

/** Shows the cases at these indexes (into DATA.cases, in that order), from the first block. */
export function showCases(indexes: number[]): void {
  shown = indexes;
  drawn = 0;
  rows.replaceChildren();
  canvases.replaceChildren();
  drawMore();
}

more.addEventListener('click', drawMore);

export function renderHeatmap(): HTMLElement {
  const legend = el('div', { cls: 'legend' }, ['p', 'f', 'e', 's', '.'].map((o) => el('span', null, el('span', { cls: `swatch o-${o === '.' ? 'none' : o}` }), OUTCOME[o])));
  return el('section', { id: 'heatmap', testid: 'heatmap' },
    el('h2', null, 'Cases × runs'),
    el('p', { cls: 'muted', text: 'One row per case of a suite × model, one column per run (oldest left). Flaky cases (pass ↔ fail at least 3 times) first, then cases that passed before and fail in the latest runs, then the ones failing throughout. Hover a cell for its run; click it to open the run\'s report.' }),
    legend,
    el('div', { cls: 'heat', style: `--labels: ${LABELS}px` }, rows, el('div', { cls: 'heat-scroll' }, canvases)),
    el('div', { cls: 'heat-foot' }, count, more),
    tip);
}
