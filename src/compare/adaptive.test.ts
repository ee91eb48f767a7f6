import { describe, expect, it } from 'vitest';
import { adaptiveDesign, planRound, type AdaptiveUnit, type SideTally } from './adaptive.js';

const tally = (repeats: number, passes: number): SideTally => ({ repeats, graded: repeats, passes, scoreSum: passes, errored: false });
const unit = (caseId: string, candidate: SideTally, baseline: SideTally): AdaptiveUnit => ({
  suite: 's', model: 'm', caseId, candidate, baseline, firstPasses: candidate.passes + baseline.passes, firstRepeats: candidate.repeats,
});

describe('adaptiveDesign', () => {
  it('splits alpha before anything is drawn: the mean test and the per-case shares add up to alpha', () => {
    for (const settings of [{ startRepeats: 2, maxRepeats: 10, budget: 5 }, { startRepeats: 3, maxRepeats: 20, budget: 8 }, { startRepeats: 2, maxRepeats: 3, budget: 3 }]) {
      const design = adaptiveDesign(settings, 0.05);
      expect(design.looks[0]).toBe(settings.startRepeats);
      expect(design.looks.at(-1)).toBe(settings.maxRepeats);
      const shares = design.caseShares.reduce((a, b) => a + b, 0);
      expect(shares).toBeCloseTo(design.alphaCase, 12);
      expect(design.alphaMean + design.alphaCase).toBeCloseTo(0.05, 12);
    }
  });
});

describe('planRound', () => {
  const units = [
    unit('agree-pass', tally(2, 2), tally(2, 2)),
    unit('agree-fail', tally(2, 0), tally(2, 0)),
    unit('across', tally(2, 0), tally(2, 2)),
    unit('within', tally(2, 1), tally(2, 2)),
    unit('balanced', tally(2, 1), tally(2, 1)),
  ];

  it('adds repeats only to cases whose draws disagree, most balanced first, within the draws left', () => {
    const plan = planRound(units, 8, 1000);
    expect([...plan.extra.keys()].map((i) => units[i].caseId).sort()).toEqual(['across', 'balanced', 'within']);
    expect(plan.draws).toBe(3 * 2 * 6);
    // 14 draws: the two most balanced (2 of 4 passes) get 6 a side and 1 a side; the 3-of-4 case none.
    const short = planRound(units, 8, 14);
    expect(Object.fromEntries([...short.extra].map(([i, n]) => [units[i].caseId, n]))).toEqual({ across: 6, balanced: 1 });
    expect(short.draws).toBe(14);
  });

  it('is side-blind: swapping every case\'s sides plans the same round', () => {
    const swapped = units.map((u) => unit(u.caseId, u.baseline!, u.candidate));
    for (const left of [1000, 14, 5]) expect(planRound(swapped, 8, left)).toEqual(planRound(units, 8, left));
  });
});
