import { normalQuantile } from './stats.js';

/** How much more data would likely decide an inconclusive suite × model. */
export interface ToDecide {
  /** Repeats per case to add (null when more repeats alone would not do it). */
  repeats: number | null;
  /** Cases to add at the current repeat count (null when it cannot be estimated). */
  cases: number | null;
}

export interface ToDecideInput {
  /** Per-case pass-rate differences d_i = p_c(i) − p_b(i). */
  differences: ArrayLike<number>;
  /** Mean over cases of the estimated variance of d_i from the repeats (sampling noise); NaN at repeat 1. */
  withinVariance: number;
  /** Current repeats per case. */
  repeats: number;
  margin: number;
  /** Level of the pass (non-inferiority) bound and of the fail test (after the family-wise adjustment). */
  alphaPass: number;
  alphaFail: number;
  /** @default 0.8 */
  power?: number;
}

const LIMIT = 100_000;

/**
 * A normal-approximation power estimate from the observed spread: the standard error that would
 * put the bound past the nearer decision (the pass bound above −margin when the estimate is above
 * −margin, the fail bound below 0 when it is below 0) with probability `power`, then the cases or
 * repeats that give that standard error. The spread of d_i splits into between-case variation
 * (not reduced by repeats) and sampling noise (divided by the repeats), estimated from the repeats;
 * at repeat 1 they cannot be told apart, so only cases are estimated. A guide, not a promise.
 */
export function estimateToDecide(input: ToDecideInput): ToDecide {
  const n = input.differences.length;
  if (n < 2) return { repeats: null, cases: null };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += input.differences[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (input.differences[i] - mean) ** 2;
  const variance = squares / (n - 1);
  const zPower = normalQuantile(input.power ?? 0.8);
  // Standard errors that would decide it: pass needs mean − z·se > −margin, fail mean + z·se < 0.
  const targets: number[] = [];
  if (mean + input.margin > 0) targets.push((mean + input.margin) / (normalQuantile(1 - input.alphaPass) + zPower));
  if (mean < 0) targets.push(-mean / (normalQuantile(1 - input.alphaFail) + zPower));
  if (targets.length === 0 || variance === 0) return { repeats: null, cases: null };
  const se = Math.max(...targets);

  const casesNeeded = variance / (se * se);
  const cases = casesNeeded > LIMIT ? null : Math.max(1, Math.ceil(casesNeeded - n));
  // At repeat 1 nothing tells noise from a real change: no estimate for repeats.
  if (!Number.isFinite(input.withinVariance) || input.repeats < 2) return { repeats: null, cases };
  const within = Math.min(input.withinVariance, variance);
  const between = variance - within;
  const room = n * se * se - between;
  let repeats: number | null = null;
  if (room > 0 && within > 0) {
    const needed = (within * input.repeats) / room;
    if (needed <= LIMIT) repeats = Math.max(1, Math.ceil(needed - input.repeats));
  }
  return { repeats, cases };
}

/**
 * `about 2 more repeats per case (repeat 3) or about 150 more cases would likely decide it`; at
 * repeat 1 (`noisy` false) it adds that repeats help only if outputs vary.
 */
export function describeToDecide(toDecide: ToDecide, repeats: number, noisy = true): string {
  const parts: string[] = [];
  if (toDecide.repeats !== null) parts.push(`about ${toDecide.repeats} more repeat${toDecide.repeats === 1 ? '' : 's'} per case (repeat ${repeats + toDecide.repeats})`);
  if (toDecide.cases !== null) parts.push(`about ${toDecide.cases} more case${toDecide.cases === 1 ? '' : 's'}`);
  if (parts.length === 0) return 'the data are too few to estimate how many more repeats or cases would decide it';
  return `${parts.join(' or ')} would likely decide it${noisy ? '' : ' (more repeats help only if the outputs vary from run to run)'}`;
}
