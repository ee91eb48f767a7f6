import { describe, expect, it } from 'vitest';
import { signFlipTest } from './permutation.js';
import { createRandom, mcnemarExact } from './stats.js';

/** Independent reference: every sign vector over all cases, max-T adjusted one-sided p-values. */
function bruteForce(series: number[][]): number[] {
  const n = series[0].length;
  const scale = series.map((s) => 1 / Math.sqrt(s.reduce((a, v) => a + v * v, 0)));
  const z = (signs: number[]) => series.map((s, m) => s.reduce((a, v, i) => a + signs[i] * v, 0) * scale[m]);
  const observed = z(new Array(n).fill(1));
  const hits = series.map(() => 0);
  const empty = scale.map((v) => !Number.isFinite(v));
  for (let mask = 0; mask < 2 ** n; mask++) {
    const signs = Array.from({ length: n }, (_, i) => ((mask >> i) & 1 ? -1 : 1));
    const min = Math.min(...z(signs).filter((_, m) => !empty[m]));
    observed.forEach((o, m) => {
      if (min <= o + 1e-9) hits[m]++;
    });
  }
  return hits.map((h, m) => (empty[m] ? 1 : h / 2 ** n));
}

describe('signFlipTest, exact enumeration', () => {
  it('gives 1/2^n when every case dropped', () => {
    expect(signFlipTest([[-1, -1, -1]]).pValue).toBeCloseTo(1 / 8, 14);
    expect(signFlipTest([[-0.2, -0.4, -0.2, -1, -0.6]]).pValue).toBeCloseTo(1 / 32, 14);
  });

  it('counts ties as at least as extreme', () => {
    // Sign vectors of [-1, 1]: sums 0, 2, -2, 0 → P(S ≤ 0) = 3/4.
    expect(signFlipTest([[-1, 1]]).pValue).toBeCloseTo(0.75, 14);
    // 0.2 + 0.4 vs 0.6 differ in floating point; still a tie.
    const tie = signFlipTest([[-0.6, 0.2, 0.4]]);
    expect(tie.pValue).toBeCloseTo(bruteForce([[-0.6, 0.2, 0.4]])[0], 14);
    // Of the 8 sign vectors, 5 give a sum ≤ 0 (two of them exactly 0).
    expect(tie.pValue).toBeCloseTo(5 / 8, 14);
  });

  it('ignores zero differences and reports p = 1 without evidence', () => {
    expect(signFlipTest([[0, -1, 0, -1, 0]]).pValue).toBeCloseTo(1 / 4, 14);
    expect(signFlipTest([[0, 0, 0]])).toMatchObject({ pValue: 1, pValues: [1] });
    expect(signFlipTest([[1, 1, 1]]).pValue).toBe(1);
  });

  it('matches a brute-force enumeration on random inputs, one and two series', () => {
    const random = createRandom(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 3 + (trial % 8);
      const a = Array.from({ length: n }, () => Math.round((random.float() - 0.6) * 5) / 5);
      const b = a.map((v) => v + (random.float() - 0.5) * 0.3);
      const single = signFlipTest([a]);
      expect(single.exact).toBe(true);
      expect(single.pValue).toBeCloseTo(bruteForce([a])[0], 12);
      const joint = signFlipTest([a, b]);
      const reference = bruteForce([a, b]);
      expect(joint.pValues[0]).toBeCloseTo(reference[0], 12);
      expect(joint.pValues[1]).toBeCloseTo(reference[1], 12);
      expect(joint.pValue).toBeCloseTo(Math.min(...reference), 12);
    }
  });

  it('equals the exact McNemar test on -1/0/+1 differences', () => {
    const diffs = [...new Array(8).fill(-1), ...new Array(2).fill(1), ...new Array(30).fill(0)];
    expect(signFlipTest([diffs]).pValue).toBeCloseTo(mcnemarExact(8, 2), 14);
  });

  it('gives the same answer for a duplicated series (shared alpha costs nothing)', () => {
    const a = [-0.2, -0.4, 0.2, 0, -0.6, -0.2, 0.4, -0.8];
    expect(signFlipTest([a, a]).pValue).toBeCloseTo(signFlipTest([a]).pValue, 14);
  });
});

describe('signFlipTest, Monte Carlo', () => {
  it('uses the +1 correction: never below 1 / (resamples + 1)', () => {
    const result = signFlipTest([new Array(40).fill(-1)], { resamples: 999 });
    expect(result.exact).toBe(false);
    expect(result.resamples).toBe(999);
    expect(result.pValue).toBeCloseTo(1 / 1000, 14);
  });

  it('agrees with full enumeration and is deterministic for a seed', () => {
    const random = createRandom(5);
    const a = Array.from({ length: 22 }, () => Math.round((random.float() - 0.55) * 5) / 5);
    const b = a.map((v) => v + (random.float() - 0.5) * 0.4);
    const exact = signFlipTest([a, b], { exactMaxCases: 22 });
    const sampled = signFlipTest([a, b], { exactMaxCases: 20, resamples: 20_000, seed: 1 });
    expect(exact.exact).toBe(true);
    expect(sampled.exact).toBe(false);
    expect(Math.abs(sampled.pValue - exact.pValue)).toBeLessThan(0.01);
    expect(signFlipTest([a, b], { exactMaxCases: 20, resamples: 20_000, seed: 1 })).toEqual(sampled);
  });

  it('holds its false-alarm rate on symmetric null data', () => {
    const random = createRandom(21);
    let rejections = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const diffs = Array.from({ length: 60 }, () => Math.round((random.float() - random.float()) * 5) / 5);
      if (signFlipTest([diffs], { resamples: 500, seed: t }).pValue < 0.05) rejections++;
    }
    // Binomial(400, 0.05): mean 20, sd 4.4; a valid test stays well under 35.
    expect(rejections).toBeLessThan(35);
    expect(rejections).toBeGreaterThan(5);
  });
});
