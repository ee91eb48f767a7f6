import { countBelow } from '../util/stats.js';
import { binomialPmf } from './stats.js';

/**
 * The paired sign-flip test of one series of per-case differences x_i (candidate − baseline), and
 * the same test shifted to any θ, so that confidence bounds are its exact inversion.
 *
 * Under H0 "no change" each case's difference is as likely to be +x as −x (the sides could be
 * swapped), so flipping the signs of a random subset F of the cases leaves the data's distribution
 * unchanged. With S = Σx and the flip sum f = Σ_{i∈F} x_i, the flipped statistic is S − 2f, and the
 * one-sided p-value for "centred below 0" is P*(S − 2f < S) + w·P*(S − 2f = S) = P*(f > 0) + w·P*(f = 0), with
 * w = ½ (mid-p) or 1 (conventional; see TieWeight).
 *
 * Shifted to θ (H0: the mean difference is θ) the values are x_i − θ for every case, zeros
 * included, and f(θ) = f − θ·|F|. The p-value is non-increasing in θ, so {θ : p(θ) ≥ level} is an
 * interval and its end is the confidence bound that agrees with the test at every θ. At θ ≠ 0
 * the test assumes the shifted differences are symmetric; without symmetry the sign-flip test of
 * a mean is still asymptotically valid, because Σx_i² estimates the variance of S.
 */
export interface FlipNull {
  /** Enumerated exactly (true) or from seeded Monte Carlo sign vectors (false). */
  readonly exact: boolean;
  /** P-value of "centred below θ": P*(f(θ) > 0) + tie·P*(f(θ) = 0) (see TieWeight). `lower(0)` is the test's p-value. */
  lower(theta: number): number;
  /** P-value of "centred above θ": P*(f(θ) < 0) + tie·P*(f(θ) = 0) (1 − lower(θ) for mid-p). */
  upper(theta: number): number;
  /** The lower-tail p-value, at θ = 0, of a resample whose flipped cases sum to `flipSum`: P*(f > flipSum) + tie·P*(f = flipSum). */
  pOfFlipSum(flipSum: number): number;
  /** `pOfFlipSum` of many resamples at once, their flip sums given in integer units of `quantum`. */
  pOfFlipSums(sums: Float64Array, quantum: number): Float64Array;
}

/** Default cost limit of the exact distribution (array cells visited while building it). */
export const DEFAULT_EXACT_BUDGET = 4_000_000;

/**
 * The exact null distribution when every value is a multiple of 1/`scale` (pass-rate differences
 * over k repeats are multiples of 1/k) and the dynamic programme over (flip sum, flipped cases)
 * fits `budget`; otherwise undefined (use Monte Carlo). Cases whose value is 0 add only to |F|:
 * their count J of flipped ones is Binomial(z, ½), summed in closed form at each θ.
 */
