/**
 * The regression gate of `compare`, `ci` and `drift`, one row per suite × model (docs/compare-and-gate.md
 * says the same at more length, for users).
 *
 * Cases in the statistics: those with both sides present and graded, and neither side errored.
 * Errored cases are left out; a row with errored cases that would otherwise not fail gets verdict
 * `error` (errors left no verdict, exit 3). Ungraded cases are left out too, and never count as
 * passes. A row where no case has a baseline result is decided by the floor only (`floor-only`).
 *
 * Per case i, p_b(i) and p_c(i) are the pass rates over the repeats and d_i = p_c(i) − p_b(i);
 * Δ = mean d_i. Assumptions: cases independent of one another; repeats of a case exchangeable.
 * - **fail** when the candidate is significantly worse, family-wise over every row of the compare:
 *   the one-sided sign-flip test of the d_i (at repeat 1 exactly the mid-p McNemar test of
 *   regressed against improved cases; with repeats the conventional p-value), calibrated across rows and rules by single-step min-P with
 *   sign vectors shared per case (family.ts); or when a case is significantly worse on its own
 *   (Fisher per case, Holm across the cases Tarone's rule keeps, per-case.ts) — alpha is split
 *   between the two (a quarter to the per-case test when the repeats let it flag a case, else
 *   none); or when the score of the cases whose label held dropped significantly beyond
 *   `maxScoreDrop` (in the same family); or the floor (`minPassRate`, floor-test.ts) is
 *   significantly missed; or, as an explicit policy, more than `maxRegressions` cases are labelled
 *   `regressed`.
 * - **pass** otherwise when the one-sided (1 − alpha) lower bound L of Δ is above −margin
 *   (non-inferiority, per row: a pass of every row is an intersection–union test, no correction),
 *   or, under the `maxRegressions` policy, when no more cases than it allows regressed.
 * - **inconclusive** otherwise, with an estimate of the repeats or cases that would decide it.
 * The reported interval [L, U] is the inversion of the same tests: U is the family-wise upper
 * bound (U < 0 exactly when the mean test fails the row) and L > −margin exactly when the
 * non-inferiority test passes it.
 */
import type { ResolvedGate } from '../config/types.js';
import type { CaseResult, ComparisonRow, GateVerdict } from '../run-record/types.js';
import { collectRows, type RowData } from './collect.js';
import { analyseFamily, type FamilySeries } from './family.js';
import { plural } from './format.js';
import { fisherFloor, perCaseTest } from './per-case.js';
import { evaluateRow, scoreRuleApplies } from './row-verdict.js';
import { DEFAULT_SEED } from './stats.js';

export interface CompareOptions {
  /** Repeats per case; used only when the results record no repeats (the data decides otherwise). */
  repeat: number;
  gate: ResolvedGate;
  /** Monte Carlo sign vectors when a distribution is not enumerated. @default 10000 */
  resamples?: number;
  /** @default DEFAULT_SEED */
  seed?: number;
  /**
   * The part of alpha spent on the per-case test. Default: alpha/4 when some case's repeats let
   * Fisher's test flag it among ten (1/C(n_b + n_c, n_b) < alpha/40), else 0. A caller whose design
   * decides repeats as it goes (adaptive repeats) should fix it up front.
   */
  caseAlpha?: number;
  /** Cost limit of exact distributions (see sign-flip.ts). */
  exactBudget?: number;
  /**
   * Adaptive repeats (adaptive.ts, README "Adaptive repeats"): `cases` hold every repeat so far and
   * `firstRound` every case's round 1 (its first `startRepeats` repeats a side, in the order of
   * `cases`). The mean test, the margin, the score rule and the floor read round 1 only, where
   * every case ran the same repeats (so their estimates are unbiased and their data do not change
   * from look to look); the per-case test reads all repeats, stratified into round 1 and the rest,
   * at `caseAlpha` (this look's share, fixed by the design). `alphaMean` is the mean test's alpha.
   */
  adaptive?: { firstRound: Iterable<CaseResult>; alphaMean: number };
}

