import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  binomialSf,
  bootstrapMeanIntervals,
  clopperPearsonUpper,
  createRandom,
  logGamma,
  mcnemarExact,
  mean,
  quantile,
  quantileSorted,
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

describe('clopperPearsonUpper', () => {
  it('matches qbeta(1 - alpha, k + 1, n - k)', () => {
    expect(clopperPearsonUpper(5, 10, 0.05)).toBeCloseTo(0.777558898991871, 9);
    expect(clopperPearsonUpper(0, 10, 0.05)).toBeCloseTo(1 - 0.05 ** 0.1, 9);
    expect(clopperPearsonUpper(30, 100, 0.05)).toBeCloseTo(0.3842206127942017, 9);
    expect(clopperPearsonUpper(10, 10, 0.05)).toBe(1);
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

describe('quantiles', () => {
  it('interpolates like R type 7', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([10, 0, 5], 0.25)).toBe(2.5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('bootstrapMeanIntervals', () => {
  it('is degenerate for constant or empty series', () => {
    const [[lo, hi]] = bootstrapMeanIntervals([[0.2, 0.2, 0.2]], 0.05);
    expect(lo).toBeCloseTo(0.2, 12);
    expect(hi).toBeCloseTo(0.2, 12);
    expect(bootstrapMeanIntervals([[], []], 0.05)).toEqual([[0, 0], [0, 0]]);
  });

  it('is deterministic, covers the mean, and has about the normal-theory width', () => {
    const random = createRandom(3);
    const values = Array.from({ length: 400 }, () => random.float() - 0.5);
    const [first] = bootstrapMeanIntervals([values], 0.05, { seed: 9 });
    const [again] = bootstrapMeanIntervals([values], 0.05, { seed: 9 });
    expect(again).toEqual(first);
    const m = mean(values);
    expect(first[0]).toBeLessThan(m);
    expect(first[1]).toBeGreaterThan(m);
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
    const normalWidth = 2 * 1.645 * (sd / Math.sqrt(values.length));
    expect((first[1] - first[0]) / normalWidth).toBeGreaterThan(0.85);
    expect((first[1] - first[0]) / normalWidth).toBeLessThan(1.15);
  });

  it('resamples the series together (pairing kept)', () => {
    const values = [0, 1, 0, 1, 1, 0, 0, 1];
    const [a, b] = bootstrapMeanIntervals([values, values.map((v) => 2 * v)], 0.1, { seed: 1 });
    expect(b[0]).toBeCloseTo(2 * a[0], 12);
    expect(b[1]).toBeCloseTo(2 * a[1], 12);
  });
});
