/**
 * The regression gate of `compare`, `ci` and `drift`, one row per suite × model (README: "Compare and the gate"
 * says the same at more length, for users).
 *
 * Cases in the statistics: those with both sides present and graded, and neither side errored.
 * Errored cases are left out; a row with errored cases that would otherwise pass gets verdict
 * `error` (errors left no verdict, exit 3), while a row that fails on the other cases stays `fail`.
 * Ungraded cases (nothing to grade them) are left out too, and never count as passes: a row where
 * no candidate case was graded gets verdict `error` (a selection with no graded case is never a pass).
 *
 * Two rules, each with its own tolerance, so that one does not silently override the other:
 * - pass/fail flips, tolerance `maxRegressions`;
 * - score drift on the cases whose pass/fail label held (unchanged-pass / unchanged-fail),
 *   tolerance `maxScoreDrop`. Flipped cases are the first rule's business (otherwise every
 *   tolerated regression would also fail the score rule). Skipped when every score equals its
 *   pass rate: the score is then the pass rate, and the first rule covers it.
 * - and the floor: candidate pass rate below `minPassRate`.
 * A row where no case has a baseline result (a new prompt in `ci`, only new cases) compared
 * nothing: it is decided by the floor only (`test: 'floor-only'`), and with no floor configured
 * every case must pass; the verdict's reasons say so.
 *
 * Exact gate (every case ran once on each side): outcomes are taken as they are. Fails when the
 * cases labelled `regressed` exceed `maxRegressions`, when the mean score of the unchanged cases
 * dropped by more than `maxScoreDrop`, or when the candidate pass rate is below `minPassRate`.
 * `test: 'exact'`, `pValue: null`.
 *
 * Noisy gate (repeat > 1): per case i, p_b(i), p_c(i) are the pass rates over the repeats and
 * s_b(i), s_c(i) the mean scores; d_i = p_c(i) − p_b(i), e_i = s_c(i) − s_b(i). A one-sided paired
 * sign-flip permutation test (permutation.ts) of, with tolerances by shifting:
 *   flips: H0 Σ(p_b − p_c) ≤ maxRegressions (case-passes lost; 0 = "no drop") → d_i + maxRegressions/n
 *   score: H0 mean(s_b − s_c) ≤ maxScoreDrop over the unchanged cases        → e_i + maxScoreDrop
 * Both series are flipped together and share one alpha (studentised sums, min statistic). The row
 * fails when an adjusted p-value is below alpha. Assumptions: cases independent; repeats
 * exchangeable within a case; under H0 each case's (d_i, e_i) is symmetric about the tolerance
 * (exactly true when both sides have the same per-case distribution, as the sides can be swapped;
 * choosing the unchanged cases is symmetric in the sides, so it keeps this). No normality.
 * Exact up to 20 non-zero cases, else 10,000 seeded Monte Carlo sign vectors with the +1
 * correction. With one series of −1/0/+1 differences (unanimous repeats, no tolerance) this is
 * exactly McNemar's test and is computed as such (`mcnemar-exact`).
 * The floor fails when the one-sided (1 − alpha) Clopper–Pearson upper bound of the candidate's
 * pooled pass rate is below `minPassRate`, i.e. only when it is significantly below.
 * Per-case labels (majority of repeats) are reported; the noisy gate never counts them.
 *
 * Intervals (both modes): paired percentile bootstrap over cases (2,000 seeded resamples) of the
 * mean difference over all compared cases; each end is a one-sided (1 − alpha) bound, so
 * [lo, hi] is a 1 − 2·alpha two-sided interval whose upper end matches the one-sided test.
 */
import type { GateConfig } from '../config/types.js';
import type { CaseResult, ComparisonRow, GateVerdict } from '../run-record/types.js';
import { collectRows, type RowData } from './collect.js';
import { formatCi, formatDelta, formatRate, formatTest, plural } from './format.js';
import { signFlipTest } from './permutation.js';
import { bootstrapMeanIntervals, clopperPearsonUpper, DEFAULT_SEED, mcnemarExact, mean } from './stats.js';

export interface CompareOptions {
  /** Repeats per case; used only when the results record no repeats (the data decides otherwise). */
  repeat: number;
  gate: Required<GateConfig>;
  /** Monte Carlo sign vectors of the permutation test. @default 10000 */
  resamples?: number;
  /** Bootstrap resamples of the intervals. @default 2000 */
  bootstrapResamples?: number;
  /** @default DEFAULT_SEED */
  seed?: number;
}

