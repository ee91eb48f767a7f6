import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE } from '../config/defaults.js';
import type { GateConfig } from '../config/types.js';
import type { CaseResult, RepeatOutcome, SideResult } from '../run-record/types.js';
import { buildComparison } from './build-comparison.js';
import { compareRows, decideGate } from './gate.js';
import { createRandom } from './stats.js';

type Outcomes = Array<{ pass: boolean; score?: number }> | 'error' | 'ungraded';

function side(outcomes: Outcomes): SideResult {
  const base = { promptId: 'p', promptVersion: '1.0.0', promptHash: 'abc' };
  if (outcomes === 'error') {
    const repeats: RepeatOutcome[] = [{ ...repeat(0, null), error: { code: 'TIMEOUT', message: 'timed out' } }];
    return { ...base, status: 'error', passRate: 0, meanScore: 0, repeats };
  }
  if (outcomes === 'ungraded') {
    const repeats: RepeatOutcome[] = [{ ...repeat(0, { pass: false, score: 0 }) }];
    return { ...base, status: 'ungraded', passRate: 0, meanScore: 0, repeats };
  }
  const repeats = outcomes.map((o, i) => repeat(i, { pass: o.pass, score: o.score ?? (o.pass ? 1 : 0) }));
  const passRate = outcomes.filter((o) => o.pass).length / outcomes.length;
  const meanScore = repeats.reduce((s, r) => s + (r.grade?.score ?? 0), 0) / repeats.length;
  return { ...base, status: passRate >= 0.5 ? 'pass' : 'fail', passRate, meanScore, repeats };
}

function repeat(index: number, grade: { pass: boolean; score: number } | null): RepeatOutcome {
  return {
    repeat: index, output: 'x', error: null, grade: grade && { ...grade, reason: '', assertions: [] },
    modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached: false, attempts: 1,
  };
}

function testCase(id: string, before: Outcomes | undefined, after: Outcomes, where = { suite: 'sentiment', model: 'mini' }): CaseResult {
  return {
    ...side(after), ...where, caseId: id, tags: [], source: { file: 'evals/sentiment.csv', line: 2 }, vars: {},
    baseline: before === undefined ? undefined : side(before),
  };
}

const pass = (score?: number) => [{ pass: true, score }];
const fail = (score?: number) => [{ pass: false, score }];
const gate = (overrides: GateConfig = {}): Required<GateConfig> => ({ ...DEFAULT_GATE, ...overrides });

/** n cases; baseline p_i spread over 0.2..0.95; candidate p_i − drop; noisy scores. Seeded. */
function noisyCases(seed: number, n: number, repeats: number, drop: number): CaseResult[] {
  const random = createRandom(seed);
  const draw = (p: number): Outcomes =>
    Array.from({ length: repeats }, () => {
      const ok = random.float() < p;
      return { pass: ok, score: ok ? 0.6 + 0.4 * random.float() : 0.4 * random.float() };
    });
  return Array.from({ length: n }, (_, i) => {
    const p = 0.2 + 0.75 * ((random.float() + random.float()) / 2);
    return testCase(`c${i}`, draw(p), draw(Math.max(0, p - drop)));
  });
}

const repeated = (times: number, outcome: { pass: boolean; score?: number }) => new Array(times).fill(outcome);