export function exactNull(values: ArrayLike<number>, scale: number, budget = DEFAULT_EXACT_BUDGET, tie: TieWeight = MID_P): FlipNull | undefined {
  if (!(scale > 0)) return undefined;
  const groups = new Map<number, number>();
  let zeros = 0;
  let low = 0;
  let high = 0;
  for (let i = 0; i < values.length; i++) {
    const scaled = values[i] * scale;
    const v = Math.round(scaled);
    if (Math.abs(scaled - v) > 1e-6) return undefined;
    if (v === 0) {
      zeros++;
      continue;
    }
    groups.set(v, (groups.get(v) ?? 0) + 1);
    if (v < 0) low += v;
    else high += v;
  }
  const active = values.length - zeros;
  const width = high - low + 1;
  const counts = active + 1;
  if (width * counts * (active + groups.size + 1) > budget) return undefined;

  // dist[(f − low)·counts + g]: probability that the flipped active cases sum to f (in 1/scale units) with g of them flipped.
  let dist = new Float64Array(width * counts);
  dist[-low * counts] = 1;
  for (const [v, k] of groups) {
    const next = new Float64Array(width * counts);
    const weights = Array.from({ length: k + 1 }, (_, t) => binomialPmf(t, k, 0.5));
    for (let cell = 0; cell < dist.length; cell++) {
      const w = dist[cell];
      if (w === 0) continue;
      for (let t = 0; t <= k; t++) next[cell + t * v * counts + t] += w * weights[t];
    }
    dist = next;
  }
  let live = 0;
  for (let cell = 0; cell < dist.length; cell++) if (dist[cell] !== 0) live++;
  // The states (flip sum, flipped count, probability), as parallel arrays for the θ ≠ 0 sums.
  const stateF = new Float64Array(live);
  const stateG = new Float64Array(live);
  const stateW = new Float64Array(live);
  const byF = new Float64Array(width);
  for (let cell = 0, at = 0; cell < dist.length; cell++) {
    if (dist[cell] === 0) continue;
    const f = Math.floor(cell / counts) + low;
    stateF[at] = f / scale;
    stateG[at] = cell % counts;
    stateW[at++] = dist[cell];
    byF[f - low] += dist[cell];
  }
  // pAt[j] = P(f > low + j) + tie·P(f = low + j), tails summed from the top so small ones keep their precision.
  const pAt = new Float64Array(width);
  let above = 0;
  for (let j = width - 1; j >= 0; j--) {
    pAt[j] = Math.min(1, above + tie * byF[j]);
    above += byF[j];
  }
  const pOfFlipSum = (flipSum: number): number => {
    const j = Math.round(flipSum * scale) - low;
    return j < 0 ? 1 : j >= width ? 0 : pAt[j];
  };
  const pOfFlipSums = (sums: Float64Array, quantum: number): Float64Array => {
    const out = new Float64Array(sums.length);
    const ratio = quantum * scale;
    for (let b = 0; b < sums.length; b++) {
      const j = Math.round(sums[b] * ratio) - low;
      out[b] = j < 0 ? 1 : j >= width ? 0 : pAt[j];
    }
    return out;
  };

  const jPmf = Float64Array.from({ length: zeros + 1 }, (_, j) => binomialPmf(j, zeros, 0.5));
  const jBelow = new Float64Array(zeros + 2); // jBelow[j] = P(J < j)
  for (let j = 0; j <= zeros; j++) jBelow[j + 1] = jBelow[j] + jPmf[j];
  // P*(f(θ) > 0) and P*(f(θ) = 0).
  const tails = (theta: number): [greater: number, equal: number] => {
    if (theta === 0) {
      const j = -low;
      return j < 0 ? [1, 0] : j >= width ? [0, 0] : [pAt[j] - tie * byF[j], byF[j]];
    }
    // f(θ) = f − θ(g + J) > 0  ⇔  J > c (θ < 0) or J < c (θ > 0), with c = (f − θg)/θ; J = c ties.
    const above = theta < 0;
    let greater = 0;
    let equal = 0;
    for (let i = 0; i < live; i++) {
      const c = (stateF[i] - theta * stateG[i]) / theta;
      const r = Math.round(c);
      if (Math.abs(c - r) < 1e-9) {
        if (r >= 0 && r <= zeros) equal += stateW[i] * jPmf[r];
        greater += stateW[i] * (above ? 1 - jBelow[clamp(r + 1, zeros + 1)] : jBelow[clamp(r, zeros + 1)]);
      } else {
        const k = clamp(Math.floor(c) + 1, zeros + 1); // P(J ≤ ⌊c⌋) = jBelow[k]
        greater += stateW[i] * (above ? 1 - jBelow[k] : jBelow[k]);
      }
    }
    return [greater, equal];
  };
  return withTails(true, tails, tie, pOfFlipSum, pOfFlipSums);
}

function clamp(j: number, max: number): number {
  return Math.max(0, Math.min(j, max));
}

