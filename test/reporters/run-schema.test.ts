import { describe, expect, it } from 'vitest';
import type { CallRecord, RunFile } from '../../src/run-record/types.js';
import { READABLE_FORMAT_VERSIONS, RUN_FORMAT_VERSION } from '../../src/run-record/types.js';
import { runSchema } from '../helpers/run-schema.js';
import { makeRun } from './synthetic.js';

const { schema, validateRun, validateCall } = runSchema();

function errors(value: unknown): string[] {
  validateRun(value);
  return (validateRun.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** A deep copy to break. */
function copy(run: RunFile): RunFile {
  return structuredClone(run);
}

describe('schemas/run.schema.json', () => {
  it('describes the format versions read (the one written last)', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.formatVersion.enum).toEqual([...READABLE_FORMAT_VERSIONS]);
    expect(schema.properties.formatVersion.enum.at(-1)).toBe(RUN_FORMAT_VERSION);
    expect(schema.properties.format.const).toBe('promptgate-run');
  });

  it('accepts synthetic runs: plain, compared, with errors, repeats and every optional field', () => {
    expect(errors(makeRun({ cases: 30, compare: false }))).toEqual([]);
    expect(errors(makeRun({ cases: 30, models: ['a', 'b'] }))).toEqual([]);
    const full = makeRun({ cases: 0, extra: [{ kind: 'regressed', repeats: 3 }, { kind: 'errored' }] });
    full.options = { ...full.options, models: ['gpt-4o-mini'], filter: 'refund', shard: '1/2' };
    full.cases[0].description = 'described';
    full.cases[0].repeats[0].grade!.assertions[0].metric = 'accuracy';
    full.cases[0].repeats[1].costUsd = null;
    full.cases[0].repeats[1].usage = null;
    full.cases[0].repeats[1].modelReported = null;
    full.comparison!.rows[0].pValue = 0.03;
    full.comparison!.baseline.commit = '3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a';
    full.comparison!.baseline.prompts = [
      { suite: 'sentiment', id: 'sentiment', version: '1.0.0', hash: 'a1b2c3d4e5f6', commit: '3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a' },
      { suite: 'brand-new', id: 'brand-new', missing: true },
    ];
    full.summary[0].latencyP50 = null;
    full.summary[0].costUsd = null;
    full.totals.costUsd = null;
    full.status = 'interrupted';
    expect(errors(full)).toEqual([]);
    // Format 2: ungraded cases, graders that errored (on both sides), the selection and notes.
    const statuses = makeRun({ cases: 2, compare: false, extra: [{ kind: 'ungraded' }, { kind: 'grader-error' }, { kind: 'ungraded', compare: true }, { kind: 'grader-error', compare: true }] });
    statuses.totals.graderErrorsByType = { rubric: 2 };
    statuses.selection = [{ suite: 'support', model: 'gpt-4o-mini', cases: 6, idsDigest: 'a'.repeat(64), inRun: 6 }];
    statuses.notes = ['shard 2/2 is empty'];
    expect(statuses.cases.map((c) => c.status)).toContain('ungraded');
    expect(errors(statuses)).toEqual([]);
  });

  it('rejects what breaks the format', () => {
    const run = makeRun({ cases: 5 });
    const wrongVersion = { ...copy(run), formatVersion: 4 };
    expect(errors(wrongVersion)).toContain('/formatVersion must be equal to one of the allowed values');

    const missing = copy(run) as Partial<RunFile>;
    delete missing.totals;
    expect(errors(missing)).toContain(" must have required property 'totals'");

    const badStatus = copy(run);
    (badStatus.cases[0] as { status: string }).status = 'passed';
    expect(errors(badStatus).some((e) => e.startsWith('/cases/0/status'))).toBe(true);

    const badRate = copy(run);
    badRate.cases[1].passRate = 1.5;
    expect(errors(badRate)).toContain('/cases/1/passRate must be <= 1');

    const unknownField = copy(run);
    (unknownField.cases[2] as unknown as Record<string, unknown>).colour = 'red';
    expect(errors(unknownField)).toContain('/cases/2 must NOT have unevaluated properties');

    const badBaseline = copy(run);
    (badBaseline.cases[0].baseline as unknown as Record<string, unknown>).suite = 'not a side field';
    expect(errors(badBaseline)).toContain('/cases/0/baseline must NOT have unevaluated properties');

    const badCi = copy(run);
    (badCi.comparison!.rows[0] as { passRateDeltaCi: number[] }).passRateDeltaCi = [0.1];
    expect(errors(badCi)).toContain('/comparison/rows/0/passRateDeltaCi must NOT have fewer than 2 items');

    const badDate = copy(run);
    badDate.startedAt = 'yesterday';
    expect(errors(badDate)).toContain('/startedAt must match format "date-time"');

    const badChange = copy(run);
    (badChange.cases[0] as { change: string }).change = 'worse';
    expect(errors(badChange)).toContain('/cases/0/change must be equal to one of the allowed values');
  });

  it('validates a calls.jsonl line against $defs/CallRecord', () => {
    const call: CallRecord = {
      runId: 'r1', purpose: 'eval', suite: 'support', caseId: 'c1', repeat: 0, side: 'candidate',
      promptId: 'support', promptVersion: '1.1.0', promptHash: 'bbbbbbbbbbbb', model: 'gpt-4o-mini', provider: 'openai',
      modelRequested: 'gpt-4o-mini', modelReported: 'gpt-4o-mini-2024-07-18', params: { temperature: 0 }, vars: { q: 'hi' },
      messages: [{ role: 'user', content: 'hi' }], output: 'hello', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 1 },
      latencyMs: 120, costUsd: null, cached: false, attempts: 1, error: null, requestKey: 'abc', startedAt: '2025-01-02T03:04:05.000Z',
    };
    expect(validateCall(call)).toBe(true);
    expect(validateCall({ ...call, purpose: 'other' })).toBe(false);
    expect(validateCall({ ...call, output: null, error: { code: 'RATE_LIMITED', message: '429' } })).toBe(true);
    const { requestKey: _k, ...noKey } = call;
    expect(validateCall(noKey)).toBe(false);
  });
});
