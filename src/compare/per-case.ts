import { countBelow } from '../util/stats.js';
import { logGamma } from './stats.js';

/** One case's pass counts on each side (over its repeats). */
export interface CaseCounts {
  baselinePasses: number;
  baselineTrials: number;
  candidatePasses: number;
  candidateTrials: number;
  /**
   * Adaptive repeats: the same counts split into batches whose sizes were fixed before they were
   * drawn (round 1, then the repeats added after it), in that order; they add up to the totals.
   * The test then conditions on each batch's total passes (a stratified Fisher test), which stays
   * exact when how many repeats a case gets depended on those totals (adaptive.ts).
   */
  strata?: CaseCounts[];
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X = x) for the candidate's passes X given both sides' trials and the total passes t (hypergeometric). */
function hypergeometric(x: number, c: CaseCounts, t: number): number {
  const { baselineTrials: nb, candidateTrials: nc } = c;
  if (x < Math.max(0, t - nb) || x > Math.min(t, nc)) return 0;
  return Math.exp(logChoose(nc, x) + logChoose(nb, t - x) - logChoose(nb + nc, t));
}

/**
 * One-sided Fisher exact test that the candidate passes this case less often than the baseline:
 * given the case's total passes t on both sides, P(X ≤ candidate passes) with X hypergeometric.
 * Valid whenever, under H0, the repeats of both sides are independent draws with one pass chance.
 */
export function fisherWorse(c: CaseCounts): number {
  if (c.strata && c.strata.length > 1) return stratifiedWorse(c.strata);
  const t = c.baselinePasses + c.candidatePasses;
  let p = 0;
  for (let x = Math.max(0, t - c.baselineTrials); x <= c.candidatePasses; x++) p += hypergeometric(x, c, t);
  return Math.min(1, p);
}

/** The smallest p-value `fisherWorse` can reach for this case's total passes (every pass on the baseline). */
export function fisherMinimum(c: CaseCounts): number {
  if (c.strata && c.strata.length > 1) return c.strata.reduce((product, s) => product * fisherMinimum(s), 1);
  const t = c.baselinePasses + c.candidatePasses;
  return Math.min(1, hypergeometric(Math.max(0, t - c.baselineTrials), c, t));
}

/**
 * Fisher's test stratified by batch: X_j, the candidate's passes in batch j, is hypergeometric
 * given that batch's total passes, independently across batches, and the statistic is ΣX_j:
 * P(ΣX_j ≤ observed), the tail of the convolution of the batches' hypergeometric laws.
 */
function stratifiedWorse(strata: CaseCounts[]): number {
  // pmf of the running sum, offset by its smallest value.
  let low = 0;
  let pmf = [1];
  let observed = 0;
  for (const s of strata) {
    const t = s.baselinePasses + s.candidatePasses;
    const from = Math.max(0, t - s.baselineTrials);
    const to = Math.min(t, s.candidateTrials);
    const next = new Array<number>(pmf.length + to - from).fill(0);
    for (let x = from; x <= to; x++) {
      const w = hypergeometric(x, s, t);
      for (let i = 0; i < pmf.length; i++) next[i + x - from] += pmf[i] * w;
    }
    pmf = next;
    low += from;
    observed += s.candidatePasses;
  }
  let p = 0;
  for (let i = 0; i <= observed - low && i < pmf.length; i++) p += pmf[i];
  return Math.min(1, p);
}

/** The smallest p-value any case with these trial counts can reach: 1 / C(nb + nc, nb). */
export function fisherFloor(baselineTrials: number, candidateTrials: number): number {
  return Math.exp(-logChoose(baselineTrials + candidateTrials, baselineTrials));
}

export interface PerCaseResult {
  /** Per case: the Fisher p-value. */
  pValues: number[];
  /** Per case: the Holm-adjusted p-value within the tested set (1 outside it). Significant when below alpha. */
  adjusted: number[];
  /** Per case: in the Holm family (Tarone: its total passes let it reach significance). */
  family: boolean[];
  /** Size of the Holm family. */
  tested: number;
}

/**
 * Fisher per case, Holm across cases, in the family Tarone's rule allows: cases whose smallest
 * attainable p-value (fixed by the case's total passes, on which Fisher conditions) could not pass
 * a Bonferroni cut at alpha/K are left out, K being the smallest count with at most K cases able
 * to pass alpha/K. The family depends only on the totals, so under H0 — given the totals — Holm
 * over it keeps the chance of flagging any unchanged case at most alpha (Tarone 1990; cases need
 * not be independent of one another for Holm). Cases that agree on every repeat cannot be flagged
 * and cost nothing.
 */
export function perCaseTest(cases: CaseCounts[], alpha: number): PerCaseResult {
  const pValues = cases.map(fisherWorse);
  const minima = cases.map(fisherMinimum);
  // The smallest K with #{m < alpha/K} ≤ K (the count falls as K grows): binary search on the sorted minima.
  const sorted = Float64Array.from(minima).sort();
  const below = (cut: number) => countBelow(sorted, cut);
  let lo = 1;
  let hi = Math.max(1, cases.length);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (below(alpha / mid) <= mid) hi = mid;
    else lo = mid + 1;
  }
  const k = lo;
  const family = cases.map((_, i) => i).filter((i) => minima[i] < alpha / k);
  const adjusted = cases.map(() => 1);
  family.sort((a, b) => pValues[a] - pValues[b]);
  let running = 0;
  family.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (family.length - rank) * pValues[i]));
    adjusted[i] = running;
  });
  const inFamily = cases.map(() => false);
  for (const i of family) inFamily[i] = true;
  return { pValues, adjusted, family: inFamily, tested: family.length };
}
