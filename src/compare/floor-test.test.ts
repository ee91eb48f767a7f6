import { describe, expect, it } from 'vitest';
import { floorTest } from './floor-test.js';
import { clopperPearsonUpper, createRandom } from './stats.js';

const data = (rates: number[], repeats: number) => ({
  cases: rates.length,
  rateSum: rates.reduce((a, b) => a + b, 0),
  rateSquares: rates.reduce((a, b) => a + b * b, 0),
  trials: rates.length * repeats,
});

describe('floorTest (the case as the unit)', () => {
  it('is Clopper–Pearson over the cases at repeat 1', () => {
    const rates = Array.from({ length: 40 }, (_, i) => (i < 28 ? 1 : 0));
    const result = floorTest(data(rates, 1), 0.9, 0.05);
    expect(result.upper).toBeCloseTo(clopperPearsonUpper(28, 40, 0.05), 12);
    expect(result).toMatchObject({ rate: 0.7, effective: 40, outcome: 'below' });
  });

  it('counts clustered repeats as one case: all-or-nothing cases give no more evidence than repeat 1', () => {
    const rates = Array.from({ length: 40 }, (_, i) => (i < 28 ? 1 : 0));
    expect(floorTest(data(rates, 5), 0.9, 0.05).effective).toBe(40);
    expect(floorTest(data(rates, 5), 0.9, 0.05).upper).toBeCloseTo(clopperPearsonUpper(28, 40, 0.05), 12);
  });

  it('uses every trial when the cases do not differ', () => {
    const rates = new Array(40).fill(2 / 3);
    const result = floorTest(data(rates, 3), 0.8, 0.05);
    expect(result.effective).toBe(120);
    expect(result.upper).toBeCloseTo(clopperPearsonUpper(80, 120, 0.05), 12);
  });

  it('says short (not significantly below) and meets', () => {
    expect(floorTest(data([1, 1, 1, 0, 1], 1), 0.9, 0.05).outcome).toBe('short');
    expect(floorTest(data([1, 1, 1, 1, 1], 1), 0.9, 0.05).outcome).toBe('meets');
  });

  it('fails at most alpha of suites drawn from a population whose rate is the floor (clustered, repeat 3)', () => {
    const random = createRandom(17);
    let failed = 0;
    const suites = 2000;
    for (let s = 0; s < suites; s++) {
      const rates = Array.from({ length: 60 }, () => {
        const p = Math.sin((Math.PI * random.float()) / 2) ** 2; // U-shaped, mean ½
        let passes = 0;
        for (let r = 0; r < 3; r++) passes += random.float() < p ? 1 : 0;
        return passes / 3;
      });
      if (floorTest(data(rates, 3), 0.5, 0.05).outcome === 'below') failed++;
    }
    // Binomial(2000, 0.05) stays below 5% + 2.3 standard errors with probability 99%.
    expect(failed / suites).toBeLessThan(0.05 + 2.33 * Math.sqrt((0.05 * 0.95) / suites));
  });
});
