import { describe, expect, it } from 'vitest';
import type { CaseStatus, SideResult } from '../run-record/types.js';
import { classifyChange } from './classify.js';

function side(status: CaseStatus, passRate = status === 'pass' ? 1 : 0): SideResult {
  return { promptId: 'p', promptVersion: '1.0.0', promptHash: 'abc', status, passRate, meanScore: passRate, repeats: [] };
}

describe('classifyChange', () => {
  it.each([
    ['pass', 'fail', 'regressed'],
    ['fail', 'pass', 'improved'],
    ['pass', 'pass', 'unchanged-pass'],
    ['fail', 'fail', 'unchanged-fail'],
    ['error', 'pass', 'errored'],
    ['pass', 'error', 'errored'],
    ['error', 'error', 'errored'],
    ['ungraded', 'pass', 'ungraded'],
    ['fail', 'ungraded', 'ungraded'],
    ['ungraded', 'ungraded', 'ungraded'],
    ['ungraded', 'error', 'errored'],
    ['error', 'ungraded', 'errored'],
  ] as const)('baseline %s, candidate %s → %s', (before, after, expected) => {
    expect(classifyChange(side(after), side(before), 1)).toBe(expected);
  });

  it('labels a case without baseline as new, unless the candidate has no verdict (errored)', () => {
    expect(classifyChange(side('pass'), undefined)).toBe('new');
    expect(classifyChange(side('fail'), undefined)).toBe('new');
    expect(classifyChange(side('error'), undefined)).toBe('errored');
  });

  it('uses the majority status at repeat > 1, not the pass-rate difference', () => {
    // 5/5 → 3/5: both majority pass, so unchanged even though the rate fell.
    expect(classifyChange(side('pass', 0.6), side('pass', 1), 5)).toBe('unchanged-pass');
    // 3/5 → 2/5 crosses the majority line.
    expect(classifyChange(side('fail', 0.4), side('pass', 0.6), 5)).toBe('regressed');
    expect(classifyChange(side('pass', 0.6), side('fail', 0.2), 5)).toBe('improved');
  });
});
