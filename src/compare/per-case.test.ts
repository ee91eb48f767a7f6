import { describe, expect, it } from 'vitest';
import { fisherFloor, fisherMinimum, fisherWorse, perCaseTest, type CaseCounts } from './per-case.js';

const counts = (bp: number, bn: number, cp: number, cn: number): CaseCounts => ({ baselinePasses: bp, baselineTrials: bn, candidatePasses: cp, candidateTrials: cn });

describe('fisherWorse (one-sided Fisher exact test per case)', () => {
  it('matches hand-computed hypergeometric tails', () => {
    // Fisher's tea tasting table [[3, 1], [1, 3]]: one-sided p = 17/70.
    expect(fisherWorse(counts(3, 4, 1, 4))).toBeCloseTo(17 / 70, 14);
    expect(fisherWorse(counts(5, 5, 0, 5))).toBeCloseTo(1 / 252, 14);
    expect(fisherWorse(counts(10, 10, 0, 10))).toBeCloseTo(1 / 184756, 16);
    expect(fisherWorse(counts(3, 3, 3, 3))).toBe(1);
    expect(fisherWorse(counts(0, 4, 4, 4))).toBeCloseTo(1, 12);
    // Unequal repeats: baseline 4/4, candidate 1/6 → P(X ≤ 1), X ~ Hypergeometric(10, 5, 6) = (0 + C(6,1)C(4,4)) / C(10,5).
    expect(fisherWorse(counts(4, 4, 1, 6))).toBeCloseTo(6 / 252, 14);
  });

  it('knows the smallest p-value a case can reach', () => {
    expect(fisherMinimum(counts(3, 4, 1, 4))).toBeCloseTo(1 / 70, 14);
    expect(fisherMinimum(counts(4, 4, 4, 4))).toBe(1);
    expect(fisherFloor(5, 5)).toBeCloseTo(1 / 252, 14);
    expect(fisherFloor(3, 3)).toBeCloseTo(1 / 20, 14);
  });
});

describe('perCaseTest (Holm over the cases Tarone keeps)', () => {
  it('leaves out cases that cannot reach significance, so stable cases cost nothing', () => {
    const stable = Array.from({ length: 500 }, (_, i) => (i % 2 ? counts(10, 10, 10, 10) : counts(0, 10, 0, 10)));
    const result = perCaseTest([counts(10, 10, 0, 10), ...stable], 0.0125);
    expect(result.tested).toBe(1);
    expect(result.family[0]).toBe(true);
    expect(result.adjusted[0]).toBeCloseTo(1 / 184756, 16);
    expect(result.adjusted.slice(1).every((p) => p === 1)).toBe(true);
  });

  it('applies Holm step-down within the family', () => {
    const cases = [counts(10, 10, 0, 10), counts(10, 10, 1, 10), counts(9, 10, 1, 10), counts(6, 10, 4, 10)];
    const result = perCaseTest(cases, 0.05);
    const order = [...result.pValues.keys()].filter((i) => result.family[i]).sort((a, b) => result.pValues[a] - result.pValues[b]);
    let running = 0;
    order.forEach((i, rank) => {
      running = Math.max(running, (order.length - rank) * result.pValues[i]);
      expect(result.adjusted[i]).toBeCloseTo(Math.min(1, running), 14);
    });
    expect(result.adjusted[0]).toBeLessThan(result.adjusted[3]);
  });
});

describe('perCaseTest at scale', () => {
  it('finds Tarone\'s K with many testable cases (K = the smallest with at most K cases under alpha/K)', () => {
    // 300 cases that could each reach 1/184756, and one that is broken.
    const noisy = Array.from({ length: 300 }, () => counts(5, 10, 5, 10));
    const result = perCaseTest([counts(10, 10, 0, 10), ...noisy], 0.0125);
    expect(result.tested).toBe(301);
    expect(result.adjusted[0]).toBeCloseTo(301 / 184756, 14);
  });
});
