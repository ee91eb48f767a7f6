/**
 * What the history page shows, computed from the index lines (oldest first) before the page is
 * written: one series per suite × model (pass rate, cost, latency per run and the runs where its
 * model versions or prompt version changed), one heat-map row per suite × model × case (its outcome
 * in every run as one character, so 1,000 runs of 1,000 cases stay about a megabyte of JSON), sorted
 * so that flaky and newly failing cases come first, and the biggest movers. The page's browser
 * script (client/) only filters and draws this; it computes no verdict of its own.
 */
import type { HistoryEntry, HistoryRow } from './types.js';

/** A run: one column of the heat-map, one point of each of its series' charts. */
export interface PageRun {
  id: string;
  /** startedAt as milliseconds since the epoch (NaN-free: an unreadable date falls back to the previous run's). */
  at: number;
  /** The run's report, relative to the page (or `''` when the link was refused, see safeHref). */
  href: string;
  command: string;
  status: string;
  verdict?: string;
  commit?: string;
}

/** Where a series' model versions or prompt version changed: marked on its charts' time axis. */
export interface PageChange {
  /** Index into runs of the first run with the new version. */
  run: number;
  kind: 'model' | 'prompt';
  from: string;
  to: string;
}

/** One suite × model over time; the arrays hold one element per run of this series. */
export interface PageSeries {
  suite: string;
  model: string;
  /** Indexes into runs, ascending. */
  runs: number[];
  passRate: (number | null)[];
  passed: number[];
  graded: number[];
  errored: number[];
  cost: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  /** Reported model versions, comma-joined (`''` when none was reported). */
  versions: string[];
  /** `promptId@promptVersion`. */
  prompts: string[];
  changes: PageChange[];
}

/** Why a heat-map row is near the top. */
export type CaseTag = 'flaky' | 'newly-failing' | 'failing' | '';

/** One heat-map row: a case of one suite × model. */
export interface PageCase {
  /** Index into series. */
  s: number;
  id: string;
  /** One character per run (all runs, not only the series'): p f e s, or `.` when the case did not run. */
  o: string;
  /** Pass ↔ fail changes between consecutive graded runs. */
  flips: number;
  tag: CaseTag;
  /** For newly failing and failing cases: how many of its latest graded runs failed in a row. */
  streak: number;
}

/** A pass-rate change between the runs before and the latest runs. */
export interface PageMover {
  /** Index into series (series movers) or into cases (case movers). */
  i: number;
  before: number;
  after: number;
  delta: number;
}

export interface HistoryPageData {
  v: 1;
  title: string;
  filters: { suite?: string; model?: string; since?: string };
  runs: PageRun[];
  series: PageSeries[];
  /** Sorted: flaky (most flips first), then newly failing, then failing, then the rest. */
  cases: PageCase[];
  /** How many runs each side of a mover's comparison spans (the latest `window` against the `window` before). */
  window: number;
  movers: { series: PageMover[]; cases: PageMover[] };
}

/** A case with at least this many pass ↔ fail changes is flaky. */
export const FLAKY_FLIPS = 3;
/** Runs on each side of a mover's comparison (a week of nightly runs), fewer when the history is short. */
export const MOVER_WINDOW = 7;
/** Movers listed at most, per table (the page filters them further). */
const MOVERS_KEPT = 200;

/**
 * A link to a run's report the page may carry: relative paths, or http(s)/file URLs. Anything with
 * another scheme (`javascript:`, `data:`) is refused: the page's CSP would block it, and the link
 * would be dead anyway.
 */
export function safeHref(href: string): string {
  const scheme = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(href)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'file' ? href : '';
}

const OUTCOME_CODES: Record<string, number> = { p: 112, f: 102, e: 101, s: 115 };
const DOT = 46;
const LATIN1 = new TextDecoder('latin1');

const seriesKey = (suite: string, model: string) => JSON.stringify([suite, model]);

function passShare(outcomes: string, from: number, to: number): number | null {
  let passed = 0;
  let graded = 0;
  for (let i = from; i < to; i++) {
    const c = outcomes.charCodeAt(i);
    if (c === 112) passed++; // p
    if (c === 112 || c === 102) graded++; // p, f
  }
  return graded === 0 ? null : passed / graded;
}

/** Flips, tag and failing streak of one case's outcomes (only graded runs, p and f, count). */
export function classifyCase(outcomes: string): { flips: number; tag: CaseTag; streak: number } {
  let flips = 0;
  let graded = 0;
  let previous = 0;
  let streak = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const c = outcomes.charCodeAt(i);
    if (c !== 112 && c !== 102) continue; // p, f
    graded++;
    if (previous !== 0 && c !== previous) flips++;
    previous = c;
    streak = c === 102 ? streak + 1 : 0;
  }
  if (flips >= FLAKY_FLIPS) return { flips, tag: 'flaky', streak };
  // Passing before, failing in the latest runs.
  if (streak > 0 && streak < graded) return { flips, tag: 'newly-failing', streak };
  if (streak > 0) return { flips, tag: 'failing', streak };
  return { flips, tag: '', streak };
}

const TAG_RANK: Record<CaseTag, number> = { flaky: 0, 'newly-failing': 1, failing: 2, '': 3 };

function compareCases(a: PageCase, b: PageCase): number {
  return TAG_RANK[a.tag] - TAG_RANK[b.tag]
    || (a.tag === 'flaky' ? b.flips - a.flips : 0)
    // The newest breakage first.
    || (a.tag === 'newly-failing' ? a.streak - b.streak : 0)
    || b.flips - a.flips
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : a.s - b.s);
}

