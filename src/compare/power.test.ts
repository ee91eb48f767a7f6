import { describe, expect, it } from 'vitest';
import { describeToDecide, estimateToDecide } from './power.js';

const base = { margin: 0.02, alphaPass: 0.05, alphaFail: 0.05 };

describe('estimateToDecide', () => {
  it('asks for about (z_α + z_0.8)² σ² / gap² cases in all', () => {
    // 100 differences, mean 0, variance ≈ 0.1: gap to the pass bound 0.02.
    const d = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1 : i % 10 === 1 ? -1 : 0));
    const variance = 20 / 99;
    const total = ((1.6448536269514722 + 0.8416212335729143) ** 2 * variance) / 0.02 ** 2;
    const estimate = estimateToDecide({ ...base, differences: d, withinVariance: Number.NaN, repeats: 1 });
    expect(estimate.cases).toBe(Math.ceil(total - 100));
    // At repeat 1 noise and real differences cannot be told apart: no estimate for repeats.
    expect(estimate.repeats).toBeNull();
    // With repeats, all of the spread sampling noise: repeats scale it down.
    const noisy = estimateToDecide({ ...base, differences: d, withinVariance: variance, repeats: 2 });
    expect(noisy.repeats).toBe(Math.ceil((2 * total) / 100 - 2));
  });

  it('knows repeats cannot remove between-case variation', () => {
    const d = Array.from({ length: 50 }, (_, i) => (i % 2 ? 0.4 : -0.4));
    const estimate = estimateToDecide({ ...base, differences: d, withinVariance: 0.001, repeats: 5 });
    expect(estimate.repeats).toBeNull();
    expect(estimate.cases).toBeGreaterThan(1000);
  });

  it('aims at the nearer decision: a clear drop needs few more data to fail', () => {
    const d = Array.from({ length: 20 }, (_, i) => (i < 8 ? -1 : i < 9 ? 1 : 0));
    const estimate = estimateToDecide({ ...base, differences: d, withinVariance: Number.NaN, repeats: 1 });
    expect(estimate.cases).toBeLessThan(30);
  });

  it('says so when it cannot estimate', () => {
    expect(estimateToDecide({ ...base, differences: [0], withinVariance: 0, repeats: 1 })).toEqual({ repeats: null, cases: null });
    expect(describeToDecide({ repeats: null, cases: null }, 1)).toBe('the data are too few to estimate how many more repeats or cases would decide it');
    expect(describeToDecide({ repeats: 2, cases: 150 }, 3)).toBe('about 2 more repeats per case (repeat 5) or about 150 more cases would likely decide it');
    expect(describeToDecide({ repeats: null, cases: 1 }, 3)).toBe('about 1 more case would likely decide it');
    expect(describeToDecide({ repeats: null, cases: 7 }, 1, false)).toBe('about 7 more cases would likely decide it (more repeats help only if the outputs vary from run to run)');
  });
});