/** What a mode's checks found: sentences that fail the row, and sentences that only inform. */
interface Findings {
  test: string;
  pValue: number | null;
  failing: string[];
  context: string[];
}

interface Deltas {
  pass: Float64Array;
  score: Float64Array;
  passCi: [number, number];
  scoreCi: [number, number];
}

/**
 * Baseline against candidate per suite × model (first-seen order): rates, deltas with intervals,
 * change counts, the test, and the row's verdict with its reasons. Reads only per-case summaries.
 */
export function compareRows(cases: Iterable<CaseResult>, options: CompareOptions): ComparisonRow[] {
  return collectRows(cases).map((data) => evaluateRow(data, options));
}

/** The overall verdict: any row `fail` → fail, else any row `error` → error, else pass. */
export function decideGate(rows: ComparisonRow[], gate: Required<GateConfig>): GateVerdict {
  const verdict = rows.some((r) => r.verdict === 'fail') ? 'fail' : rows.some((r) => r.verdict === 'error') ? 'error' : 'pass';
  if (verdict !== 'pass') {
    const reasons = rows.filter((r) => r.verdict !== 'pass').flatMap((r) => r.reasons.map((text) => `${r.suite} \u00d7 ${r.model}: ${text}`));
    return { verdict, reasons };
  }
  if (rows.length === 0) return { verdict, reasons: ['no cases compared'] };
  const limits = `maxRegressions ${gate.maxRegressions}, maxScoreDrop ${gate.maxScoreDrop}, minPassRate ${gate.minPassRate}, alpha ${gate.alpha}`;
  const compared = rows.filter((r) => r.test !== 'floor-only');
  const reasons = compared.length ? [`${plural(compared.length, 'suite \u00d7 model comparison')} passed (${limits})`] : [];
  // Rows with nothing to compare say so: they passed the floor, not a comparison.
  for (const row of rows) if (row.test === 'floor-only') reasons.push(`${row.suite} \u00d7 ${row.model}: ${row.reasons[0] ?? 'no baseline: decided by the floor only'}`);
  return { verdict, reasons };
}

function evaluateRow(data: RowData, options: CompareOptions): ComparisonRow {
  const { gate } = options;
  const seed = options.seed ?? DEFAULT_SEED;
  const pass = difference(data.candidatePass, data.baselinePass);
  const score = difference(data.candidateScore, data.baselineScore);
  const [passCi, scoreCi] = bootstrapMeanIntervals([pass, score], gate.alpha, { resamples: options.bootstrapResamples, seed });
  const deltas: Deltas = { pass, score, passCi, scoreCi };
  const noisy = (data.maxRepeats || options.repeat) > 1;

  // Graded candidate cases but no graded baseline result to compare them with (a new prompt in ci,
  // only new cases, or a baseline with nothing to grade it): nothing was compared, so the row is
  // decided by the floor alone, never passed for want of a comparison.
  const floorOnly = pass.length === 0 && data.floorCases > 0;
  const findings: Findings = floorOnly
    ? floorOnlyGate(data, gate, noisy)
    : pass.length === 0
      ? { test: 'none', pValue: null, failing: [], context: ['no case ran on both sides without error: nothing to compare'] }
      : noisy
        ? noisyGate(data, deltas, options, seed + 1)
        : exactGate(data, deltas, gate);
  if (!floorOnly) checkFloor(data, gate, noisy, findings);

  let verdict: ComparisonRow['verdict'] = findings.failing.length > 0 ? 'fail' : 'pass';
  const reasons = verdict === 'fail' ? [...findings.failing] : [];
  if (data.erroredCases > 0) {
    const sides = `${data.erroredCandidate} on the candidate, ${data.erroredBaseline} on the baseline`;
    if (verdict === 'pass') {
      verdict = 'error';
      reasons.push(`${plural(data.erroredCases, 'errored case')} (${sides}) left no verdict`);
    } else reasons.push(`${plural(data.erroredCases, 'errored case')} (${sides}) left out of the comparison`);
  }
  if (data.ungradedCases > 0) {
    const onlyBaseline = data.ungradedCases - data.ungradedCandidate;
    const what = `${plural(data.ungradedCases, 'ungraded case')} (nothing to grade them with${onlyBaseline > 0 ? `; ${onlyBaseline} on the baseline only` : ''})`;
    if (data.floorCases === 0 && data.erroredCases === 0) {
      verdict = 'error';
      reasons.push(`no case was graded, ${what}: no verdict (add __expected or assert to the cases, or an output.schema to the prompt)`);
    } else reasons.push(`${what} left out of the comparison`);
  }
  if (verdict === 'fail' && noisy) reasons.push(`${labels(data)} (majority of repeats; informative only)`);
  if (verdict === 'pass') reasons.push(...findings.context);

  return {
    suite: data.suite,
    model: data.model,
    cases: data.cases,
    baselinePassRate: mean(data.baselinePass),
    candidatePassRate: mean(data.candidatePass),
    passRateDelta: mean(pass),
    passRateDeltaCi: passCi,
    baselineMeanScore: mean(data.baselineScore),
    candidateMeanScore: mean(data.candidateScore),
    scoreDelta: mean(score),
    scoreDeltaCi: scoreCi,
    counts: { ...data.counts },
    test: findings.test,
    pValue: findings.pValue,
    verdict,
    reasons,
  };
}

