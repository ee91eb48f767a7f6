import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE } from '../config/defaults.js';
import type { GateConfig, ResolvedGate } from '../config/types.js';
import type { CaseResult, RepeatOutcome, SideResult } from '../run-record/types.js';
import { buildComparison } from './build-comparison.js';
import { analyseGate, compareRows, decideGate, undecidedCases } from './gate.js';
import { createRandom, mcnemarMidP } from './stats.js';

type Outcomes = Array<{ pass: boolean; score?: number }> | 'error' | 'ungraded';

/*
 * The fixtures are built with plain loops and property writes, not object spreads: the file builds
 * ~5,000 cases, and spreading them took several times the CPU of the objects themselves.
 */
function side(outcomes: Outcomes): SideResult {
  if (outcomes === 'error') {
    const repeats: RepeatOutcome[] = [repeat(0, null)];
    repeats[0].error = { code: 'TIMEOUT', message: 'timed out' };
    return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'abc', status: 'error', passRate: 0, meanScore: 0, repeats };
  }
  if (outcomes === 'ungraded') {
    const repeats: RepeatOutcome[] = [repeat(0, { pass: false, score: 0 })];
    return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'abc', status: 'ungraded', passRate: 0, meanScore: 0, repeats };
  }
  const repeats: RepeatOutcome[] = [];
  let passes = 0;
  let scores = 0;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i];
    const score = o.score ?? (o.pass ? 1 : 0);
    repeats.push(repeat(i, { pass: o.pass, score }));
    if (o.pass) passes++;
    scores += score;
  }
  const passRate = passes / outcomes.length;
  const meanScore = scores / repeats.length;
  return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'abc', status: passRate >= 0.5 ? 'pass' : 'fail', passRate, meanScore, repeats };
}

function repeat(index: number, grade: { pass: boolean; score: number } | null): RepeatOutcome {
  return {
    repeat: index, output: 'x', error: null, grade: grade && { pass: grade.pass, score: grade.score, reason: '', assertions: [] },
    modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached: false, attempts: 1,
  };
}

function testCase(id: string, before: Outcomes | undefined, after: Outcomes, where = { suite: 'sentiment', model: 'mini' }): CaseResult {
  const result = side(after) as CaseResult;
  result.suite = where.suite;
  result.model = where.model;
  result.caseId = id;
  result.tags = [];
  result.source = { file: 'evals/sentiment.csv', line: 2 };
  result.vars = {};
  result.baseline = before === undefined ? undefined : side(before);
  return result;
}

const pass = (score?: number) => [{ pass: true, score }];
const fail = (score?: number) => [{ pass: false, score }];
const gate = (overrides: GateConfig = {}): ResolvedGate => ({ ...DEFAULT_GATE, ...overrides });

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

/** `n` cases of which the first `regressed` went pass → fail and the next `improved` fail → pass; the rest pass on both sides. */
function flips(n: number, regressed: number, improved = 0, where?: { suite: string; model: string }): CaseResult[] {
  return Array.from({ length: n }, (_, i) =>
    i < regressed ? testCase(`c${i}`, pass(), fail(), where) : i < regressed + improved ? testCase(`c${i}`, fail(), pass(), where) : testCase(`c${i}`, pass(), pass(), where),
  );
}

