import { describe, expect, it } from 'vitest';
import type { TestCase } from '../cases/types.js';
import type { CallRecord } from '../run-record/types.js';
import { metricsOf, requestParamsFor } from './provider-grading.js';

const caseWith = (...types: string[]): TestCase => ({
  id: 'c', vars: {}, tags: [], metadata: {}, source: { file: 'evals/t.csv', line: 2 },
  assertions: types.map((type) => ({ type, negate: false, weight: 1, source: { file: 'evals/t.csv', line: 2 } })),
});

describe('requestParamsFor', () => {
  it('asks for logprobs only for a case with a perplexity grader on a provider that has them, one shared object per params', () => {
    const params = { temperature: 0 };
    expect(requestParamsFor(caseWith('contains'), 'openai', params)).toBe(params);
    const asked = requestParamsFor(caseWith('contains', 'perplexity-score'), 'openai', params);
    expect(asked).toEqual({ temperature: 0, logprobs: true });
    expect(requestParamsFor(caseWith('perplexity'), 'openai', params)).toBe(asked);
    expect(params).toEqual({ temperature: 0 });
    expect(requestParamsFor(caseWith('perplexity'), 'anthropic', params)).toBe(params);
  });
});

describe('metricsOf (what latency and cost grade)', () => {
  const record = (extra: Partial<CallRecord>) => ({ cached: false, latencyMs: 120, costUsd: 0.002, usage: { inputTokens: 10, outputTokens: 5 }, modelReported: 'gpt-4o-mini-2024-07-18', modelRequested: 'gpt-4o-mini', ...extra }) as CallRecord;
  it('a fresh call: its own latency and cost (null: unknown)', () => {
    expect(metricsOf(record({}), undefined)).toEqual({ latencyMs: 120, costUsd: 0.002 });
    expect(metricsOf(record({ costUsd: null }), undefined)).toEqual({ latencyMs: 120, costUsd: undefined });
  });
  it('a cache hit: the latency of the call that made the entry; cost 0 when priced with known usage, else unknown', () => {
    expect(metricsOf(record({ cached: true, latencyMs: 0, costUsd: 0, originalLatencyMs: 480 }), undefined)).toEqual({ latencyMs: 480, costUsd: 0 });
    expect(metricsOf(record({ cached: true, latencyMs: 0, costUsd: 0 }), undefined)).toEqual({ latencyMs: undefined, costUsd: 0 });
    expect(metricsOf(record({ cached: true, modelReported: 'local-llama', modelRequested: 'local-llama' }), undefined).costUsd).toBeUndefined();
    expect(metricsOf(record({ cached: true, modelReported: 'local-llama', modelRequested: 'local-llama' }), { input: 1, output: 1 }).costUsd).toBe(0);
    expect(metricsOf(record({ cached: true, usage: null }), undefined).costUsd).toBeUndefined();
  });
});