function exactGate(data: RowData, d: Deltas, gate: Required<GateConfig>): Findings {
  const findings: Findings = { test: 'exact', pValue: null, failing: [], context: [] };
  const regressed = data.counts.regressed;
  if (regressed > gate.maxRegressions) findings.failing.push(`${plural(regressed, 'regressed case')} (max ${gate.maxRegressions})`);
  else findings.context.push(`${labels(data)} (max ${gate.maxRegressions} regressed)`);
  findings.context.push(`${rateLine('pass rate', data.baselinePass, data.candidatePass, d.passCi, gate.alpha)})`);
  if (!data.scoresArePassRates) findings.context.push(`${rateLine('mean score', data.baselineScore, data.candidateScore, d.scoreCi, gate.alpha)})`);

  const unchanged = unchangedScores(data);
  if (!unchanged) return findings;
  const drop = mean(unchanged.before) - mean(unchanged.after);
  const line = `${unchanged.head} (${formatDelta(-drop)})`;
  if (drop > gate.maxScoreDrop + 1e-9) findings.failing.push(`${line}: drop ${formatRate(drop)} > max ${gate.maxScoreDrop}`);
  else findings.context.push(drop > 0 ? `${line}: drop within max ${gate.maxScoreDrop}` : line);
  return findings;
}

function noisyGate(data: RowData, d: Deltas, options: CompareOptions, seed: number): Findings {
  const { gate } = options;
  const passShift = gate.maxRegressions / d.pass.length;
  const unchanged = unchangedScores(data);
  let test = 'paired-permutation';
  let pPass: number;
  let pScore = 1;
  if (!unchanged && passShift === 0 && d.pass.every((v) => v === -1 || v === 0 || v === 1)) {
    test = 'mcnemar-exact';
    pPass = mcnemarExact(countOf(d.pass, -1), countOf(d.pass, 1));
  } else if (!unchanged) {
    [pPass] = signFlipTest([shift(d.pass, passShift)], { resamples: options.resamples, seed }).pValues;
  } else {
    // Score differences of flipped cases are 0: they take no part in the score series.
    const score = d.score.map((v, i) => (data.unchanged[i] ? v + gate.maxScoreDrop : 0));
    [pPass, pScore] = signFlipTest([shift(d.pass, passShift), score], { resamples: options.resamples, seed }).pValues;
  }
  const findings: Findings = { test, pValue: Math.min(pPass, pScore), failing: [], context: [labels(data)] };

  const lost = gate.maxRegressions > 0 ? `loss above ${plural(gate.maxRegressions, 'case')}' worth of passes: ` : '';
  const passLine = `${rateLine('pass rate', data.baselinePass, data.candidatePass, d.passCi, gate.alpha)}, ${lost}${formatTest(pPass, gate.alpha)})`;
  (pPass < gate.alpha ? findings.failing : findings.context).push(passLine);
  if (!unchanged) return findings;

  const drop = mean(unchanged.before) - mean(unchanged.after);
  const above = gate.maxScoreDrop > 0 ? `drop above ${gate.maxScoreDrop}: ` : '';
  const scoreLine = `${unchanged.head} (${formatDelta(-drop)}, ${above}${formatTest(pScore, gate.alpha)})`;
  (pScore < gate.alpha ? findings.failing : findings.context).push(scoreLine);
  return findings;
}

