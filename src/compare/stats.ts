/**
 * Small, dependency-free statistics for `compare`: a seeded PRNG, exact binomial tails, the exact
 * one-sided McNemar test, Clopper–Pearson bounds, quantiles and a paired percentile bootstrap.
 * Every function is deterministic given its inputs (randomised ones take a seed).
 * The sign-flip permutation test lives in permutation.ts.
 */

/** Seed used when a caller gives none, so a comparison never depends on the clock. */
export const DEFAULT_SEED = 0x5eed_2024;

/** A PRNG returning uint32 values; `float()` maps them to [0, 1). */
export interface Random {
  uint32(): number;
  float(): number;
}

/** mulberry32: a tiny, fast 32-bit PRNG, good enough for resampling (not for cryptography). */
export function createRandom(seed: number = DEFAULT_SEED): Random {
  // State kept as int32 so V8 holds it unboxed (a uint32 above 2^31 would be a heap number).
  let state = seed | 0;
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return { uint32, float: () => uint32() / 4294967296 };
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function logBinomialPmf(k: number, n: number, p: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X ≥ k) summed upward from k; accurate when k is at or above the mode (terms decrease). */
function upperSum(k: number, n: number, p: number): number {
  let term = Math.exp(logBinomialPmf(k, n, p));
  let sum = 0;
  const ratio = p / (1 - p);
  for (let i = k; i <= n && term > 0; i++) {
    sum += term;
    if (term < sum * 1e-17) break;
    term *= ((n - i) / (i + 1)) * ratio;
  }
  return Math.min(1, sum);
}

/** P(X ≤ k) summed downward from k; accurate when k is below the mode (terms decrease). */
function lowerSum(k: number, n: number, p: number): number {
  let term = Math.exp(logBinomialPmf(k, n, p));
  let sum = 0;
  const ratio = (1 - p) / p;
  for (let i = k; i >= 0 && term > 0; i--) {
    sum += term;
    if (term < sum * 1e-17) break;
    term *= (i / (n - i + 1)) * ratio;
  }
  return Math.min(1, sum);
}

/** Exact binomial CDF: P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  k = Math.floor(k);
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const mode = Math.floor((n + 1) * p);
  return k < mode ? lowerSum(k, n, p) : Math.max(0, 1 - upperSum(k + 1, n, p));
}

/** Exact binomial upper tail: P(X ≥ k) for X ~ Binomial(n, p), accurate even when tiny. */
export function binomialSf(k: number, n: number, p: number): number {
  k = Math.ceil(k);
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const mode = Math.floor((n + 1) * p);
  return k >= mode ? upperSum(k, n, p) : Math.max(0, 1 - lowerSum(k - 1, n, p));
}

/**
 * Exact one-sided McNemar test for "candidate is worse": among the discordant pairs, `regressed`
 * went pass → fail and `improved` fail → pass. Under H0 each discordant pair is a fair coin, so
 * p = P(X ≥ regressed) with X ~ Binomial(regressed + improved, 1/2). No discordant pairs → 1.
 */
export function mcnemarExact(regressed: number, improved: number): number {
  const n = regressed + improved;
  if (n === 0) return 1;
  return binomialSf(regressed, n, 0.5);
}

/**
 * One-sided Clopper–Pearson upper bound at level 1 − alpha for a binomial proportion with
 * `successes` out of `trials`: the p at which P(X ≤ successes) = alpha.
 */
export function clopperPearsonUpper(successes: number, trials: number, alpha: number): number {
  if (trials <= 0) return 1;
  if (successes >= trials) return 1;
  let lo = successes / trials;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(successes, trials, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Quantile of sorted values by linear interpolation (Hyndman–Fan type 7, R's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Quantile of unsorted values (copies, then sorts). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/** Arithmetic mean; 0 for no values. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export interface BootstrapOptions {
  /** @default 2000 */
  resamples?: number;
  seed?: number;
}

/**
 * Paired percentile bootstrap intervals for the means of several per-case series (e.g. pass-rate
 * and score differences). Cases are resampled with replacement, the same draws for every series,
 * so pairing and the correlation between series are kept. Returns `[q(tail), q(1 − tail)]` of the
 * resampled means for each series; no values gives `[0, 0]`.
 */
export function bootstrapMeanIntervals(
  series: ReadonlyArray<ArrayLike<number>>,
  tail: number,
  options: BootstrapOptions = {},
): Array<[number, number]> {
  const n = series[0]?.length ?? 0;
  if (n === 0) return series.map(() => [0, 0]);
  const resamples = options.resamples ?? 2000;
  const random = createRandom(options.seed ?? DEFAULT_SEED);
  const columns = series.map((values) => Float64Array.from(values));
  const means = series.map(() => new Float64Array(resamples));
  const picks = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) picks[i] = Math.floor(random.float() * n);
    for (let m = 0; m < columns.length; m++) {
      const column = columns[m];
      let sum = 0;
      for (let i = 0; i < n; i++) sum += column[picks[i]];
      means[m][b] = sum / n;
    }
  }
  return means.map((values) => {
    values.sort();
    return [quantileSorted(values, tail), quantileSorted(values, 1 - tail)];
  });
}