describe('exact gate (repeat 1)', () => {
  it('passes when nothing regressed', () => {
    const [row] = compareRows(Array.from({ length: 10 }, (_, i) => testCase(`c${i}`, pass(), pass())), { repeat: 1, gate: gate() });
    expect(row).toMatchObject({ verdict: 'pass', test: 'exact', pValue: null, cases: 10, passRateDelta: 0 });
    expect(row.counts['unchanged-pass']).toBe(10);
    expect(row.reasons[0]).toBe('0 regressed, 0 improved, 10 unchanged-pass, 0 unchanged-fail (max 0 regressed)');
  });

  it('fails on one regression with maxRegressions 0, and tolerates it with 1', () => {
    const cases = [testCase('a', pass(), fail()), ...Array.from({ length: 9 }, (_, i) => testCase(`c${i}`, pass(), pass()))];
    const [failed] = compareRows(cases, { repeat: 1, gate: gate() });
    expect(failed.verdict).toBe('fail');
    expect(failed.reasons).toEqual(['1 regressed case (max 0)']);
    expect(failed.counts).toMatchObject({ regressed: 1, 'unchanged-pass': 9 });
    expect(failed.passRateDelta).toBeCloseTo(-0.1, 12);
    expect(decideGate([failed], gate())).toEqual({ verdict: 'fail', reasons: ['sentiment \u00d7 mini: 1 regressed case (max 0)'] });

    const [tolerated] = compareRows(cases, { repeat: 1, gate: gate({ maxRegressions: 1 }) });
    expect(tolerated.verdict).toBe('pass');
  });

  it('names the count of regressions', () => {
    const cases = ['a', 'b', 'c'].map((id) => testCase(id, pass(), fail())).concat(testCase('d', fail(), pass()));
    const [row] = compareRows(cases, { repeat: 1, gate: gate({ maxRegressions: 2 }) });
    expect(row.reasons).toEqual(['3 regressed cases (max 2)']);
    expect(row.counts).toMatchObject({ regressed: 3, improved: 1 });
  });

  it('applies minPassRate to the candidate pass rate', () => {
    const cases = Array.from({ length: 10 }, (_, i) => (i < 3 ? testCase(`c${i}`, pass(), pass()) : testCase(`c${i}`, fail(), fail())));
    const [below] = compareRows(cases, { repeat: 1, gate: gate({ minPassRate: 0.5 }) });
    expect(below.verdict).toBe('fail');
    expect(below.reasons).toEqual(['candidate pass rate 0.30 over 10 cases is below the floor 0.5']);
    const [meets] = compareRows(cases, { repeat: 1, gate: gate({ minPassRate: 0.3 }) });
    expect(meets.verdict).toBe('pass');
    expect(meets.reasons).toContain('candidate pass rate 0.30 over 10 cases meets the floor 0.3');
  });

  it('applies maxScoreDrop to the mean score', () => {
    const cases = Array.from({ length: 8 }, (_, i) => testCase(`c${i}`, pass(0.9), pass(0.8)));
    const [strict] = compareRows(cases, { repeat: 1, gate: gate({ maxScoreDrop: 0.05 }) });
    expect(strict.verdict).toBe('fail');
    expect(strict.reasons).toEqual(['mean score of the 8 cases with unchanged pass/fail 0.90 \u2192 0.80 (\u22120.10): drop 0.10 > max 0.05']);
    expect(strict.scoreDelta).toBeCloseTo(-0.1, 12);
    expect(strict.scoreDeltaCi[0]).toBeCloseTo(-0.1, 12);
    const [lenient] = compareRows(cases, { repeat: 1, gate: gate({ maxScoreDrop: 0.2 }) });
    expect(lenient.verdict).toBe('pass');
  });

  it('leaves a tolerated regression to maxRegressions, not to the score rule', () => {
    const cases = [testCase('a', pass(0.9), fail(0.1)), ...Array.from({ length: 5 }, (_, i) => testCase(`c${i}`, pass(0.9), pass(0.9)))];
    const [row] = compareRows(cases, { repeat: 1, gate: gate({ maxRegressions: 1 }) });
    expect(row.verdict).toBe('pass');
    expect(row.scoreDelta).toBeLessThan(0);
  });
});