/** The family-wise test's name in run.json. */
export const FAMILY_TEST = 'min-p sign-flip (single-step; mid-p at repeat 1), per-case Fisher–Holm';

/** A case the per-case test flagged, or that it could still flag. */
export interface CaseFinding {
  suite: string;
  model: string;
  caseId: string;
  /** Fisher's one-sided p-value. */
  pValue: number;
  /** Holm-adjusted, scaled to compare with alpha (1 when the case cannot reach significance). */
  pAdjusted: number;
  significant: boolean;
  /** In the Holm family (its total passes let it reach significance). */
  tested: boolean;
  /** Some repeat disagrees with another, on either side. */
  disagree: boolean;
  /** The candidate passed it less often than the baseline. */
  worse: boolean;
}

export interface GateAnalysis {
  rows: ComparisonRow[];
  cases: CaseFinding[];
  /** Alpha of the mean test and of the per-case test (they add up to alpha). */
  alphaMean: number;
  alphaCase: number;
}

/**
 * Baseline against candidate per suite × model (first-seen order): rates, deltas with intervals,
 * change counts, the tests, and the row's verdict with its reasons. Reads only per-case summaries.
 */
export function compareRows(cases: Iterable<CaseResult>, options: CompareOptions): ComparisonRow[] {
  return analyseGate(cases, options).rows;
}

/** compareRows, with the per-case findings (what adaptive repeats needs). */
export function analyseGate(cases: Iterable<CaseResult>, options: CompareOptions): GateAnalysis {
  const data = collectRows(cases, options.adaptive?.firstRound);
  const { gate } = options;
  const paired = data.flatMap((row) => row.counts2x2);
  const alphaCase = options.caseAlpha ?? defaultCaseAlpha(paired, gate.alpha);
  const alphaMean = options.adaptive?.alphaMean ?? gate.alpha - alphaCase;

  // Flip units: a case id of a suite is one unit under every model.
  const units = new Map<string, number>();
  const unitOf = (suite: string, caseId: string) => {
    const key = JSON.stringify([suite, caseId]);
    if (!units.has(key)) units.set(key, units.size);
    return units.get(key)!;
  };
  const series: FamilySeries[] = [];
  const slots = data.map((row) => {
    if (row.baselinePass.length === 0) return undefined;
    const rowUnits = Int32Array.from(row.caseIds, (id) => unitOf(row.suite, id));
    const d = difference(row.candidatePass, row.baselinePass);
    const e = difference(row.candidateScore, row.baselineScore);
    const pass = series.push({ values: d, units: rowUnits, scale: gridOf(row), role: 'test' }) - 1;
    const scoreRule = scoreRuleApplies(row);
    const score = scoreRule
      ? series.push({ values: e.map((v, i) => (row.unchanged[i] ? v + gate.maxScoreDrop : 0)), units: rowUnits, scale: 0, role: 'test' }) - 1
      : undefined;
    const describe = row.scoresArePassRates ? undefined : series.push({ values: e, units: rowUnits, scale: 0, role: 'describe' }) - 1;
    return { pass, score, describe, d, e };
  });
  const family = analyseFamily(series, units.size, { resamples: options.resamples, seed: options.seed ?? DEFAULT_SEED, exactBudget: options.exactBudget });
  const perCase = alphaCase > 0 && paired.length > 0 ? perCaseTest(paired, alphaCase) : undefined;

  const findings: CaseFinding[] = [];
  let offset = 0;
  const rows = data.map((row, r) => {
    const start = offset;
    offset += row.counts2x2.length;
    const caseFindings = row.caseIds.map((caseId, i): CaseFinding => {
      const c = row.counts2x2[i];
      const adjusted = perCase ? Math.min(1, (perCase.adjusted[start + i] * gate.alpha) / alphaCase) : 1;
      const passes = c.baselinePasses + c.candidatePasses;
      return {
        suite: row.suite,
        model: row.model,
        caseId,
        pValue: perCase?.pValues[start + i] ?? 1,
        pAdjusted: adjusted,
        significant: adjusted < gate.alpha,
        tested: perCase?.family[start + i] ?? false,
        disagree: passes > 0 && passes < c.baselineTrials + c.candidateTrials,
        worse: c.candidatePasses / c.candidateTrials < c.baselinePasses / c.baselineTrials,
      };
    });
    findings.push(...caseFindings);
    const slot = slots[r];
    return evaluateRow(row, { options, family, slot, caseFindings, perCase, alphaMean, alphaCase });
  });
  return { rows, cases: findings, alphaMean, alphaCase };
}

