/**
 * 95% intervals for a share k of n (the benchmark's counts of verdicts).
 */

/** The standard normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for k successes in n trials: [lower, upper], both within [0, 1].
 * n = 0 gives [0, 1].
 */
export function wilson(k, n, z = Z95) {
  if (!(n > 0)) return [0, 1];
  if (k < 0 || k > n) throw new RangeError(`wilson: k = ${k} is not within 0..${n}`);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // The exact ends: no rounding past 0 or 1, and k = 0 / k = n touch them.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}

/** "12.5% [8.6, 17.8]" (percent, one decimal), or "n/a" for n = 0. */
export function formatShare(k, n) {
  if (!(n > 0)) return 'n/a';
  const [lo, hi] = wilson(k, n);
  return `${pct(k / n)} [${pct(lo, false)}, ${pct(hi, false)}]`;
}

function pct(x, sign = true) {
  return `${(x * 100).toFixed(1)}${sign ? '%' : ''}`;
}