describe('errored and new cases', () => {
  it('turns an otherwise passing row into error (no verdict)', () => {
    const cases = [testCase('a', pass(), 'error'), testCase('b', pass(), pass())];
    const [row] = compareRows(cases, { repeat: 1, gate: gate() });
    expect(row.verdict).toBe('error');
    expect(row.counts.errored).toBe(1);
    expect(row.reasons).toEqual(['1 errored case (1 on the candidate, 0 on the baseline) left no verdict']);
    expect(decideGate([row], gate()).verdict).toBe('error');
  });

  it('keeps a failing row failing, and leaves errored cases out of the rates', () => {
    const cases = [testCase('a', 'error', pass()), testCase('b', pass(), fail()), testCase('c', pass(), pass())];
    const [row] = compareRows(cases, { repeat: 1, gate: gate() });
    expect(row.verdict).toBe('fail');
    expect(row.reasons).toEqual(['1 regressed case (max 0)', '1 errored case (0 on the candidate, 1 on the baseline) left out of the comparison']);
    expect(row.baselinePassRate).toBe(1);
    expect(row.candidatePassRate).toBe(0.5);
  });

  it('counts cases without baseline as new and leaves them out of the comparison', () => {
    const [row] = compareRows([testCase('a', undefined, fail()), testCase('b', pass(), pass())], { repeat: 1, gate: gate() });
    expect(row.counts).toMatchObject({ new: 1, 'unchanged-pass': 1 });
    expect(row.candidatePassRate).toBe(1);
    expect(row.verdict).toBe('pass');
  });

  it('decides a row with no baseline result by the floor only, and says so (every case must pass without a floor)', () => {
    const [onlyNew] = compareRows([testCase('a', undefined, pass()), testCase('b', undefined, pass())], { repeat: 1, gate: gate() });
    expect(onlyNew).toMatchObject({ test: 'floor-only', pValue: null, verdict: 'pass' });
    expect(onlyNew.reasons[0]).toBe('no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only: all 2 cases pass (with no gate.minPassRate, every case must pass)');
    const [failing] = compareRows([testCase('a', undefined, pass()), testCase('b', undefined, fail())], { repeat: 1, gate: gate() });
    expect(failing).toMatchObject({ test: 'floor-only', verdict: 'fail' });
    expect(failing.reasons[0]).toContain('every case must pass: 1 of 2 cases fail');
    const [floored] = compareRows([testCase('a', undefined, pass()), testCase('b', undefined, fail())], { repeat: 1, gate: gate({ minPassRate: 0.5 }) });
    expect(floored).toMatchObject({ test: 'floor-only', verdict: 'pass' });
    expect(floored.reasons[0]).toBe('no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only: candidate pass rate 0.50 over 2 cases meets the floor 0.5');
    // The overall verdict names the rows that compared nothing instead of counting them as comparisons.
    const rows = [...compareRows([testCase('a', pass(), pass())], { repeat: 1, gate: gate() }), onlyNew];
    expect(decideGate(rows, gate()).reasons).toEqual([
      '1 suite \u00d7 model comparison passed (maxRegressions 0, maxScoreDrop 0, minPassRate 0, alpha 0.05)',
      `sentiment \u00d7 mini: ${onlyNew.reasons[0]}`,
    ]);
  });
});

describe('ungraded cases', () => {
  it('are left out of the rates and the floor, never counted as passes', () => {
    const cases = [testCase('a', 'ungraded', 'ungraded'), testCase('b', pass(), fail()), testCase('c', pass(), pass()), testCase('d', pass(), 'ungraded')];
    const [row] = compareRows(cases, { repeat: 1, gate: gate({ maxRegressions: 1, minPassRate: 0.5 }) });
    expect(row.verdict).toBe('pass');
    expect(row.counts).toMatchObject({ ungraded: 2, regressed: 1, 'unchanged-pass': 1 });
    expect(row.candidatePassRate).toBe(0.5);
    expect(row.reasons).toContain('2 ungraded cases (nothing to grade them with) left out of the comparison');
    expect(row.reasons).toContain('candidate pass rate 0.50 over 2 cases meets the floor 0.5');
  });

  it('a row with only ungraded cases gets no verdict (error), also with repeats and without a baseline', () => {
    for (const repeat of [1, 3]) {
      const [row] = compareRows([testCase('a', 'ungraded', 'ungraded'), testCase('b', pass(), 'ungraded'), testCase('c', undefined, 'ungraded')], { repeat, gate: gate() });
      expect(row.verdict).toBe('error');
      expect(row.reasons).toEqual(['no case was graded, 3 ungraded cases (nothing to grade them with): no verdict (add __expected or assert to the cases, or an output.schema to the prompt)']);
      expect(decideGate([row], gate())).toMatchObject({ verdict: 'error' });
    }
  });

  it('a graded candidate against an ungraded baseline counts like a new case (the floor applies)', () => {
    const [row] = compareRows([testCase('a', 'ungraded', fail()), testCase('b', 'ungraded', pass())], { repeat: 1, gate: gate({ minPassRate: 0.9 }) });
    expect(row).toMatchObject({ test: 'floor-only', verdict: 'fail' });
    expect(row.reasons[0]).toBe('no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only: candidate pass rate 0.50 over 2 cases is below the floor 0.9');
    expect(row.reasons).toContain('2 ungraded cases (nothing to grade them with; 2 on the baseline only) left out of the comparison');
    // Without a floor it still compared nothing: every case must pass, never a pass for want of a comparison.
    const [noFloor] = compareRows([testCase('a', 'ungraded', fail()), testCase('b', 'ungraded', pass())], { repeat: 1, gate: gate() });
    expect(noFloor).toMatchObject({ test: 'floor-only', verdict: 'fail' });
    const [allPass] = compareRows([testCase('a', 'ungraded', pass())], { repeat: 1, gate: gate() });
    expect(allPass).toMatchObject({ test: 'floor-only', verdict: 'pass' });
  });
});

