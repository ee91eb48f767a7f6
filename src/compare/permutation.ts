import { createRandom, DEFAULT_SEED } from './stats.js';

/** At most this many cases with a non-zero difference: enumerate all 2^n sign vectors. */
export const EXACT_MAX_CASES = 20;
/** Monte Carlo resamples otherwise. */
export const DEFAULT_RESAMPLES = 10_000;

export interface SignFlipOptions {
  /** @default 10000 */
  resamples?: number;
  seed?: number;
  /** @default 20 */
  exactMaxCases?: number;
}

export interface SignFlipResult {
  /** Per series: the single-step max-T adjusted one-sided p-value (see signFlipTest). */
  pValues: number[];
  /** The smallest of `pValues`: the p-value of "at least one series dropped". */
  pValue: number;
  exact: boolean;
  /** Sign vectors evaluated (2^n when exact). */
  resamples: number;
}

/**
 * One-sided paired sign-flip (randomisation) test that per-case differences are centred below 0.
 *
 * `series[m][i]` is case i's difference (candidate − baseline, already shifted by any tolerance)
 * for metric m. Under H0 each case's vector of differences is symmetric about 0, so flipping the
 * sign of a whole case leaves its distribution unchanged; the null distribution is the set of
 * all 2^n sign vectors, applied to every series at once (the pairing between metrics is kept).
 *
 * Each series is studentised by its sign-flip standard deviation, z_m = Σx / √Σx² (invariant
 * under flips), and the test statistic is min_m z_m, so several metrics share one false-alarm
 * budget (Westfall–Young single-step max-T): p_m = P*(min_k z*_k ≤ z_m). With one series this is
 * the plain sign-flip test on Σx. A series that is all zeros carries no evidence: p = 1.
 *
 * Exact (full enumeration, Gray code) when at most `exactMaxCases` cases have a non-zero
 * difference; otherwise Monte Carlo with a fixed seed and p = (1 + hits) / (1 + resamples),
 * which keeps the test valid at any number of resamples.
 */
export function signFlipTest(series: ReadonlyArray<ArrayLike<number>>, options: SignFlipOptions = {}): SignFlipResult {
  const active = activeCases(series);
  const x = series.map((s) => Float64Array.from(active, (i) => s[i]));
  const scale = x.map((values) => {
    let squares = 0;
    for (const v of values) squares += v * v;
    return squares > 0 ? 1 / Math.sqrt(squares) : 0;
  });
  const used = x.map((_, m) => m).filter((m) => scale[m] > 0);
  if (used.length === 0) return { pValues: series.map(() => 1), pValue: 1, exact: true, resamples: 1 };

  const xs = used.map((m) => x[m]);
  const scales = Float64Array.from(used, (m) => scale[m]);
  const observed = Float64Array.from(xs, (values, k) => sum(values) * scales[k]);
  // Rounding can split exact ties (e.g. 0.2 + 0.4 vs 0.6); count them as at-least-as-extreme.
  const limits = Float64Array.from(observed, (z) => z + 1e-9);
  const exact = active.length <= (options.exactMaxCases ?? EXACT_MAX_CASES);
  const { hits, total } = exact
    ? enumerateSigns(xs, scales, observed, limits)
    : sampleSigns(xs, scales, observed, limits, options.resamples ?? DEFAULT_RESAMPLES, options.seed ?? DEFAULT_SEED);

  const pValues = series.map(() => 1);
  used.forEach((m, k) => {
    pValues[m] = exact ? hits[k] / total : (1 + hits[k]) / (1 + total);
  });
  return { pValues, pValue: Math.min(...pValues), exact, resamples: total };
}

function activeCases(series: ReadonlyArray<ArrayLike<number>>): number[] {
  const n = series[0]?.length ?? 0;
  const active: number[] = [];
  for (let i = 0; i < n; i++) if (series.some((s) => s[i] !== 0)) active.push(i);
  return active;
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

interface Tally {
  hits: Float64Array;
  total: number;
}

/** Adds one sign vector's statistic to the tally: hit for series k when min z* ≤ z_k. */
function tally(sums: Float64Array, scales: Float64Array, limits: Float64Array, hits: Float64Array): void {
  let min = Infinity;
  for (let k = 0; k < sums.length; k++) min = Math.min(min, sums[k] * scales[k]);
  for (let k = 0; k < limits.length; k++) if (min <= limits[k]) hits[k]++;
}

function enumerateSigns(xs: Float64Array[], scales: Float64Array, observed: Float64Array, limits: Float64Array): Tally {
  const n = xs[0].length;
  const sums = Float64Array.from(observed, (z, k) => z / scales[k]);
  const signs = new Int8Array(n).fill(1);
  const hits = new Float64Array(xs.length);
  tally(sums, scales, limits, hits);
  const total = 2 ** n;
  for (let step = 1; step < total; step++) {
    const bit = 31 - Math.clz32(step & -step); // Gray code: flip one case per step
    signs[bit] = -signs[bit];
    for (let k = 0; k < xs.length; k++) sums[k] += 2 * signs[bit] * xs[k][bit];
    tally(sums, scales, limits, hits);
  }
  return { hits, total };
}

/**
 * Monte Carlo sign vectors. Cases are taken 8 at a time: a table holds, for each group and each
 * of its 256 flip masks, the sum of the flipped values, so one resample costs n/8 lookups per
 * series and one PRNG draw per 32 cases.
 */
function sampleSigns(
  xs: Float64Array[],
  scales: Float64Array,
  observed: Float64Array,
  limits: Float64Array,
  resamples: number,
  seed: number,
): Tally {
  const n = xs[0].length;
  const groups = Math.ceil(n / 8);
  const tables = xs.map((values) => {
    const table = new Float64Array(groups * 256);
    for (let g = 0; g < groups; g++) {
      for (let mask = 1; mask < 256; mask++) {
        const low = mask & -mask;
        const i = g * 8 + (31 - Math.clz32(low));
        table[g * 256 + mask] = table[g * 256 + (mask ^ low)] + (i < n ? values[i] : 0);
      }
    }
    return table;
  });
  const base = Float64Array.from(observed, (z, k) => z / scales[k]);
  const random = createRandom(seed);
  const masks = new Uint8Array(groups);
  const sums = new Float64Array(xs.length);
  const hits = new Float64Array(xs.length);
  for (let b = 0; b < resamples; b++) {
    for (let g = 0; g < groups; g += 4) {
      const word = random.uint32();
      for (let j = 0; j < 4 && g + j < groups; j++) masks[g + j] = (word >>> (8 * j)) & 255;
    }
    for (let k = 0; k < xs.length; k++) {
      const table = tables[k];
      let flipped = 0;
      for (let g = 0; g < groups; g++) flipped += table[g * 256 + masks[g]];
      sums[k] = base[k] - 2 * flipped;
    }
    tally(sums, scales, limits, hits);
  }
  return { hits, total: resamples };
}