describe('repeat 1: the mid-p McNemar test of regressed against improved cases', () => {
  it('passes an unchanged suite: every difference is 0, so both bounds are 0', () => {
    const [row] = compareRows(flips(10, 0), { repeat: 1, gate: gate() });
    expect(row).toMatchObject({ verdict: 'pass', test: 'mcnemar-midp', pValue: 0.5, pValueFamily: 0.5, cases: 10, passRateDelta: 0, passRateDeltaCi: [0, 0] });
    expect(row.decidedBy).toBe('non-inferiority: lower bound 0.00 > \u22120.02 (margin), p=0.00049 < 0.05; mid-p McNemar: 0 regressed vs 0 improved (exact), p=0.5');
    expect(row.reasons[0]).toBe('pass rate 1.00 \u2192 1.00 (0.00, 95% bounds 0.00 \u2026 0.00): within the margin (lower bound 0.00 > \u22120.02, p=0.00049)');
  });

  it('matches the literature: 7 regressed against 1 improved is mid-p 0.0195 one-sided (Fagerland et al. 2013: two-sided mid-p 0.039, exact 0.070)', () => {
    const [row] = compareRows(flips(21, 7, 1), { repeat: 1, gate: gate() });
    expect(row.pValue).toBeCloseTo(5 / 256, 12);
    expect(2 * row.pValue!).toBeCloseTo(0.0390625, 12);
    expect(row.verdict).toBe('fail');
    expect(row.decidedBy).toBe('mid-p McNemar: 7 regressed vs 1 improved (exact), p=0.02 < 0.05');
    expect(row.passRateDeltaCi[1]).toBeLessThan(0);
  });

  it('is inconclusive, not failed, on three clean regressions in ten cases (mid-p 1/16), and says what would decide it', () => {
    const [row] = compareRows(flips(10, 3), { repeat: 1, gate: gate() });
    expect(row).toMatchObject({ verdict: 'inconclusive', test: 'mcnemar-midp' });
    expect(row.pValue).toBeCloseTo(mcnemarMidP(3, 0), 14);
    expect(row.pValue).toBeCloseTo(1 / 16, 14);
    expect(row.passRateDeltaCi[0]).toBeLessThanOrEqual(-0.02);
    expect(row.passRateDeltaCi[1]).toBeGreaterThanOrEqual(0);
    expect(row.reasons[0]).toMatch(/^pass rate 1\.00 \u2192 0\.70 \(\u22120\.30, 95% bounds \u22120\.\d\d \u2026 0\.00\): not significantly worse \(mid-p McNemar: 3 regressed vs 0 improved, p=0\.06\d \u2265 0\.05\) nor within the margin \(lower bound \u22120\.\d\d \u2264 \u22120\.02\)$/);
    expect(row.toDecide?.cases).toBeGreaterThan(0);
    expect(row.reasons[1]).toMatch(/^about \d+ more cases? would likely decide it \(more repeats help only if the outputs vary from run to run\)$/);
    expect(decideGate([row], gate())).toEqual({ verdict: 'inconclusive', reasons: row.reasons.map((r) => `sentiment \u00d7 mini: ${r}`) });
  });

  it('fails eight clean regressions in ten cases (mid-p 2^-9)', () => {
    const [row] = compareRows(flips(10, 8), { repeat: 1, gate: gate() });
    expect(row.verdict).toBe('fail');
    expect(row.pValue).toBeCloseTo(2 ** -9, 14);
    expect(row.reasons[0]).toMatch(/: significantly worse, mid-p McNemar: 8 regressed vs 0 improved, p=0\.002 < 0\.05$/);
  });

  it('weighs improvements against regressions: 3 of each is no evidence (p = 1/2), where a label count would fail', () => {
    const [row] = compareRows(flips(1000, 3, 3), { repeat: 1, gate: gate() });
    expect(row.pValue).toBeCloseTo(0.5, 14);
    expect(row.verdict).toBe('pass');
  });

  it('maxRegressions is an explicit policy: it fails on a labelled regression, and decides the pass when none exceeds it', () => {
    const one = flips(10, 1);
    const [strict] = compareRows(one, { repeat: 1, gate: gate({ maxRegressions: 0 }) });
    expect(strict.verdict).toBe('fail');
    expect(strict.reasons).toEqual(['1 regressed case (max 0, gate.maxRegressions)']);
    expect(strict.decidedBy).toBe('gate.maxRegressions: 1 regressed case > 0');
    const [tolerated] = compareRows(one, { repeat: 1, gate: gate({ maxRegressions: 1 }) });
    expect(tolerated.verdict).toBe('pass');
    expect(tolerated.decidedBy).toBe('gate.maxRegressions: 1 regressed case \u2264 1');
    expect(tolerated.reasons[0]).toBe('1 regressed, 0 improved, 9 unchanged-pass, 0 unchanged-fail (max 1 regressed, gate.maxRegressions)');
    // Three unchanged cases prove nothing statistically; under the policy they pass.
    expect(compareRows(flips(3, 0), { repeat: 1, gate: gate() })[0].verdict).toBe('inconclusive');
    expect(compareRows(flips(3, 0), { repeat: 1, gate: gate({ maxRegressions: 0 }) })[0].verdict).toBe('pass');
    // The statistical test still fails a row the policy tolerates.
    expect(compareRows(flips(10, 8), { repeat: 1, gate: gate({ maxRegressions: 8 }) })[0].verdict).toBe('fail');
  });

  it('tests the score of the cases whose label held against maxScoreDrop', () => {
    const cases = Array.from({ length: 8 }, (_, i) => testCase(`c${i}`, pass(0.9), pass(0.8)));
    const [strict] = compareRows(cases, { repeat: 1, gate: gate({ maxScoreDrop: 0.05 }) });
    expect(strict.verdict).toBe('fail');
    expect(strict.reasons[0]).toMatch(/^mean score of the 8 cases with unchanged pass\/fail 0\.90 \u2192 0\.80 \(\u22120\.10, drop above 0\.05: p=0\.00\d+ < 0\.05\)$/);
    // Scores are not on a 1/repeats grid: their p-value is the conventional one, and the reason says so.
    expect(strict.decidedBy).toMatch(/^sign-flip on the scores of the 8 unchanged cases, p=0\.00\d+ < 0\.05$/);
    expect(strict.scoreDelta).toBeCloseTo(-0.1, 12);
    expect(strict.scoreDeltaCi[1]).toBeLessThan(0);
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
    const cases = [testCase('a', pass(), 'error'), ...flips(10, 0)];
    const [row] = compareRows(cases, { repeat: 1, gate: gate() });
    expect(row.verdict).toBe('error');
    expect(row.counts.errored).toBe(1);
    expect(row.reasons).toEqual(['1 errored case (1 on the candidate, 0 on the baseline) left no verdict']);
    expect(decideGate([row], gate()).verdict).toBe('error');
  });

  it('keeps a failing row failing, and leaves errored cases out of the rates', () => {
    const cases = [testCase('a', 'error', pass()), ...flips(10, 8)];
    const [row] = compareRows(cases, { repeat: 1, gate: gate() });
    expect(row.verdict).toBe('fail');
    expect(row.reasons.at(-1)).toBe('1 errored case (0 on the candidate, 1 on the baseline) left out of the comparison');
    expect(row.baselinePassRate).toBe(1);
    expect(row.candidatePassRate).toBeCloseTo(0.2, 14);
  });

  it('counts cases without baseline as new and leaves them out of the comparison', () => {
    const [row] = compareRows([testCase('a', undefined, fail()), ...flips(10, 0)], { repeat: 1, gate: gate() });
    expect(row.counts).toMatchObject({ new: 1, 'unchanged-pass': 10 });
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
    const rows = [...compareRows(flips(10, 0), { repeat: 1, gate: gate() }), onlyNew];
    expect(decideGate(rows, gate()).reasons).toEqual([
      '1 suite \u00d7 model comparison passed (margin 0.02, alpha 0.05, maxScoreDrop 0, minPassRate 0)',
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
    const cases = Array.from({ length: 40 }, (_, i) => testCase(`c${i}`, 'ungraded', i < 20 ? pass() : fail()));
    const [row] = compareRows(cases, { repeat: 1, gate: gate({ minPassRate: 0.9 }) });
    expect(row).toMatchObject({ test: 'floor-only', verdict: 'fail' });
    expect(row.reasons[0]).toBe('no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only: candidate pass rate 0.50 over 40 cases is significantly below the floor 0.9 (95% upper bound 0.64)');
    expect(row.reasons).toContain('40 ungraded cases (nothing to grade them with; 40 on the baseline only) left out of the comparison');
    // Without a floor it still compared nothing: every case must pass, never a pass for want of a comparison.
    const [noFloor] = compareRows([testCase('a', 'ungraded', fail()), testCase('b', 'ungraded', pass())], { repeat: 1, gate: gate() });
    expect(noFloor).toMatchObject({ test: 'floor-only', verdict: 'fail' });
    const [allPass] = compareRows([testCase('a', 'ungraded', pass())], { repeat: 1, gate: gate() });
    expect(allPass).toMatchObject({ test: 'floor-only', verdict: 'pass' });
  });
});

describe('rows and the overall verdict', () => {
  it('groups by suite × model in first-seen order; fail beats error beats inconclusive beats pass', () => {
    const at = (suite: string, model: string) => ({ suite, model });
    const cases = [...flips(10, 0, 0, at('s1', 'm1')), ...flips(10, 9, 0, at('s1', 'm2')), ...flips(3, 0, 0, at('s2', 'm1'))];
    const rows = compareRows(cases, { repeat: 1, gate: gate() });
    expect(rows.map((r) => [r.suite, r.model, r.cases, r.verdict])).toEqual([
      ['s1', 'm1', 10, 'pass'],
      ['s1', 'm2', 10, 'fail'],
      ['s2', 'm1', 3, 'inconclusive'],
    ]);
    const verdict = decideGate(rows, gate());
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons.every((r) => r.startsWith('s1 \u00d7 m2: ') || r.startsWith('s2 \u00d7 m1: '))).toBe(true);
    expect(decideGate([rows[0], rows[2]], gate()).verdict).toBe('inconclusive');
    expect(decideGate([rows[0], { ...rows[2], verdict: 'error' }], gate()).verdict).toBe('error');
  });

  it('passes with a summary line, and passes an empty comparison', () => {
    const rows = compareRows(flips(10, 0), { repeat: 1, gate: gate({ maxRegressions: 2 }) });
    expect(decideGate(rows, gate({ maxRegressions: 2 })).reasons).toEqual(['1 suite \u00d7 model comparison passed (margin 0.02, alpha 0.05, maxRegressions 2, maxScoreDrop 0, minPassRate 0)']);
    expect(decideGate([], gate())).toEqual({ verdict: 'pass', reasons: ['no cases compared'] });
  });

  it('builds the comparison block with the family-wise test', () => {
    const rows = compareRows(flips(10, 9), { repeat: 1, gate: gate({ alpha: 0.01 }) });
    const comparison = buildComparison(rows, { spec: 'HEAD~1', label: 'git 3f2a1b0 (HEAD~1)' }, { spec: 'working tree', label: 'working tree' }, gate({ alpha: 0.01 }));
    expect(comparison).toMatchObject({ alpha: 0.01, margin: 0.02, rows, baseline: { spec: 'HEAD~1' }, gate: { verdict: 'fail' } });
    expect(comparison.familyWise).toEqual({ test: 'min-p sign-flip (single-step; mid-p at repeat 1), per-case Fisher–Holm', rows: 1, pValue: rows[0].pValueFamily, alphaMean: 0.01, alphaCase: 0 });
    expect(rows[0].pValueFamily).toBeCloseTo(2 ** -10, 14);
  });
});

describe('family-wise over rows', () => {
  it('shares flips between models of one case: two identical rows cost (almost) nothing', () => {
    const at = (model: string) => ({ suite: 's', model });
    const [a, b] = compareRows([...flips(30, 6, 1, at('m1')), ...flips(30, 6, 1, at('m2'))], { repeat: 1, gate: gate() });
    expect(a.pValue).toBeCloseTo(mcnemarMidP(6, 1), 14);
    expect(a.pValueFamily).toBeGreaterThanOrEqual(a.pValue!);
    // Perfectly dependent rows: the family-wise p is the row's own, up to Monte Carlo error.
    expect(Math.abs(a.pValueFamily! - a.pValue!)).toBeLessThan(0.005);
    expect(b.pValueFamily).toBe(a.pValueFamily);
  });

  it('adjusts independent rows: the same data in two suites has a larger family-wise p-value', () => {
    const at = (suite: string) => ({ suite, model: 'm' });
    const rows = compareRows([...flips(30, 6, 1, at('s1')), ...flips(30, 6, 1, at('s2'))], { repeat: 1, gate: gate() });
    const p = mcnemarMidP(6, 1);
    // Two independent tests: about 1 − (1 − p)², a little less with mid-p ties.
    expect(rows[0].pValueFamily).toBeGreaterThan(1.6 * p);
    expect(rows[0].pValueFamily).toBeLessThan(2.1 * p);
    expect(rows.every((r) => r.verdict === 'fail')).toBe(rows[0].pValueFamily! < 0.05);
  });

  it('keeps the upper bound at the family-wise level: U < 0 exactly when the row failed', () => {
    const at = (suite: string) => ({ suite, model: 'm' });
    for (const regressed of [4, 5, 6, 7]) {
      const rows = compareRows([...flips(40, regressed, 0, at('s1')), ...flips(40, regressed, 0, at('s2')), ...flips(40, 0, 0, at('s3'))], { repeat: 1, gate: gate() });
      for (const row of rows) expect(row.passRateDeltaCi[1] < 0).toBe(row.verdict === 'fail');
    }
  });
});

describe('repeat > 1: the sign-flip test of per-case pass rates (conventional p-value)', () => {
  it('does not fail a seeded no-change comparison, and its interval covers 0', () => {
    const [row] = compareRows(noisyCases(101, 200, 5, 0), { repeat: 5, gate: gate() });
    expect(row.test).toBe('sign-flip');
    expect(row.verdict).not.toBe('fail');
    expect(row.pValue).toBeGreaterThanOrEqual(0.05);
    expect(row.passRateDeltaCi[0]).toBeLessThan(0);
    expect(row.passRateDeltaCi[1]).toBeGreaterThan(0);
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
    expect(row.reasons[0]).toMatch(/^pass rate 0\.\d\d \u2192 0\.\d\d \(\u22120\.\d\d, 95% bounds \u22120\.\d\d \u2026 \u22120\.\d\d\): significantly worse, sign-flip over 200 cases, p<0\.0001 < 0\.05$/);
    expect(row.reasons.at(-1)).toBe(
      `${row.counts.regressed} regressed, ${row.counts.improved} improved, ${row.counts['unchanged-pass']} unchanged-pass, ` +
        `${row.counts['unchanged-fail']} unchanged-fail (majority of repeats; informative only)`,
    );
  });

  it('is deterministic', () => {
    const options = { repeat: 5, gate: gate() };
    expect(compareRows(noisyCases(7, 60, 3, 0.1), options)).toEqual(compareRows(noisyCases(7, 60, 3, 0.1), options));
  });

  it('at repeats the p-value is conventional: four broken cases of a deterministic suite are p = 1/16, inconclusive (never a pass); five fail', () => {
    const broken = (id: string) => testCase(id, repeated(3, { pass: true }), repeated(3, { pass: false }));
    const same = (id: string) => testCase(id, repeated(3, { pass: true }), repeated(3, { pass: true }));
    const [four] = compareRows([...'abcd'].map(broken).concat([...'efghijklmnop'].map(same)), { repeat: 3, gate: gate() });
    expect(four).toMatchObject({ test: 'sign-flip', verdict: 'inconclusive' });
    expect(four.pValue).toBeCloseTo(1 / 16, 14);
    const [five] = compareRows([...'abcde'].map(broken).concat([...'fghijklmnop'].map(same)), { repeat: 3, gate: gate() });
    expect(five).toMatchObject({ test: 'sign-flip', verdict: 'fail' });
    expect(five.pValue).toBeCloseTo(1 / 32, 14);
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
  });

  it('fails the floor only when the pass rate is significantly below it, and is inconclusive when it is short but not significantly', () => {
    const draw = (passes: number, of: number) => Array.from({ length: of }, (_, k) => ({ pass: k < passes }));
    const low = Array.from({ length: 200 }, (_, i) => testCase(`c${i}`, draw(i % 5 < 3 ? 2 : 1, 5), draw(i % 5 < 2 ? 2 : 1, 5)));
    const [below] = compareRows(low, { repeat: 5, gate: gate({ minPassRate: 0.5 }) });
    expect(below.verdict).toBe('fail');
    expect(below.reasons).toContain('candidate pass rate 0.28 over 200 cases is significantly below the floor 0.5 (95% upper bound 0.30)');
    const near = Array.from({ length: 10 }, (_, i) => testCase(`c${i}`, draw(i < 4 ? 3 : 2, 5), draw(i < 4 ? 3 : 2, 5)));
    const [close] = compareRows(near, { repeat: 5, gate: gate({ minPassRate: 0.5, maxRegressions: 0 }) });
    expect(close.verdict).toBe('inconclusive');
    expect(close.decidedBy).toBe('floor: the pass rate is below gate.minPassRate, but not significantly');
    expect(close.reasons).toEqual([expect.stringMatching(/^candidate pass rate 0\.48 over 10 cases is below the floor 0\.5, but not significantly \(95% upper bound 0\.\d\d\)$/)]);
  });

  it('flags one broken case the mean cannot see: Fisher per case, Holm across the cases that could reach significance', () => {
    const cases = Array.from({ length: 200 }, (_, i) =>
      i === 0 ? testCase('c0', repeated(10, { pass: true }), repeated(10, { pass: false })) : testCase(`c${i}`, repeated(10, { pass: i % 2 === 0 }), repeated(10, { pass: i % 2 === 0 })),
    );
    const analysis = analyseGate(cases, { repeat: 10, gate: gate() });
    const [row] = analysis.rows;
    expect(analysis.alphaCase).toBeCloseTo(0.0125, 14);
    expect(row.verdict).toBe('fail');
    expect(row.perCase).toEqual({ test: 'fisher-holm', alpha: 0.0125, tested: 1, significant: ['c0'] });
    expect(row.decidedBy).toMatch(/^Fisher per case, Holm across the 1 case that could reach significance, alpha 0\.0125 of 0\.05: c0 adjusted p<0\.0001 < 0\.05$/);
    expect(analysis.cases[0]).toMatchObject({ caseId: 'c0', significant: true, worse: true });
    // At repeat 3 no single case can be significant: all of alpha goes to the mean test.
    expect(analyseGate(noisyCases(3, 50, 3, 0), { repeat: 3, gate: gate() }).alphaCase).toBe(0);
  });

  it('lists the cases more repeats could still decide', () => {
    const analysis = analyseGate(noisyCases(11, 30, 3, 0), { repeat: 3, gate: gate() });
    expect(analysis.rows[0].verdict).toBe('inconclusive');
    const open = undecidedCases(analysis);
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((c) => c.disagree && !c.significant)).toBe(true);
    expect(open.length).toBe(analysis.cases.filter((c) => c.disagree).length);
  });
});