describe('rows and the overall verdict', () => {
  it('groups by suite × model in first-seen order and fails when any row fails', () => {
    const cases = [
      testCase('a', pass(), pass(), { suite: 's1', model: 'm1' }),
      testCase('a', pass(), fail(), { suite: 's1', model: 'm2' }),
      testCase('b', pass(), pass(), { suite: 's2', model: 'm1' }),
      testCase('c', pass(), pass(), { suite: 's1', model: 'm1' }),
    ];
    const rows = compareRows(cases, { repeat: 1, gate: gate() });
    expect(rows.map((r) => [r.suite, r.model, r.cases, r.verdict])).toEqual([
      ['s1', 'm1', 2, 'pass'],
      ['s1', 'm2', 1, 'fail'],
      ['s2', 'm1', 1, 'pass'],
    ]);
    expect(decideGate(rows, gate())).toEqual({ verdict: 'fail', reasons: ['s1 \u00d7 m2: 1 regressed case (max 0)'] });
  });

  it('passes with a summary line, and passes an empty comparison', () => {
    const rows = compareRows([testCase('a', pass(), pass())], { repeat: 1, gate: gate() });
    expect(decideGate(rows, gate()).reasons).toEqual([
      '1 suite \u00d7 model comparison passed (maxRegressions 0, maxScoreDrop 0, minPassRate 0, alpha 0.05)',
    ]);
    expect(decideGate([], gate())).toEqual({ verdict: 'pass', reasons: ['no cases compared'] });
  });

  it('prefers fail over error across rows', () => {
    const rows = compareRows(
      [testCase('a', pass(), 'error', { suite: 's', model: 'x' }), testCase('a', pass(), fail(), { suite: 's', model: 'y' })],
      { repeat: 1, gate: gate() },
    );
    const verdict = decideGate(rows, gate());
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons).toHaveLength(2);
  });

  it('builds the comparison block', () => {
    const rows = compareRows([testCase('a', pass(), fail())], { repeat: 1, gate: gate({ alpha: 0.01 }) });
    const comparison = buildComparison(rows, { spec: 'HEAD~1', label: 'git 3f2a1b0 (HEAD~1)' }, { spec: 'working tree', label: 'working tree' }, gate({ alpha: 0.01 }));
    expect(comparison).toMatchObject({ alpha: 0.01, rows, baseline: { spec: 'HEAD~1' }, gate: { verdict: 'fail' } });
  });
});