/** Mean scores of the cases whose pass/fail label held, or null when the score rule does not apply. */
function unchangedScores(data: RowData): { before: number[]; after: number[]; head: string } | null {
  if (data.scoresArePassRates) return null;
  const before = data.baselineScore.filter((_, i) => data.unchanged[i]);
  const after = data.candidateScore.filter((_, i) => data.unchanged[i]);
  if (before.length === 0) return null;
  const head = `mean score of the ${plural(before.length, 'case')} with unchanged pass/fail ${formatRate(mean(before))} \u2192 ${formatRate(mean(after))}`;
  return { before, after, head };
}

/**
 * A row with no baseline result for any case: decided by the floor only. With no floor configured
 * (`minPassRate: 0`) every case must pass (majority of its repeats), so a comparison that compared
 * nothing cannot pass by default.
 */
function floorOnlyGate(data: RowData, gate: Required<GateConfig>, noisy: boolean): Findings {
  const head = 'no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only';
  const findings: Findings = { test: 'floor-only', pValue: null, failing: [], context: [] };
  if (gate.minPassRate > 0) {
    checkFloor(data, gate, noisy, findings);
    const target = findings.failing.length ? findings.failing : findings.context;
    if (target.length) target[0] = `${head}: ${target[0]}`;
    return findings;
  }
  if (data.floorCases === 0) return findings;
  const failed = data.floorCases - data.floorCasesPassed;
  const rule = 'with no gate.minPassRate, every case must pass';
  if (failed > 0) findings.failing.push(`${head}; ${rule}: ${failed} of ${plural(data.floorCases, 'case')} fail`);
  else findings.context.push(`${head}: all ${plural(data.floorCases, 'case')} pass (${rule})`);
  return findings;
}

/** minPassRate over every non-errored candidate case: exact below, or significantly below when noisy. */
function checkFloor(data: RowData, gate: Required<GateConfig>, noisy: boolean, findings: Findings): void {
  if (gate.minPassRate <= 0 || data.floorTrials === 0) return;
  const rate = data.floorPasses / data.floorTrials;
  const floor = `the floor ${gate.minPassRate}`;
  const head = `candidate pass rate ${formatRate(rate)} over ${plural(data.floorCases, 'case')}`;
  if (!noisy) {
    if (rate < gate.minPassRate) findings.failing.push(`${head} is below ${floor}`);
    else findings.context.push(`${head} meets ${floor}`);
    return;
  }
  const upper = clopperPearsonUpper(data.floorPasses, data.floorTrials, gate.alpha);
  const bound = `${Number(((1 - gate.alpha) * 100).toFixed(2))}% upper bound ${formatRate(upper)}`;
  if (upper < gate.minPassRate) findings.failing.push(`${head} is below ${floor} (${bound})`);
  else if (rate < gate.minPassRate) findings.context.push(`${head} is not significantly below ${floor} (${bound})`);
  else findings.context.push(`${head} meets ${floor}`);
}

/** `pass rate 0.62 → 0.41 (−0.21, 90% CI −0.27 … −0.15` — callers close the parenthesis. */
function rateLine(name: string, before: number[], after: number[], ci: [number, number], alpha: number): string {
  const b = mean(before);
  const a = mean(after);
  return `${name} ${formatRate(b)} \u2192 ${formatRate(a)} (${formatDelta(a - b)}, ${formatCi(ci, alpha)}`;
}

/** `3 regressed, 1 improved, 150 unchanged-pass, 46 unchanged-fail` (errored/new when present). */
function labels(data: RowData): string {
  const c = data.counts;
  const parts = [`${c.regressed} regressed`, `${c.improved} improved`, `${c['unchanged-pass']} unchanged-pass`, `${c['unchanged-fail']} unchanged-fail`];
  if (c.errored > 0) parts.push(`${c.errored} errored`);
  if (c.ungraded > 0) parts.push(`${c.ungraded} ungraded`);
  if (c.new > 0) parts.push(`${c.new} new`);
  return parts.join(', ');
}

function difference(after: number[], before: number[]): Float64Array {
  return Float64Array.from(after, (v, i) => v - before[i]);
}

function shift(values: Float64Array, by: number): Float64Array {
  return by === 0 ? values : values.map((v) => v + by);
}

function countOf(values: Float64Array, target: number): number {
  let count = 0;
  for (const v of values) if (v === target) count++;
  return count;
}
