import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE } from '../config/defaults.js';
import type { RunTotals, SummaryRow } from '../run-record/types.js';
import { decideRunFloor } from './floor.js';

const row = (passed: number, failed: number): SummaryRow => ({
  suite: 's', model: 'm', promptId: 'p', promptVersion: '1.0.0', promptHash: 'h', cases: passed + failed, passed, failed, errored: 0,
  passRate: passed / (passed + failed), meanScore: 0, calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, latencyP50: null, latencyP95: null, costUsd: null, modelsReported: [],
});
const totals = (errored = 0): RunTotals => ({ cases: 10, passed: 0, failed: 0, errored, calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: null, errorsByCode: errored ? { server_error: errored } : {} });

describe('run floor', () => {
  it('passes with failing cases when no floor is set', () => {
    expect(decideRunFloor([row(1, 9)], totals(), DEFAULT_GATE).verdict).toBe('pass');
  });
  it('fails below minPassRate and says which suite', () => {
    const verdict = decideRunFloor([row(7, 3)], totals(), { ...DEFAULT_GATE, minPassRate: 0.8 });
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons[0]).toContain('s › m: pass rate 70.0% is below the floor of 80.0%');
  });
  it('gives no verdict when cases still errored, naming the causes', () => {
    const verdict = decideRunFloor([row(9, 0)], totals(2), DEFAULT_GATE);
    expect(verdict).toEqual({ verdict: 'error', reasons: ['2 case(s) still erroring after retries (server_error ×2)'] });
  });
});