describe('noisy gate (repeat > 1)', () => {
  it('passes a seeded no-change comparison', () => {
    const [row] = compareRows(noisyCases(101, 200, 5, 0), { repeat: 5, gate: gate() });
    expect(row.test).toBe('paired-permutation');
    expect(row.verdict).toBe('pass');
    expect(row.pValue).toBeGreaterThanOrEqual(0.05);
    expect(row.passRateDeltaCi[0]).toBeLessThan(0);
    expect(row.passRateDeltaCi[1]).toBeGreaterThan(0);
    expect(row.reasons[0]).toMatch(/^\d+ regressed, \d+ improved, \d+ unchanged-pass, \d+ unchanged-fail$/);
    expect(Object.values(row.counts).reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('fails a seeded 30-point drop, with the test figures in the reasons', () => {
    const [row] = compareRows(noisyCases(202, 200, 5, 0.3), { repeat: 5, gate: gate() });
    expect(row.verdict).toBe('fail');
    expect(row.pValue).toBeLessThan(0.001);
    expect(row.passRateDelta).toBeLessThan(-0.2);
    expect(row.passRateDeltaCi[0]).toBeLessThan(row.passRateDelta);
    expect(row.passRateDeltaCi[1]).toBeGreaterThan(row.passRateDelta);
    expect(row.passRateDeltaCi[1]).toBeLessThan(0);
    expect(row.reasons[0]).toMatch(/^pass rate 0\.\d\d \u2192 0\.\d\d \(\u22120\.\d\d, 90% CI \u22120\.\d\d \u2026 \u22120\.\d\d, p<0\.0001 < 0\.05\)$/);
    expect(row.reasons.at(-1)).toBe(
      `${row.counts.regressed} regressed, ${row.counts.improved} improved, ${row.counts['unchanged-pass']} unchanged-pass, ` +
        `${row.counts['unchanged-fail']} unchanged-fail (majority of repeats; informative only)`,
    );
    expect(row.counts.regressed).toBeGreaterThan(row.counts.improved);
  });

  it('is deterministic', () => {
    const options = { repeat: 5, gate: gate() };
    expect(compareRows(noisyCases(7, 60, 3, 0.1), options)).toEqual(compareRows(noisyCases(7, 60, 3, 0.1), options));
  });

  it('uses exact McNemar when repeats are unanimous, and needs more than a few flips', () => {
    const flip = (id: string) => testCase(id, repeated(3, { pass: true }), repeated(3, { pass: false }));
    const same = (id: string) => testCase(id, repeated(3, { pass: true }), repeated(3, { pass: true }));
    const [eight] = compareRows([...'abcdefgh'].map(flip).concat([...'ijkl'].map(same)), { repeat: 3, gate: gate() });
    expect(eight).toMatchObject({ test: 'mcnemar-exact', verdict: 'fail' });
    expect(eight.pValue).toBeCloseTo(1 / 256, 14);
    const [three] = compareRows([...'abc'].map(flip).concat([...'ijkl'].map(same)), { repeat: 3, gate: gate() });
    expect(three).toMatchObject({ test: 'mcnemar-exact', verdict: 'pass' });
    expect(three.pValue).toBeCloseTo(1 / 8, 14);
    expect(three.reasons).toContain('pass rate 1.00 \u2192 0.57 (\u22120.43, 90% CI \u22120.71 \u2026 \u22120.14, p=0.13 \u2265 0.05)');
  });

  it('reads maxRegressions as case-passes lost, tested with that tolerance', () => {
    // 60 of 200 cases lose one pass in five: 12 case-passes lost.
    const cases = Array.from({ length: 200 }, (_, i) =>
      testCase(`c${i}`, repeated(5, { pass: true }), i < 60 ? [...repeated(4, { pass: true }), { pass: false }] : repeated(5, { pass: true })),
    );
    const [strict] = compareRows(cases, { repeat: 5, gate: gate() });
    expect(strict.verdict).toBe('fail');
    const [tolerant] = compareRows(cases, { repeat: 5, gate: gate({ maxRegressions: 20 }) });
    expect(tolerant.test).toBe('paired-permutation');
    expect(tolerant.verdict).toBe('pass');
    expect(tolerant.reasons.some((r) => r.includes("loss above 20 cases' worth of passes: p=1 \u2265 0.05"))).toBe(true);
  });

  it('tests the score drop on unchanged cases against maxScoreDrop', () => {
    const random = createRandom(5);
    const scored = (base: number) => Array.from({ length: 4 }, () => ({ pass: true, score: base + 0.1 * random.float() }));
    const cases = Array.from({ length: 50 }, (_, i) => testCase(`c${i}`, scored(0.85), scored(0.7)));
    const [strict] = compareRows(cases, { repeat: 4, gate: gate() });
    expect(strict.verdict).toBe('fail');
    expect(strict.reasons[0]).toMatch(/^mean score of the 50 cases with unchanged pass\/fail 0\.90 \u2192 0\.75 \(\u22120\.15, p<0\.0001 < 0\.05\)$/);
    const [tolerant] = compareRows(cases, { repeat: 4, gate: gate({ maxScoreDrop: 0.2 }) });
    expect(tolerant.verdict).toBe('pass');
    expect(tolerant.reasons.some((r) => r.includes('drop above 0.2: p=1'))).toBe(true);
  });

  it('fails the floor only when the pass rate is significantly below it', () => {
    const draw = (passes: number, of: number) => Array.from({ length: of }, (_, k) => ({ pass: k < passes }));
    const low = Array.from({ length: 200 }, (_, i) => testCase(`c${i}`, draw(i % 5 < 3 ? 2 : 1, 5), draw(i % 5 < 2 ? 2 : 1, 5)));
    const [below] = compareRows(low, { repeat: 5, gate: gate({ minPassRate: 0.5 }) });
    expect(below.verdict).toBe('fail');
    expect(below.reasons).toContain('candidate pass rate 0.28 over 200 cases is below the floor 0.5 (95% upper bound 0.30)');
    const near = Array.from({ length: 10 }, (_, i) => testCase(`c${i}`, draw(i < 4 ? 3 : 2, 5), draw(i < 4 ? 3 : 2, 5)));
    const [close] = compareRows(near, { repeat: 5, gate: gate({ minPassRate: 0.5 }) });
    expect(close.verdict).toBe('pass');
    expect(close.reasons).toContain('candidate pass rate 0.48 over 10 cases is not significantly below the floor 0.5 (95% upper bound 0.60)');
  });
});
