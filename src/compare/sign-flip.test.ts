import { describe, expect, it } from 'vitest';
import { analyseFamily } from './family.js';
import { CONVENTIONAL, DEFAULT_EXACT_BUDGET, exactNull, sampledNull } from './sign-flip.js';
import { createRandom } from './stats.js';

/** Independent reference: every subset F of the cases, lower-tail mid-p P(f(θ) > 0) + ½P(f(θ) = 0). */
function bruteLower(values: number[], theta: number): number {
  const n = values.length;
  let p = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let f = 0;
    for (let i = 0; i < n; i++) if ((mask >> i) & 1) f += values[i] - theta;
    p += Math.abs(f) < 1e-9 ? 0.5 : f > 0 ? 1 : 0;
  }
  return p / 2 ** n;
}

/** Random differences of pass rates over `k` repeats (multiples of 1/k), some zero. */
function gridValues(seed: number, n: number, k: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => (random.float() < 0.3 ? 0 : (Math.floor(random.float() * (2 * k + 1)) - k) / k));
}

describe('exactNull: the sign-flip distribution, enumerated', () => {
  it('equals full enumeration at θ = 0 and at shifted θ, zeros included', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const k = 1 + (seed % 4);
      const values = gridValues(seed, 6 + (seed % 7), k);
      const nul = exactNull(values, k)!;
      expect(nul.exact).toBe(true);
      for (const theta of [0, -0.5, -0.1, -0.02, 0.05, 0.3, -1 / k, 1 / (2 * k)]) {
        expect(nul.lower(theta)).toBeCloseTo(bruteLower(values, theta), 12);
        expect(nul.upper(theta)).toBeCloseTo(1 - bruteLower(values, theta), 12);
      }
    }
  });

  it('is non-increasing in θ (so its acceptance region is an interval)', () => {
    const nul = exactNull(gridValues(5, 40, 3), 3)!;
    let last = 1;
    for (let theta = -1; theta <= 1; theta += 0.01) {
      const p = nul.lower(theta);
      expect(p).toBeLessThanOrEqual(last + 1e-12);
      last = p;
    }
  });

  it('is McNemar at repeat 1, and pOfFlipSum ranks a resample the same way', () => {
    const values = [-1, -1, -1, -1, -1, -1, -1, 1, ...new Array(13).fill(0)];
    const nul = exactNull(values, 1)!;
    expect(nul.lower(0)).toBeCloseTo(5 / 256, 14);
    expect(nul.pOfFlipSum(0)).toBe(nul.lower(0));
    expect(nul.pOfFlipSum(2)).toBeCloseTo(bruteLowerAt(values, 2), 12);
    expect(Array.from(nul.pOfFlipSums(Float64Array.from([0, 2, -3]), 1))).toEqual([nul.pOfFlipSum(0), nul.pOfFlipSum(2), nul.pOfFlipSum(-3)]);
  });

  it('declines values off its grid, and work beyond its budget', () => {
    expect(exactNull([0.1, -0.37], 3)).toBeUndefined();
    expect(exactNull(gridValues(1, 300, 7), 7, 1000)).toBeUndefined();
    expect(exactNull([0.5], 0)).toBeUndefined();
  });
});

/**
 * P(f > x) + ½P(f = x) over all subsets, f the plain flip sum. A zero adds nothing to f whether it
 * is flipped or not, so each subset of the other values stands for 2^zeros subsets of all of them
 * and has the same share: the zeros are left out of the enumeration (the counts stay exact).
 */
function bruteLowerAt(all: number[], x: number): number {
  const values = all.filter((value) => value !== 0);
  let p = 0;
  for (let mask = 0; mask < 2 ** values.length; mask++) {
    let f = 0;
    for (let i = 0; i < values.length; i++) if ((mask >> i) & 1) f += values[i];
    p += Math.abs(f - x) < 1e-9 ? 0.5 : f > x ? 1 : 0;
  }
  return p / 2 ** values.length;
}

describe('sampledNull: Monte Carlo sign vectors', () => {
  it('agrees with the exact distribution within Monte Carlo error, at θ = 0 and shifted', () => {
    const values = gridValues(8, 16, 3);
    // Continuous scale forces Monte Carlo, whose p-values are then conventional (tieWeightOf).
    const nul = exactNull(values, 3, DEFAULT_EXACT_BUDGET, CONVENTIONAL)!;
    const { nulls } = analyseFamily([{ values: Float64Array.from(values), units: Int32Array.from(values.map((_, i) => i)), scale: 0, role: 'test' }], values.length, { resamples: 40_000, seed: 3 });
    expect(nulls[0].exact).toBe(false);
    for (const theta of [0, -0.1, 0.1, -0.3]) expect(Math.abs(nulls[0].lower(theta) - nul.lower(theta))).toBeLessThan(0.01);
  });

  it('counts the identity as one resample, so p ≥ ½/(B + 1), and ties count half', () => {
    const nul = sampledNull(new Float64Array([-1, -2, 0, 3]), new Int32Array([1, 2, 1, 1]), 1);
    // Resamples f: −1, −2, 0, 3 and the identity 0: P(f > 0) = 1/5, P(f = 0) = 2/5.
    expect(nul.lower(0)).toBeCloseTo((1 + 0.5 * 2) / 5, 14);
    expect(nul.pOfFlipSum(-1)).toBeCloseTo((3 + 0.5) / 5, 14);
    expect(nul.upper(0)).toBeCloseTo(1 - nul.lower(0), 14);
    expect(sampledNull(new Float64Array([]), new Int32Array([]), 1).lower(0)).toBe(0.5);
  });

  it('conventional p-values count ties whole on both sides, so each bound is valid alone', () => {
    const nul = sampledNull(new Float64Array([-1, -2, 0, 3]), new Int32Array([1, 2, 1, 1]), 1, CONVENTIONAL);
    // P(f > 0) = 1/5, P(f = 0) = 2/5 (the identity included), P(f < 0) = 2/5.
    expect(nul.lower(0)).toBeCloseTo(3 / 5, 14);
    expect(nul.upper(0)).toBeCloseTo(4 / 5, 14);
    expect(nul.pOfFlipSum(-1)).toBeCloseTo((3 + 1) / 5, 14);
    // Exact, four cases of −1: a flip sum is never positive and is 0 only when nothing is flipped
    // (1/16), so "centred below 0" is 1/16 (mid-p 1/32) and "centred above 0" is 1.
    const four = [-1, -1, -1, -1];
    expect(exactNull(four, 1, DEFAULT_EXACT_BUDGET, CONVENTIONAL)!.lower(0)).toBeCloseTo(1 / 16, 14);
    expect(exactNull(four, 1)!.lower(0)).toBeCloseTo(1 / 32, 14);
    expect(exactNull(four, 1, DEFAULT_EXACT_BUDGET, CONVENTIONAL)!.upper(0)).toBe(1);
  });
});
