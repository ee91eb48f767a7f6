import { describe, expect, it } from 'vitest';
import { analyseFamily, invertTest, type FamilySeries } from './family.js';
import { mcnemarMidP } from './stats.js';

const series = (values: number[], units: number[], scale = 1): FamilySeries => ({ values: Float64Array.from(values), units: Int32Array.from(units), scale, role: 'test' });
const mcnemar = (regressed: number, improved: number, n: number) => Array.from({ length: n }, (_, i) => (i < regressed ? -1 : i < regressed + improved ? 1 : 0));
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('analyseFamily', () => {
  it('one series: its own exact p-value, no resampling, the identity map', () => {
    const result = analyseFamily([series(mcnemar(7, 1, 21), ids(21))], 21);
    expect(result.resamples).toBe(0);
    expect(result.pValues[0]).toBeCloseTo(mcnemarMidP(7, 1), 14);
    expect(result.pFamily[0]).toBe(result.pValues[0]);
    expect(result.familyP(0.0123)).toBe(0.0123);
  });

  it('independent series: the min-P adjustment is about 1 − (1 − p)^m', () => {
    const m = 4;
    const all = Array.from({ length: m }, (_, k) => series(mcnemar(9, 2, 40), ids(40, 40 * k)));
    const result = analyseFamily(all, 40 * m, { seed: 5 });
    const p = result.pValues[0];
    expect(p).toBeCloseTo(mcnemarMidP(9, 2), 14);
    const sidak = 1 - (1 - p) ** m;
    expect(result.pFamily[0]).toBeGreaterThan(0.8 * sidak);
    expect(result.pFamily[0]).toBeLessThan(1.1 * sidak);
  });

  it('series sharing their units move together: no adjustment beyond Monte Carlo error', () => {
    const result = analyseFamily([series(mcnemar(9, 2, 40), ids(40)), series(mcnemar(9, 2, 40), ids(40))], 40, { seed: 5 });
    expect(result.pFamily[0]).toBeGreaterThanOrEqual(result.pValues[0]);
    expect(result.pFamily[0] - result.pValues[0]).toBeLessThan(0.004);
  });

  it('describe series take no part in the family', () => {
    const result = analyseFamily([series(mcnemar(9, 2, 40), ids(40)), { ...series([0.3, -0.2, 0.1], [0, 1, 2], 0), role: 'describe' }], 40);
    expect(result.pFamily[0]).toBe(result.pValues[0]);
    expect(result.nulls[1].exact).toBe(false);
  });

  it('is deterministic for a seed', () => {
    const all = [series(mcnemar(5, 3, 30), ids(30)), series([0.2, -0.4, 0.6, -1, 0.3], ids(5, 30), 0)];
    const a = analyseFamily(all, 35, { seed: 9 });
    const b = analyseFamily(all, 35, { seed: 9 });
    expect(a.pFamily).toEqual(b.pFamily);
    expect(a.pValues).toEqual(b.pValues);
  });
});

describe('invertTest', () => {
  it('returns the end of a closed acceptance region exactly, on the accepted side', () => {
    expect(invertTest((t) => t <= 0.3, 0, 'upper')).toBe(0.3);
    expect(invertTest((t) => t >= -0.25, -0.02, 'lower')).toBe(-0.25);
    expect(invertTest((t) => t >= 0.1, -0.02, 'lower')).toBe(0.1);
  });

  it('stays inside an open region, so the bound agrees with the decision at the decision point', () => {
    const upper = invertTest((t) => t < 0, 0, 'upper');
    expect(upper).toBeLessThan(0);
    expect(upper).toBeGreaterThan(-1e-9);
    const lower = invertTest((t) => t > -0.02, -0.02, 'lower');
    expect(lower).toBeGreaterThan(-0.02);
    expect(lower).toBeLessThan(-0.02 + 1e-9);
  });

  it('clamps to [−1, 1]', () => {
    expect(invertTest(() => true, 0, 'upper')).toBe(1);
    expect(invertTest(() => true, -0.02, 'lower')).toBe(-1);
  });
});
