import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/run-record/types.js';
import { compareOutputs, createDriftCollector, modelChanges, newError, renderDriftText } from '../../src/workflows/drift-report.js';
import { makeCase, makeRun } from '../reporters/synthetic.js';

/** A compared case whose repeats have these outputs (null = errored call). */
function caseWith(now: Array<string | null>, before: Array<string | null>, suite = 'support'): CaseResult {
  const c = makeCase({ kind: 'unchanged-pass', suite, repeats: Math.max(now.length, before.length) });
  const set = (repeats: CaseResult['repeats'], outputs: Array<string | null>) =>
    outputs.map((output, i) => ({ ...repeats[i], output, error: output === null ? { code: 'timeout', message: 'timed out' } : null }));
  c.repeats = set(c.repeats, now);
  c.baseline!.repeats = set(c.baseline!.repeats, before);
  return c;
}

describe('drift report', () => {
  it('compares outputs per repeat; both errored is skipped, one-sided errors count as changed', () => {
    expect(compareOutputs(caseWith(['A', 'B', 'C'], ['A', 'b', 'C']))).toEqual({ compared: 3, changed: 1 });
    expect(compareOutputs(caseWith([null, 'B'], [null, 'B']))).toEqual({ compared: 1, changed: 0 });
    expect(compareOutputs(caseWith([null], ['A']))).toEqual({ compared: 1, changed: 1 });
    // Only the repeats both sides have.
    expect(compareOutputs(caseWith(['A', 'B'], ['A']))).toEqual({ compared: 1, changed: 0 });
    const noBaseline = makeCase({ kind: 'pass' });
    expect(compareOutputs(noBaseline)).toEqual({ compared: 0, changed: 0 });
  });

  it('an answer with the same text but other tool calls, or a refusal, is a changed output (call ids aside)', () => {
    const refund = (amount: number, id: string) => [{ id, name: 'refund', rawArguments: `{"amount":${amount}}`, arguments: { amount } }];
    const c = caseWith(['', '', '', 'same'], ['', '', '', 'same']);
    c.repeats[0].toolCalls = refund(100, 'call_b');
    c.baseline!.repeats[0].toolCalls = refund(10, 'call_a');
    c.repeats[1].toolCalls = refund(10, 'call_c');
    c.baseline!.repeats[1].toolCalls = refund(10, 'call_d');
    c.repeats[2].refusal = 'I cannot help with that.';
    expect(compareOutputs(c)).toEqual({ compared: 4, changed: 2 });
  });

  it('counts a new error only when the stored run had none for that case', () => {
    expect(newError(makeCase({ kind: 'errored' }))).toMatchObject({ suite: 'support', code: 'PROVIDER_TIMEOUT' });
    const both = makeCase({ kind: 'errored' });
    both.baseline = { ...both.baseline!, status: 'error' };
    expect(newError(both)).toBeUndefined();
    expect(newError(makeCase({ kind: 'error' }))).toBeUndefined(); // new case: not "new error"
    expect(newError(makeCase({ kind: 'regressed' }))).toBeUndefined();
  });

  it('reports models whose reported versions changed, ignoring ones without evidence', () => {
    const stored = { models: [
      { name: 'a', provider: 'openai', model: 'a', reported: ['a-2024-07-18'] },
      { name: 'b', provider: 'openai', model: 'b', reported: ['b-1'] },
      { name: 'c', provider: 'custom', model: 'c', reported: [] },
    ] };
    const now = new Map([['a', new Set(['a-2025-01-01'])], ['b', new Set(['b-1'])], ['c', new Set(['c-9'])], ['d', new Set(['d-1'])]]);
    expect(modelChanges(stored, now)).toEqual([{ model: 'a', before: ['a-2024-07-18'], after: ['a-2025-01-01'] }]);
    expect(modelChanges(stored, new Map([['a', new Set<string>()]]))).toEqual([]);
  });

  it('collects per suite × model while cases stream, and renders a console block', async () => {
    const collector = createDriftCollector();
    const cases = [caseWith(['A'], ['A']), caseWith(['B'], ['b']), caseWith(['C'], ['C'], 'other'), makeCase({ kind: 'errored' }, 9)];
    for (const c of cases) await collector.reporter.onCaseResult?.(c);
    const stored = makeRun({ cases: 2 });
    const report = collector.report({ stored, storedFile: 'baselines/nightly.json', reported: new Map([['gpt-4o-mini', new Set(['gpt-4o-mini-2025-01-01'])]]) });
    expect(report.outputs).toEqual([
      { suite: 'support', model: 'gpt-4o-mini', compared: 3, changed: 2, share: 2 / 3 },
      { suite: 'other', model: 'gpt-4o-mini', compared: 1, changed: 0, share: 0 },
    ]);
    expect(report.newErrorCount).toBe(1);
    expect(report.baseline).toEqual({ runId: stored.runId, file: 'baselines/nightly.json', startedAt: stored.startedAt });
    expect(report.modelChanges).toEqual([{ model: 'gpt-4o-mini', before: ['gpt-4o-mini-2024-07-18'], after: ['gpt-4o-mini-2025-01-01'] }]);
    const text = renderDriftText(report, (t) => t).join('\n');
    expect(text).toContain('model version changed: gpt-4o-mini: gpt-4o-mini-2024-07-18 → gpt-4o-mini-2025-01-01');
    expect(text).toContain('changed outputs: support › gpt-4o-mini: 2/3 (66.7%)');
    expect(text).toContain('new errors: 1');
  });
});