function mover(i: number, before: number | null, after: number | null): PageMover | undefined {
  // Means of the same rates can differ in their last bits: a change under 0.05 pp is none.
  if (before === null || after === null || Math.abs(after - before) < 5e-4) return undefined;
  return { i, before, after, delta: after - before };
}

const byDelta = (a: PageMover, b: PageMover) => Math.abs(b.delta) - Math.abs(a.delta) || a.i - b.i;

function mean(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((x, y) => x + y, 0) / known.length;
}

/** The page's data from the index lines, oldest first. */
export function buildHistoryPageData(entries: HistoryEntry[], options: { title?: string; filters?: HistoryPageData['filters']; reportHref(entry: HistoryEntry): string }): HistoryPageData {
  const runs: PageRun[] = [];
  const series: PageSeries[] = [];
  const seriesIndex = new Map<string, number>();
  // Per series: case id → its outcome character codes by run index (0: did not run).
  const outcomes: Map<string, Uint8Array>[] = [];
  // Per series: the prompt's hash at each of its runs (an edit without a version bump is a change too).
  const hashes: string[][] = [];
  let lastAt = 0;
  for (const entry of entries) {
    const r = runs.length;
    const parsed = Date.parse(entry.startedAt);
    const at = Number.isFinite(parsed) ? parsed : lastAt;
    lastAt = at;
    runs.push({ id: String(entry.runId), at, href: safeHref(String(options.reportHref(entry))), command: String(entry.command), status: String(entry.status), verdict: entry.verdict, commit: entry.gitCommit });
    for (const row of entry.rows ?? []) {
      const key = seriesKey(row.suite, row.model);
      let s = seriesIndex.get(key);
      if (s === undefined) {
        s = series.length;
        seriesIndex.set(key, s);
        series.push({ suite: String(row.suite), model: String(row.model), runs: [], passRate: [], passed: [], graded: [], errored: [], cost: [], p50: [], p95: [], versions: [], prompts: [], changes: [] });
        outcomes.push(new Map());
        hashes.push([]);
      }
      addPoint(series[s], hashes[s], r, row);
      const cases = outcomes[s];
      const given = row.outcomes ?? {};
      for (const id in given) {
        const code = OUTCOME_CODES[given[id]];
        if (code === undefined) continue;
        let list = cases.get(id);
        if (!list) {
          list = new Uint8Array(entries.length);
          cases.set(id, list);
        }
        list[r] = code;
      }
    }
  }
  const n = runs.length;
  const cases: PageCase[] = [];
  outcomes.forEach((map, s) => {
    for (const [id, list] of map) {
      for (let r = 0; r < n; r++) if (list[r] === 0) list[r] = DOT;
      const o = LATIN1.decode(list.subarray(0, n));
      cases.push({ s, id, o, ...classifyCase(o) });
    }
  });
  cases.sort(compareCases);
  const window = Math.max(1, Math.min(MOVER_WINDOW, Math.floor(n / 2)));
  return {
    v: 1,
    title: options.title ?? 'promptgate history',
    filters: options.filters ?? {},
    runs,
    series,
    cases,
    window,
    movers: { series: seriesMovers(series, window), cases: caseMovers(cases, series, window) },
  };
}

function addPoint(s: PageSeries, hashes: string[], run: number, row: HistoryRow): void {
  const versions = (row.modelsReported ?? []).join(', ');
  const prompt = `${row.promptId}@${row.promptVersion}`;
  const last = s.runs.length - 1;
  if (last >= 0) {
    // Against the last run that reported a version: a run where every call errored reports none.
    const previous = s.versions.findLast((v) => v !== '');
    if (versions !== '' && previous !== undefined && previous !== versions) s.changes.push({ run, kind: 'model', from: previous, to: versions });
    const before = s.prompts[last];
    if (before !== prompt) s.changes.push({ run, kind: 'prompt', from: before, to: prompt });
    else if (hashes[last] !== row.promptHash) s.changes.push({ run, kind: 'prompt', from: `${before} (${hashes[last].slice(0, 8)})`, to: `${prompt} (${String(row.promptHash).slice(0, 8)})` });
  }
  s.runs.push(run);
  s.passRate.push(row.passRate ?? null);
  s.passed.push(row.passed);
  s.graded.push(row.passed + row.failed);
  s.errored.push(row.errored);
  s.cost.push(row.costUsd ?? null);
  s.p50.push(row.latencyP50 ?? null);
  s.p95.push(row.latencyP95 ?? null);
  s.versions.push(versions);
  s.prompts.push(prompt);
  hashes.push(String(row.promptHash));
}

/** Per series: mean pass rate of its latest `window` runs against the `window` runs before them. */
function seriesMovers(series: PageSeries[], window: number): PageMover[] {
  const movers: PageMover[] = [];
  series.forEach((s, i) => {
    const len = s.runs.length;
    if (len < 2 * window) return;
    const m = mover(i, mean(s.passRate.slice(len - 2 * window, len - window)), mean(s.passRate.slice(len - window)));
    if (m) movers.push(m);
  });
  return movers.sort(byDelta).slice(0, MOVERS_KEPT);
}

/** Per case: its pass share over its series' latest `window` runs against the `window` runs before them. */
function caseMovers(cases: PageCase[], series: PageSeries[], window: number): PageMover[] {
  const movers: PageMover[] = [];
  cases.forEach((c, i) => {
    const runs = series[c.s].runs;
    const len = runs.length;
    if (len < 2 * window) return;
    const m = mover(i, passShare(c.o, runs[len - 2 * window], runs[len - window]), passShare(c.o, runs[len - window], c.o.length));
    if (m) movers.push(m);
  });
  return movers.sort(byDelta).slice(0, MOVERS_KEPT);
}