/**
 * The null distribution from Monte Carlo sign vectors: for each resample b, `flipSums[b]` (in
 * units of `quantum`, so ties are exact integers) and `flipped[b]` = |F_b|. The identity (nothing
 * flipped) counts as one more resample, so p-values are (hits + 1·½ …)/(B + 1) and the test stays
 * valid at any number of resamples.
 */
export function sampledNull(flipSums: Float64Array, flipped: Int32Array, quantum: number, tie: TieWeight = MID_P): FlipNull {
  const total = flipSums.length + 1;
  const sums = Float64Array.from(flipSums).sort();
  // τ_b = f_b/|F_b|: f(θ) > 0 ⇔ θ < τ_b. Resamples with nothing flipped (and the identity) always tie.
  let none = 1;
  const ratios: number[] = [];
  for (let b = 0; b < flipSums.length; b++) {
    if (flipped[b] === 0) none++;
    else ratios.push((flipSums[b] * quantum) / flipped[b]);
  }
  const taus = Float64Array.from(ratios).sort();
  const pOfQuantum = (q: number): number => {
    const below = countBelow(sums, q);
    const atOrBelow = countBelow(sums, q + 0.5);
    const greater = sums.length - atOrBelow + (q < 0 ? 1 : 0);
    const equal = atOrBelow - below + (q === 0 ? 1 : 0);
    return (greater + tie * equal) / total;
  };
  const pOfFlipSum = (flipSum: number): number => pOfQuantum(Math.round(flipSum / quantum));
  const pOfFlipSums = (values: Float64Array, unit: number): Float64Array => {
    const out = new Float64Array(values.length);
    const ratio = unit / quantum;
    for (let b = 0; b < values.length; b++) out[b] = pOfQuantum(Math.round(values[b] * ratio));
    return out;
  };
  const tails = (theta: number): [greater: number, equal: number] => {
    if (theta === 0) {
      const below = countBelow(sums, 0);
      const atOrBelow = countBelow(sums, 0.5);
      return [(sums.length - atOrBelow) / total, (atOrBelow - below + 1) / total];
    }
    const eps = 1e-12 * Math.max(1, Math.abs(theta));
    const greater = taus.length - countBelow(taus, theta + eps);
    const equal = countBelow(taus, theta + eps) - countBelow(taus, theta - eps);
    return [greater / total, (equal + none) / total];
  };
  return withTails(false, tails, tie, pOfFlipSum, pOfFlipSums);
}


/**
 * How a p-value counts the resamples that tie the observed statistic: `MID_P` (½, mid-p) or
 * `CONVENTIONAL` (1). Mid-p is closer to the nominal level on coarse distributions but can exceed
 * it; the conventional p-value of a randomisation test never does.
 */
export type TieWeight = 0.5 | 1;
export const MID_P: TieWeight = 0.5;
export const CONVENTIONAL: TieWeight = 1;

/**
 * A FlipNull from its tails: lower(θ) = P*(f(θ) > 0) + tie·P*(f(θ) = 0) and, by the same rule
 * for the other side, upper(θ) = P*(f(θ) < 0) + tie·P*(f(θ) = 0) (with the conventional weight
 * the two overlap on the ties, so each bound is valid on its own).
 */
function withTails(
  exact: boolean,
  tails: (theta: number) => [greater: number, equal: number],
  tie: TieWeight,
  pOfFlipSum: FlipNull['pOfFlipSum'],
  pOfFlipSums: FlipNull['pOfFlipSums'],
): FlipNull {
  const clampP = (p: number) => Math.min(1, Math.max(0, p));
  return {
    exact,
    lower(theta) {
      const [greater, equal] = tails(theta);
      return clampP(greater + tie * equal);
    },
    upper(theta) {
      const [greater, equal] = tails(theta);
      return clampP(1 - greater - equal + tie * equal);
    },
    pOfFlipSum,
    pOfFlipSums,
  };
}
