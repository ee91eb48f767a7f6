/**
 * history.md: the run history as Markdown for the GitHub step summary. One table row per suite ×
 * model: its pass rate over the last runs as a sparkline, the latest pass rate, the change from the
 * run before, and the latest cost. Suite, model, version and filter text is untrusted: escaped
 * (reporters/escape.ts), so no name can add Markdown, HTML, a mention or a line of its own.
 */
import { escapeMarkdownCell, escapeMarkdownInline } from '../reporters/escape.js';
import { MISSING, formatCost, formatDeltaPp, formatPercent } from '../reporters/numbers.js';
import type { HistoryEntry, HistoryRow } from './types.js';

const BARS = '▁▂▃▄▅▆▇█';
/** A run with no graded case (nothing to draw a pass rate from). */
const NO_RATE = '·';

export interface HistoryMarkdownOptions {
  /** Runs per sparkline (the last ones). @default 20 */
  lastRuns?: number;
  /** The filters the history was made with, said under the title. */
  filters?: { suite?: string; model?: string; since?: string };
  /** Shard runs left out (filterHistory). */
  shards?: number;
}

/** A pass rate 0..1 as one of eight bars, on a fixed scale (▁ is 0 %, █ is 100 %): runs compare by height. */
export function sparkBar(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return NO_RATE;
  return BARS[Math.min(BARS.length - 1, Math.max(0, Math.round(rate * (BARS.length - 1))))];
}

interface Series {
  suite: string;
  model: string;
  points: Array<{ entry: HistoryEntry; row: HistoryRow }>;
}

/** `entries` oldest first (as loadHistory and filterHistory give them). */
export function renderHistoryMarkdown(entries: HistoryEntry[], options: HistoryMarkdownOptions = {}): string {
  const lastRuns = Math.max(1, options.lastRuns ?? 20);
  const lines = ['## promptgate history', ''];
  const scope = [
    entries.length === 0 ? 'no runs' : `${entries.length} run${entries.length === 1 ? '' : 's'}, ${entries[0].startedAt.slice(0, 10)} to ${entries.at(-1)!.startedAt.slice(0, 10)}`,
    ...(options.filters?.suite !== undefined ? [`suite ${escapeMarkdownInline(options.filters.suite)}`] : []),
    ...(options.filters?.model !== undefined ? [`model ${escapeMarkdownInline(options.filters.model)}`] : []),
    ...(options.filters?.since !== undefined ? [`since ${escapeMarkdownInline(options.filters.since)}`] : []),
  ];
  lines.push(scope.join(' · '), '');
  if (options.shards) lines.push(`${options.shards} shard run${options.shards === 1 ? '' : 's'} (\`--shard\`) left out: the merged run of a split holds its cases.`, '');
  const series = seriesOf(entries);
  if (series.length === 0) return `${lines.join('\n')}\n`;
  lines.push(`| suite | model | pass rate, last ${lastRuns} runs | latest | change | cost | notes |`, '| --- | --- | --- | --- | --- | --- | --- |');
  for (const { suite, model, points } of series) {
    const shown = points.slice(-lastRuns);
    const latest = points.at(-1)!;
    const before = points.at(-2);
    const change = before && latest.row.passRate !== null && before.row.passRate !== null ? formatDeltaPp(latest.row.passRate - before.row.passRate) : MISSING;
    lines.push(
      `| ${escapeMarkdownCell(suite)} | ${escapeMarkdownCell(model)} | ${shown.map((p) => sparkBar(p.row.passRate)).join('')} | ${latestCell(latest.entry, latest.row)} | ${change} | ${formatCost(latest.row.costUsd)} | ${notesCell(latest.row, before?.row)} |`,
    );
  }
  lines.push('', `Bars: pass rate of each run, oldest first, ▁ 0 % to █ 100 %; ${NO_RATE} no graded case. Latest: the newest run's pass rate over its graded cases.`);
  return `${lines.join('\n')}\n`;
}

/** Suite × model series in first-seen order, each with its runs oldest first. */
function seriesOf(entries: HistoryEntry[]): Series[] {
  const series = new Map<string, Series>();
  for (const entry of entries) {
    for (const row of entry.rows) {
      const key = JSON.stringify([row.suite, row.model]);
      const item = series.get(key) ?? { suite: row.suite, model: row.model, points: [] };
      series.set(key, item);
      item.points.push({ entry, row });
    }
  }
  return [...series.values()];
}

/** `90.0% (9 of 10)`, saying when the run stopped short or had errors: a partial run never reads as a full pass. */
function latestCell(entry: HistoryEntry, row: HistoryRow): string {
  const graded = row.passed + row.failed;
  const parts = [`${formatPercent(row.passRate)} (${row.passed} of ${graded})`];
  if (row.errored) parts.push(`${row.errored} errored`);
  if (row.ungraded) parts.push(`${row.ungraded} ungraded`);
  if (entry.status !== 'complete') {
    const ran = row.selected !== undefined ? `: ${row.cases} of ${row.selected} cases ran` : '';
    parts.push(`**${escapeMarkdownCell(entry.status.replace(/_/g, ' '))}**${ran}`);
  }
  if (entry.verdict && entry.verdict !== 'pass') parts.push(`gate ${escapeMarkdownCell(entry.verdict)}`);
  return parts.join(', ');
}

/** What changed from the run before: the prompt version, and the model versions the API reported. */
function notesCell(row: HistoryRow, before: HistoryRow | undefined): string {
  if (!before) return '';
  const notes: string[] = [];
  if (row.promptHash !== before.promptHash) notes.push(`prompt ${before.promptVersion} → ${row.promptVersion}`);
  const models = row.modelsReported.join(', ');
  const previous = before.modelsReported.join(', ');
  if (models && previous && models !== previous) notes.push(`model ${previous} → ${models}`);
  return escapeMarkdownCell(notes.join('; '));
}
