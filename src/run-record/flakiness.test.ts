import { describe, expect, it } from 'vitest';
import { Flakiest, caseFlakinessScore, createRepeatStats, flakinessOf, isFlaky } from './flakiness.js';
import { summariseRepeats } from './status.js';
import type { CaseResult, RepeatOutcome, SideResult } from './types.js';

type Draw = 'pass' | 'fail' | 'error' | 'ungraded';

function repeat(i: number, draw: Draw): RepeatOutcome {
  const grade =
    draw === 'error' ? null
    : draw === 'ungraded' ? { pass: false, score: 0, reason: 'ungraded', assertions: [], ungraded: true }
    : { pass: draw === 'pass', score: draw === 'pass' ? 1 : 0, reason: draw, assertions: [] };
  return { repeat: i, output: draw === 'error' ? null : 'x', error: draw === 'error' ? { code: 'timeout', message: 't' } : null, grade, modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached: false, attempts: 1 };
}

function side(...draws: Draw[]): SideResult {
  const repeats = draws.map((d, i) => repeat(i, d));
  return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'h', ...summariseRepeats(repeats), repeats };
}

function caseOf(candidate: SideResult, baseline?: SideResult, id = 'c'): CaseResult {
  return { ...candidate, suite: 's', model: 'm', caseId: id, tags: [], source: { file: 'e.csv', line: 2 }, vars: {}, ...(baseline ? { baseline } : {}) };
}

describe('flakinessOf', () => {
  it('pass@k is 1 when any repeat passed, pass^k when all did; flaky when some but not all did', () => {
    expect(flakinessOf(side('pass', 'pass', 'pass'))).toEqual({ k: 3, passes: 3, passAtK: 1, passHatK: 1, flaky: false, score: 0 });
    expect(flakinessOf(side('fail', 'fail', 'fail'))).toEqual({ k: 3, passes: 0, passAtK: 0, passHatK: 0, flaky: false, score: 0 });
    const one = flakinessOf(side('fail', 'pass', 'fail'))!;
    expect([one.k, one.passes, one.passAtK, one.passHatK, one.flaky]).toEqual([3, 1, 1, 0, true]);
    expect(one.score).toBeCloseTo(8 / 9);
    expect(flakinessOf(side('pass', 'fail'))!.score).toBe(1);
  });

  it('at k = 1 pass@1 = pass^1 = the verdict, and nothing is flaky', () => {
    expect(flakinessOf(side('pass'))).toMatchObject({ k: 1, passAtK: 1, passHatK: 1, flaky: false });
    expect(flakinessOf(side('fail'))).toMatchObject({ k: 1, passAtK: 0, passHatK: 0, flaky: false });
  });

  it('a side without a verdict (errored, ungraded, absent) has none', () => {
    expect(flakinessOf(side('pass', 'error', 'pass'))).toBeUndefined();
    expect(flakinessOf(side('ungraded', 'ungraded'))).toBeUndefined();
    expect(flakinessOf(undefined)).toBeUndefined();
  });

  it('a case is as flaky as its flakier side', () => {
    const steady = side('pass', 'pass', 'pass', 'pass');
    const shaky = side('pass', 'fail', 'pass', 'fail');
    expect(caseFlakinessScore(caseOf(steady, shaky))).toBe(1);
    expect(isFlaky(caseOf(steady, shaky))).toBe(true);
    expect(isFlaky(caseOf(steady, steady))).toBe(false);
    expect(caseFlakinessScore(caseOf(side('error')))).toBe(0);
  });
});

describe('createRepeatStats', () => {
  it('averages pass@k and pass^k over the graded cases and counts the flaky ones', () => {
    const stats = createRepeatStats();
    stats.add(side('pass', 'pass', 'pass'));
    stats.add(side('pass', 'fail', 'fail'));
    stats.add(side('fail', 'fail', 'fail'));
    stats.add(side('pass', 'pass', 'fail'));
    stats.add(side('error', 'pass', 'pass'));
    stats.add(undefined);
    expect(stats.finish()).toEqual({ k: 3, cases: 4, passAtK: 0.75, passHatK: 0.25, flaky: 2 });
  });

  it('has nothing to say when no case had a verdict', () => {
    const stats = createRepeatStats();
    stats.add(side('error'));
    expect(stats.finish()).toBeUndefined();
  });
});

describe('Flakiest', () => {
  it('keeps the most flaky items, flakiest first and in offer order among equals, and counts every flaky one', () => {
    const top = new Flakiest<string>(3);
    const offers: Array<[string, number]> = [['a', 0], ['b', 0.5], ['c', 1], ['d', 0.5], ['e', 0.9], ['f', 0.2], ['g', 1]];
    for (const [item, score] of offers) top.offer(item, score);
    expect(top.items).toEqual(['c', 'g', 'e']);
    expect(top.total).toBe(6);
  });

  it('matches a full sort on many random offers', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const top = new Flakiest<number>(10);
    const all: Array<{ i: number; s: number }> = [];
    for (let i = 0; i < 500; i++) {
      const s = Math.round(rand() * 8) / 8;
      top.offer(i, s);
      all.push({ i, s });
    }
    const expected = all.filter((x) => x.s > 0).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 10).map((x) => x.i);
    expect(top.items).toEqual(expected);
  });
});
