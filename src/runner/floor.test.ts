import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE } from '../config/defaults.js';
import type { RunTotals, SummaryRow } from '../run-record/types.js';
import { decideRunFloor } from './floor.js';

const row = (passed: number, failed: number, ungraded = 0): SummaryRow => ({
  suite: 's', model: 'm', promptId: 'p', promptVersion: '1.0.0', promptHash: 'h', cases: passed + failed + ungraded, passed, failed, errored: 0, ungraded,
  passRate: passed + failed ? passed / (passed + failed) : 0, meanScore: 0, calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, latencyP50: null, latencyP95: null, costUsd: null, modelsReported: [],
});
const totals = (errored = 0): RunTotals => ({ cases: 10, passed: 0, failed: 0, errored, calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: null, errorsByCode: errored ? { server_error: errored } : {} });

describe('run floor', () => {
  it('passes with failing cases when no floor is set', () => {
    const verdict = decideRunFloor([row(1, 9)], totals(), DEFAULT_GATE);
    expect(verdict.verdict).toBe('pass');
    // No floor recorded: that pass is no gate receipt for publish.
    expect(verdict).not.toHaveProperty('floor');
  });
  it('fails significantly below minPassRate and says which suite', () => {
    const verdict = decideRunFloor([row(56, 44)], totals(), { ...DEFAULT_GATE, minPassRate: 0.8 });
    expect(verdict).toEqual({ verdict: 'fail', reasons: ['s › m: pass rate 56.0% over 100 case(s) is significantly below the floor of 80.0% (95% upper bound 64.4%)'], floor: 0.8 });
  });

  it('is inconclusive (exit 4) below the floor but not significantly: ten cases cannot tell 70% from 80%', () => {
    const verdict = decideRunFloor([row(7, 3)], totals(), { ...DEFAULT_GATE, minPassRate: 0.8 });
    expect(verdict).toEqual({ verdict: 'inconclusive', reasons: ['s › m: pass rate 70.0% over 10 case(s) is below the floor of 80.0%, but not significantly (95% upper bound 91.3%): more cases would decide it'], floor: 0.8 });
  });

  it('tests the per-case pass rates over repeats, the case as the unit', () => {
    // 100 cases at repeat 5 whose rates are all 0.7: no clustering, 500 trials of evidence.
    const homogeneous = { ...row(100, 0), casePassRates: { mean: 0.7, sd: 0, trials: 500 } };
    expect(decideRunFloor([homogeneous], totals(), { ...DEFAULT_GATE, minPassRate: 0.8 }).verdict).toBe('fail');
    // Same mean, all-or-nothing cases: only 100 cases of evidence.
    const clustered = { ...row(70, 30), casePassRates: { mean: 0.7, sd: Math.sqrt((0.21 * 100) / 99), trials: 500 } };
    const verdict = decideRunFloor([clustered], totals(), { ...DEFAULT_GATE, minPassRate: 0.77 });
    expect(verdict.verdict).toBe('inconclusive');
  });
  it('gives no verdict when cases still errored, naming the causes', () => {
    const verdict = decideRunFloor([row(9, 0)], totals(2), DEFAULT_GATE);
    expect(verdict).toEqual({ verdict: 'error', reasons: ['2 case(s) still erroring after retries (server_error ×2)'] });
  });
  it('counts graders that errored as causes too', () => {
    const verdict = decideRunFloor([row(9, 0)], { ...totals(3), graderErrorsByType: { rubric: 1, js: 1 } }, DEFAULT_GATE);
    expect(verdict).toEqual({ verdict: 'error', reasons: ['3 case(s) without a verdict (calls still erroring after retries: server_error ×3; graders that errored: rubric ×1, js ×1)'] });
  });
  it('gives no verdict to a suite × model with only ungraded cases, with or without a floor', () => {
    for (const minPassRate of [0, 0.8]) {
      const verdict = decideRunFloor([row(0, 0, 4)], { ...totals(), ungraded: 4 }, { ...DEFAULT_GATE, minPassRate });
      expect(verdict.verdict).toBe('error');
      expect(verdict.reasons).toEqual(['s › m: no case was graded (4 ungraded: no assertion and no output.schema), so no verdict (add __expected or assert to the cases, or an output.schema to the prompt)']);
    }
  });
  it('leaves ungraded cases out of the pass rate and says so when the gate passes', () => {
    const verdict = decideRunFloor([row(8, 2, 5)], { ...totals(), ungraded: 5 }, { ...DEFAULT_GATE, minPassRate: 0.8 });
    expect(verdict).toEqual({ verdict: 'pass', reasons: ['5 ungraded case(s) (nothing to grade them with) not counted'], floor: 0.8 });
  });
});
