import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  binomialPmf,
  binomialSf,
  clopperPearsonUpper,
  createRandom,
  logGamma,
  mcnemarExact,
  mcnemarMidP,
  mean,
  normalQuantile,
  regularizedBeta,
} from './stats.js';

// Reference values: exact rational sums (Python fractions + math.comb), checked against R's pbinom/qbeta.
describe('binomial tails', () => {
  it('matches exact CDF values', () => {
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    expect(binomialCdf(5, 20, 0.3)).toBeCloseTo(0.4163708294474814, 12);
    expect(binomialCdf(450, 1000, 0.5) / 0.0008652680424881588).toBeCloseTo(1, 10);
    expect(binomialCdf(3, 1000, 0.01)).toBeCloseTo(0.01007265477201438, 12);
  });

  it('matches exact upper tails, including tiny ones', () => {
    expect(binomialSf(8, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    expect(binomialSf(60, 100, 0.4) / 4.246638705729488e-5).toBeCloseTo(1, 10);
    expect(binomialSf(990, 1000, 0.98)).toBeCloseTo(0.010236548159763447, 12);
  });

  it('handles the edges', () => {
    expect(binomialCdf(-1, 5, 0.5)).toBe(0);
    expect(binomialCdf(5, 5, 0.5)).toBe(1);
    expect(binomialSf(0, 5, 0.5)).toBe(1);
    expect(binomialSf(6, 5, 0.5)).toBe(0);
    expect(binomialCdf(0, 5, 0)).toBe(1);
    expect(binomialSf(5, 5, 1)).toBe(1);
    expect(binomialCdf(4, 9, 0.5) + binomialSf(5, 9, 0.5)).toBeCloseTo(1, 14);
  });

  it('computes ln Γ', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
});

describe('mcnemarExact (one-sided: candidate worse)', () => {
  it('is the binomial tail of the discordant pairs', () => {
    expect(mcnemarExact(5, 0)).toBeCloseTo(1 / 32, 14);
    expect(mcnemarExact(8, 2)).toBeCloseTo(0.0546875, 14);
    expect(mcnemarExact(2, 8)).toBeCloseTo(0.9892578125, 14);
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(0, 3)).toBe(1);
  });
});

describe('mcnemarMidP (one-sided: candidate worse)', () => {
  it('matches Fagerland, Lydersen & Laake (2013): 1 vs 7 discordant pairs, two-sided mid-p 0.039 (exact 0.070)', () => {
    expect(2 * mcnemarMidP(7, 1)).toBeCloseTo(0.039, 3);
    expect(2 * mcnemarMidP(7, 1)).toBeCloseTo(10 / 256, 14);
    expect(2 * mcnemarExact(7, 1)).toBeCloseTo(0.0703125, 14);
  });

  it('is the exact p-value less half the probability of the observed count', () => {
    for (const [b, c] of [[5, 0], [8, 2], [2, 8], [3, 3], [0, 4], [40, 25]]) {
      expect(mcnemarMidP(b, c)).toBeCloseTo(mcnemarExact(b, c) - 0.5 * binomialPmf(b, b + c, 0.5), 14);
    }
    expect(mcnemarMidP(3, 0)).toBeCloseTo(1 / 16, 14);
    expect(mcnemarMidP(4, 0)).toBeCloseTo(1 / 32, 14);
    expect(mcnemarMidP(0, 0)).toBe(0.5);
  });
});

describe('regularizedBeta and normalQuantile', () => {
  it('match closed forms and R (pbeta, qnorm)', () => {
    // I_x(a, b) = P(Binomial(a + b − 1, x) ≥ a) for integer a, b.
    expect(regularizedBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 13);
    expect(regularizedBeta(0.3, 4, 7)).toBeCloseTo(binomialSf(4, 10, 0.3), 13);
    expect(regularizedBeta(0.9, 30, 2)).toBeCloseTo(binomialSf(30, 31, 0.9), 13);
    expect(regularizedBeta(0.2, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.2)), 12);
    expect(regularizedBeta(0, 2, 2)).toBe(0);
    expect(regularizedBeta(1, 2, 2)).toBe(1);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 7);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });
});

describe('clopperPearsonUpper', () => {
  it('matches qbeta(1 - alpha, k + 1, n - k)', () => {
    expect(clopperPearsonUpper(5, 10, 0.05)).toBeCloseTo(0.777558898991871, 9);
    expect(clopperPearsonUpper(0, 10, 0.05)).toBeCloseTo(1 - 0.05 ** 0.1, 9);
    expect(clopperPearsonUpper(30, 100, 0.05)).toBeCloseTo(0.3842206127942017, 9);
    expect(clopperPearsonUpper(10, 10, 0.05)).toBe(1);
  });

  it('extends continuously to fractional counts (an effective sample size)', () => {
    const at2 = clopperPearsonUpper(2, 10, 0.05);
    const at3 = clopperPearsonUpper(3, 10, 0.05);
    const between = clopperPearsonUpper(2.5, 10, 0.05);
    expect(between).toBeGreaterThan(at2);
    expect(between).toBeLessThan(at3);
    // 1 − I_p(x + 1, n − x) = alpha at the bound.
    expect(1 - regularizedBeta(between, 3.5, 7.5)).toBeCloseTo(0.05, 9);
  });
});

describe('createRandom (mulberry32)', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const first = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(first);
  });

  it('gives uint32 values and roughly uniform floats', () => {
    const random = createRandom(7);
    const values = Array.from({ length: 20_000 }, () => random.float());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(mean(values)).toBeCloseTo(0.5, 1);
    const word = random.uint32();
    expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
  });
});
