/**
 * How every report writes a number: percentages, pass-rate deltas, score deltas, durations, costs,
 * scores and token counts. One set of functions for the console, summary.md, junit.xml, the
 * GitHub annotations and report.html -- including the page's browser script, which bundles this
 * file (src/reporters/html/client/), so it imports nothing and uses no Node API.
 * A missing or non-finite value is `–` (en dash) everywhere.
 */

/** What a report shows for a figure it does not have. */
export const MISSING = '–';

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 0.8312 → `83.1%`; one decimal everywhere. */
export function formatPercent(rate: number | null | undefined): string {
  return finite(rate) ? `${(rate * 100).toFixed(1)}%` : MISSING;
}

/** A pass-rate difference in percentage points: 0.05 → `+5.0 pp`, −0.1 → `−10.0 pp`, 0 → `±0.0 pp`. */
export function formatDeltaPp(delta: number | null | undefined): string {
  if (!finite(delta)) return MISSING;
  const pp = delta * 100;
  const text = Math.abs(pp).toFixed(1);
  if (text === '0.0') return '±0.0 pp';
  return `${pp > 0 ? '+' : '−'}${text} pp`;
}

/** A pass-rate delta with its confidence interval: `−10.0 pp [−20.0, +1.0]`. */
export function formatDeltaWithCi(delta: number, ci: [number, number]): string {
  const bound = (x: number) => formatDeltaPp(x).replace(' pp', '');
  return `${formatDeltaPp(delta)} [${bound(ci[0])}, ${bound(ci[1])}]`;
}

/** 1234 → `1.23 s`, 87 → `87 ms`, null → `–`. */
export function formatMs(ms: number | null | undefined): string {
  if (!finite(ms)) return MISSING;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** Two latencies, e.g. p50 and p95: `400 ms / 1.20 s`. */
export function formatMsPair(a: number | null | undefined, b: number | null | undefined): string {
  return `${formatMs(a)} / ${formatMs(b)}`;
}

/** US dollars with enough digits for per-call prices: `$1.23`, `$0.0048`, `$0`; null → `–`. */
export function formatCost(usd: number | null | undefined): string {
  if (!finite(usd)) return MISSING;
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** A score 0..1 with two decimals. */
export function formatScore(score: number | null | undefined): string {
  return finite(score) ? score.toFixed(2) : MISSING;
}

/** A signed score difference: `−0.20`, `+0.05`, `±0.00`. */
export function formatScoreDelta(x: number | null | undefined): string {
  if (!finite(x)) return MISSING;
  const text = Math.abs(x).toFixed(2);
  return text === '0.00' ? '±0.00' : `${x > 0 ? '+' : '−'}${text}`;
}

/** A signed score difference with its interval: `−0.20 [−0.25, −0.15]`. */
export function formatScoreDeltaWithCi(delta: number, ci: [number, number]): string {
  return `${formatScoreDelta(delta)} [${formatScoreDelta(ci[0])}, ${formatScoreDelta(ci[1])}]`;
}

/** Token counts: `4800 in / 1800 out`. */
export function formatTokens(input: number | null | undefined, output: number | null | undefined): string {
  return `${finite(input) ? input : MISSING} in / ${finite(output) ? output : MISSING} out`;
}

/** How many of k graded repeats passed: `2/3`; undefined → `–`. */
export function formatPasses(passes: { passes: number; k: number } | undefined): string {
  return passes ? `${passes.passes}/${passes.k}` : MISSING;
}

/** A run's tokens: `6600 tokens (4800 in / 1800 out)`. */
export function formatTokenTotal(input: number, output: number): string {
  return `${input + output} tokens (${formatTokens(input, output)})`;
}

/** Counts by key: `server_error ×2, timeout ×1`. */
export function formatCounts(counts: Record<string, number> | undefined): string {
  return Object.entries(counts ?? {})
    .map(([key, n]) => `${key} ×${n}`)
    .join(', ');
}
