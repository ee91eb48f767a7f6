/**
 * Line charts as inline SVG, built with createElementNS and textContent (no chart library: nothing
 * to load, the page stays one offline file, and a path of 1,000 points is one element). The x axis
 * is time, shared by every chart of the page so that runs line up from chart to chart.
 */
import { DATA, day, dayTime } from './data.js';

const NS = 'http://www.w3.org/2000/svg';

type Attrs = Record<string, string | number>;

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  if (attrs) for (const key of Object.keys(attrs)) node.setAttribute(key, String(attrs[key]));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A line of a chart: one value per point of the series (null: a gap). */
export interface Line {
  values: (number | null)[];
  cls: string;
}

/** A marker on the time axis: where a series' model or prompt version changed. */
export interface Marker {
  run: number;
  kind: string;
  label: string;
  title: string;
}

export interface ChartSpec {
  /** Indexes into DATA.runs, one per point. */
  runs: number[];
  lines: Line[];
  /** The y range; the chart widens it to its values when they go beyond. */
  yMin: number;
  yMax: number;
  format(value: number): string;
  /** The viewBox's size: a narrower chart gets a smaller width, so its text stays the same size on screen. */
  width: number;
  height: number;
  testid: string;
  /** Points that link to their run's report, with a tooltip each (the first line's values). */
  points?: { title(i: number): string };
  markers?: Marker[];
}

const LEFT = 56;
const RIGHT = 14;
const BOTTOM = 20;

/** The page's time range (a day around a single run). */
const first = DATA.runs.length ? DATA.runs[0].at : 0;
const last = DATA.runs.length ? DATA.runs[DATA.runs.length - 1].at : 0;
const SPAN = last > first ? [first, last] : [first - 43_200_000, first + 43_200_000];

/** The x of a run in a chart `width` wide. */
export function xOf(run: number, width: number): number {
  const at = DATA.runs[run].at;
  return LEFT + ((at - SPAN[0]) / (SPAN[1] - SPAN[0])) * (width - LEFT - RIGHT);
}

function pathOf(runs: number[], values: (number | null)[], x: (run: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < runs.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(runs[i]).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** Marker labels sit in two rows above the plot; one that would overlap both rows keeps only its line and tooltip. */
function drawMarkers(root: SVGSVGElement, markers: Marker[], width: number, bottom: number): void {
  const rowsEnd = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const m of markers) {
    const x = Number(xOf(m.run, width).toFixed(1));
    const g = svg('g', { class: `marker ${m.kind}`, 'data-testid': 'change-marker', 'data-kind': m.kind, 'data-run': DATA.runs[m.run].id });
    g.appendChild(svg('title', undefined, m.title));
    g.appendChild(svg('line', { x1: x, x2: x, y1: 4, y2: bottom }));
    // About 6 units a character at the label's size.
    const label = m.label.length * 6 + 8;
    const start = x + label > width ? x - label : x + 3;
    const row = rowsEnd.findIndex((end) => start > end);
    if (row >= 0) {
      rowsEnd[row] = start + label;
      g.appendChild(svg('text', { x: start, y: 12 + row * 12, class: 'marker-label' }, m.label));
    }
    root.appendChild(g);
  }
}

export function lineChart(spec: ChartSpec): SVGSVGElement {
  const markers = spec.markers ?? [];
  const top = markers.length ? 32 : 8;
  const height = spec.height + top;
  const bottom = height - BOTTOM;
  let lo = spec.yMin;
  let hi = spec.yMax;
  for (const line of spec.lines) {
    for (const v of line.values) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (hi <= lo) hi = lo + 1;
  const width = spec.width;
  const x = (run: number) => xOf(run, width);
  const y = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart-svg', 'data-testid': spec.testid, role: 'img' });
  // Grid and y labels: bottom, middle, top.
  for (const v of [lo, (lo + hi) / 2, hi]) {
    root.appendChild(svg('line', { x1: LEFT, x2: width - RIGHT, y1: y(v), y2: y(v), class: 'grid' }));
    root.appendChild(svg('text', { x: LEFT - 6, y: y(v) + 4, class: 'axis y' }, spec.format(v)));
  }
  // Time axis: up to 5 dates (3 on a narrow chart).
  const ticks = Math.min(width >= 600 ? 5 : 3, DATA.runs.length);
  for (let t = 0; t < ticks; t++) {
    const run = ticks === 1 ? 0 : Math.round((t * (DATA.runs.length - 1)) / (ticks - 1));
    root.appendChild(svg('text', { x: x(run), y: height - 4, class: `axis x${t === 0 ? ' first' : t === ticks - 1 && ticks > 1 ? ' last' : ''}` }, day(DATA.runs[run].at)));
  }
  drawMarkers(root, markers, width, bottom);
  for (const line of spec.lines) root.appendChild(svg('path', { d: pathOf(spec.runs, line.values, x, y), class: `line ${line.cls}` }));
  if (spec.points) {
    const values = spec.lines[0].values;
    const group = svg('g', { class: 'points' });
    for (let i = 0; i < spec.runs.length; i++) {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) continue;
      const run = DATA.runs[spec.runs[i]];
      const circle = svg('circle', { cx: x(spec.runs[i]).toFixed(1), cy: y(v).toFixed(1), r: 3.5 });
      circle.appendChild(svg('title', undefined, spec.points.title(i)));
      if (run.href) {
        const link = svg('a', { href: run.href, 'data-testid': 'point', 'data-run': run.id });
        link.appendChild(circle);
        group.appendChild(link);
      } else {
        circle.setAttribute('data-testid', 'point');
        circle.setAttribute('data-run', run.id);
        group.appendChild(circle);
      }
    }
    root.appendChild(group);
  }
  return root;
}

/** A run as a tooltip line: `2026-11-30 02:00 · <run id>`. */
export function runLabel(run: number): string {
  return `${dayTime(DATA.runs[run].at)} · ${DATA.runs[run].id}`;
}