/** Cases that more repeats could still help decide: in rows not yet failed, repeats that disagree, not already flagged. */
export function undecidedCases(analysis: GateAnalysis): CaseFinding[] {
  const open = new Set(analysis.rows.filter((r) => r.verdict === 'inconclusive' || r.verdict === 'pass').map((r) => JSON.stringify([r.suite, r.model])));
  const inconclusive = new Set(analysis.rows.filter((r) => r.verdict === 'inconclusive').map((r) => JSON.stringify([r.suite, r.model])));
  return analysis.cases.filter((c) => {
    const key = JSON.stringify([c.suite, c.model]);
    if (!open.has(key) || c.significant || !c.disagree) return false;
    // In a passing row only a case that went down can still be a concentrated breakage.
    return inconclusive.has(key) || c.worse;
  });
}

/** Overall: any row `fail` → fail, else any `error` → error, else any `inconclusive` → inconclusive, else pass. */
export function decideGate(rows: ComparisonRow[], gate: ResolvedGate): GateVerdict {
  const verdict = rows.some((r) => r.verdict === 'fail')
    ? 'fail'
    : rows.some((r) => r.verdict === 'error')
      ? 'error'
      : rows.some((r) => r.verdict === 'inconclusive')
        ? 'inconclusive'
        : 'pass';
  if (verdict !== 'pass') {
    const reasons = rows.filter((r) => r.verdict === verdict || (verdict !== 'inconclusive' && r.verdict !== 'pass')).flatMap((r) => r.reasons.map((text) => `${r.suite} \u00d7 ${r.model}: ${text}`));
    return { verdict, reasons };
  }
  if (rows.length === 0) return { verdict, reasons: ['no cases compared'] };
  const limits = [`margin ${gate.margin}`, `alpha ${gate.alpha}`, ...(gate.maxRegressions === undefined ? [] : [`maxRegressions ${gate.maxRegressions}`]), `maxScoreDrop ${gate.maxScoreDrop}`, `minPassRate ${gate.minPassRate}`].join(', ');
  const compared = rows.filter((r) => r.test !== 'floor-only');
  const reasons = compared.length ? [`${plural(compared.length, 'suite \u00d7 model comparison')} passed (${limits})`] : [];
  for (const row of rows) if (row.test === 'floor-only') reasons.push(`${row.suite} \u00d7 ${row.model}: ${row.reasons[0] ?? 'no baseline: decided by the floor only'}`);
  return { verdict, reasons };
}

/** The smallest family-wise p-value of the rows: the p-value of "something in this comparison got worse". */
export function familyPValue(rows: ComparisonRow[]): number | null {
  const values = rows.map((r) => r.pValueFamily).filter((p): p is number => typeof p === 'number');
  return values.length ? Math.min(...values) : null;
}

/** The default split of alpha: a quarter to the per-case test when the repeats let it flag a case among ten. */
function defaultCaseAlpha(paired: RowData['counts2x2'], alpha: number): number {
  const share = alpha / 4;
  return paired.some((c) => fisherFloor(c.baselineTrials, c.candidateTrials) < share / 10) ? share : 0;
}

/** Denominator of the pass-rate differences (lcm of the repeat counts), or 0 when too large for an exact distribution. */
function gridOf(data: RowData): number {
  let l = 1;
  for (const whole of data.counts2x2) {
    // Adaptive: the rates are round 1's.
    const c = whole.strata?.[0] ?? whole;
    for (const k of [c.baselineTrials, c.candidateTrials]) {
      l = (l / gcd(l, k)) * k;
      if (l > 1e6) return 0;
    }
  }
  return l;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function difference(after: number[], before: number[]): Float64Array {
  return Float64Array.from(after, (v, i) => v - before[i]);
}