describe('the interval is the inversion of the deciding tests', () => {
  it('U < 0 exactly when the mean test fails; L > −margin exactly when the row passes (unless it failed)', () => {
    const random = createRandom(99);
    for (let trial = 0; trial < 60; trial++) {
      const n = 5 + Math.floor(random.float() * 60);
      const repeats = 1 + Math.floor(random.float() * 4);
      const drop = random.float() < 0.5 ? 0 : 0.3 * random.float();
      const [row] = compareRows(noisyCases(1000 + trial, n, repeats, drop), { repeat: repeats, gate: gate() });
      const meanFailed = row.reasons.some((r) => r.includes('significantly worse, '));
      expect(row.passRateDeltaCi[1] < 0).toBe(meanFailed);
      if (row.verdict !== 'fail') expect(row.passRateDeltaCi[0] > -0.02).toBe(row.verdict === 'pass');
      expect(row.passRateDeltaCi[0]).toBeLessThanOrEqual(row.passRateDeltaCi[1]);
    }
  });
});

describe('run.json', () => {
  it('the comparison block, with every new field, matches schemas/run.schema.json', async () => {
    const { runSchema } = await import('../../test/helpers/run-schema.js');
    const validate = runSchema().def('Comparison');
    const cases = [
      ...flips(10, 3, 0, { suite: 's', model: 'a' }),
      ...Array.from({ length: 30 }, (_, i) => testCase(`r${i}`, repeated(10, { pass: true }), repeated(10, { pass: i !== 0 }), { suite: 's', model: 'b' })),
    ];
    const rows = compareRows(cases, { repeat: 10, gate: gate() });
    expect(rows.map((r) => r.verdict)).toEqual(['inconclusive', 'fail']);
    expect(rows[0].toDecide).toBeDefined();
    expect(rows[1].perCase?.significant).toEqual(['r0']);
    const comparison = buildComparison(rows, { spec: 'HEAD~1', label: 'HEAD~1' }, { spec: 'working tree', label: 'working tree' }, gate());
    expect(validate(comparison), JSON.stringify(validate.errors)).toBe(true);
  });
});
