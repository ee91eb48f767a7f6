import { describe, expect, it } from 'vitest';
import type { CaseGrade } from '../graders/types.js';
import { describeErrorCauses, sideError, summariseRepeats, upgradeCase, upgradeSide } from './status.js';
import type { CaseResult, RepeatOutcome, SideResult } from './types.js';

const graded = (pass: boolean, extra: Partial<CaseGrade> = {}): CaseGrade => ({
  pass, score: pass ? 1 : 0, reason: '', assertions: [{ type: 'contains', negate: false, weight: 1, spec: 'contains:x', pass, score: pass ? 1 : 0, reason: '' }], ...extra,
});
const erroredGrade: CaseGrade = {
  pass: false, score: 0, reason: 'no verdict', errored: true,
  assertions: [{ type: 'rubric', negate: true, weight: 1, spec: 'not-rubric:x', pass: false, score: 0, reason: 'judge error: 500', errored: true }],
};
const repeat = (grade: CaseGrade | null, error: RepeatOutcome['error'] = null): RepeatOutcome => ({
  repeat: 0, output: grade ? 'out' : null, error, grade, modelReported: null, latencyMs: 1, usage: null, costUsd: null, cached: false, attempts: 1,
});
const side = (repeats: RepeatOutcome[], status: SideResult['status'] = 'pass'): SideResult => ({ promptId: 'p', promptVersion: '1.0.0', promptHash: 'h', status, passRate: 1, meanScore: 1, repeats });

describe('summariseRepeats', () => {
  it('takes the majority of graded repeats', () => {
    expect(summariseRepeats([repeat(graded(true)), repeat(graded(false)), repeat(graded(true))])).toEqual({ status: 'pass', passRate: 2 / 3, meanScore: 2 / 3 });
    expect(summariseRepeats([repeat(graded(false)), repeat(graded(false))])).toMatchObject({ status: 'fail', passRate: 0 });
  });

  it('is error when a call or a grader left a repeat without a verdict, negated or not', () => {
    expect(summariseRepeats([repeat(graded(true)), repeat(null, { code: 'timeout', message: 't' })]).status).toBe('error');
    expect(summariseRepeats([repeat(graded(true)), repeat(erroredGrade)])).toEqual({ status: 'error', passRate: 1, meanScore: 1 });
    // Format 1 grades carry no `errored` flag on the case grade: the assertion's decides.
    expect(summariseRepeats([repeat({ ...erroredGrade, errored: undefined })]).status).toBe('error');
  });

  it('is ungraded when nothing graded any repeat', () => {
    const ungraded: CaseGrade = { pass: false, score: 0, reason: 'ungraded', assertions: [], ungraded: true };
    expect(summariseRepeats([repeat(ungraded), repeat(ungraded)])).toEqual({ status: 'ungraded', passRate: 0, meanScore: 0 });
  });
});

describe('upgrading format 1 runs', () => {
  it("reads format 1's 'no assertions' pass as ungraded, and an errored assertion's failure as error", () => {
    const noAssertions = side([repeat({ pass: true, score: 1, reason: 'no assertions', assertions: [] })]);
    expect(upgradeSide(noAssertions, 1)).toMatchObject({ status: 'ungraded', passRate: 0, repeats: [{ grade: { pass: false, ungraded: true } }] });
    const failedByError = side([repeat({ ...erroredGrade, errored: undefined })], 'fail');
    expect(upgradeSide(failedByError, 1)).toMatchObject({ status: 'error', repeats: [{ grade: { errored: true } }] });
    const plain = side([repeat(graded(false))], 'fail');
    expect(upgradeSide(plain, 1)).toMatchObject({ status: 'fail' });
    // Format 2 is read as written.
    expect(upgradeSide(noAssertions, 2)).toBe(noAssertions);
  });

  it('upgrades both sides of a case', () => {
    const result: CaseResult = {
      ...side([repeat(graded(true))]), suite: 's', model: 'm', caseId: 'c', tags: [], source: { file: 'f', line: 2 }, vars: {},
      baseline: side([repeat({ pass: true, score: 1, reason: 'no assertions', assertions: [] })]), change: 'unchanged-pass',
    };
    expect(upgradeCase(result, 1)).toMatchObject({ status: 'pass', baseline: { status: 'ungraded' } });
  });
});

describe('causes', () => {
  it('names the first errored call, else the first grader that errored', () => {
    expect(sideError(side([repeat(graded(true)), repeat(null, { code: 'timeout', message: 'slow' })]))).toEqual({ code: 'timeout', message: 'slow' });
    expect(sideError(side([repeat(erroredGrade)]))).toEqual({ code: 'grader_error', message: 'not-rubric:x: judge error: 500' });
    expect(sideError(side([repeat(graded(false))]))).toBeUndefined();
  });

  it('describes what left cases without a verdict', () => {
    const totals = { cases: 3, passed: 0, failed: 0, errored: 3, calls: 3, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: null };
    expect(describeErrorCauses({ ...totals, errorsByCode: {} })).toBeUndefined();
    expect(describeErrorCauses({ ...totals, errorsByCode: { connection: 2 }, graderErrorsByType: { rubric: 2, js: 1 } })).toBe(
      'calls still erroring after retries: connection \u00d72; graders that errored: rubric \u00d72, js \u00d71',
    );
  });
});
