/**
 * Small, dependency-free statistics for `compare`: a seeded PRNG, exact binomial tails, the
 * one-sided McNemar test (exact and mid-p), the regularised incomplete beta function,
 * Clopper–Pearson bounds (also for a fractional count) and the normal quantile.
 * Every function is deterministic given its inputs (randomised ones take a seed).
 * The sign-flip test lives in sign-flip.ts, its family-wise calibration in family.ts.
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

/** P(X = k) for X ~ Binomial(n, p). */
export function binomialPmf(k: number, n: number, p: number): number {
  if (!Number.isInteger(k) || k < 0 || k > n) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  if (k === 0) return (1 - p) ** n;
  if (k === n) return p ** n;
  return Math.exp(logBinomialPmf(k, n, p));
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
 * Mid-p one-sided McNemar test (Fagerland, Lydersen & Laake 2013): the exact p-value less half
 * the probability of the observed count, P(X > regressed) + ½·P(X = regressed) with
 * X ~ Binomial(regressed + improved, 1/2). Twice it is the two-sided mid-p when regressed is the
 * larger count. No discordant pairs → ½ (no evidence either way).
 */
export function mcnemarMidP(regressed: number, improved: number): number {
  const n = regressed + improved;
  return binomialSf(regressed + 1, n, 0.5) + 0.5 * binomialPmf(regressed, n, 0.5);
}

/**
 * The regularised incomplete beta function I_x(a, b) (a, b > 0): a continued fraction
 * (modified Lentz), on the side of x where it converges fast.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let step = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    step = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/**
 * One-sided Clopper–Pearson upper bound at level 1 − alpha for a binomial proportion with
 * `successes` out of `trials`: the p at which P(X ≤ successes) = alpha, i.e. the (1 − alpha)
 * quantile of Beta(successes + 1, trials − successes). Counts may be fractional (an effective
 * sample size): the beta form extends them continuously.
 */
export function clopperPearsonUpper(successes: number, trials: number, alpha: number): number {
  if (trials <= 0) return 1;
  if (successes >= trials) return 1;
  const x = Math.max(0, successes);
  let lo = x / trials;
  let hi = 1;
  for (let i = 0; i < 100 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    // P(X ≤ x) at p = mid is 1 − I_mid(x + 1, n − x): decreasing in p.
    if (1 - regularizedBeta(mid, x + 1, trials - x) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/** Arithmetic mean; 0 for no values. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
