import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';

describe('latency', () => {
  it('passes at or under the limit', async () => {
    expect(await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 2000 }), makeContext({ latencyMs: 2000 }))).toMatchObject({
      pass: true,
      reason: 'latency 2000 ms ≤ 2000 ms',
    });
    expect(await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 2000 }), makeContext({ latencyMs: 2500.4 }))).toMatchObject({
      pass: false,
      reason: 'latency 2500 ms > 2000 ms',
    });
  });

  it('passes a cached output (no latency) and accepts the limit as a value', async () => {
    expect(await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 1 }), makeContext())).toMatchObject({ pass: true, reason: 'cached' });
    expect((await gradeAssertion('x', makeAssertion('latency', '100'), makeContext({ latencyMs: 50 }))).pass).toBe(true);
  });

  it('without a limit is an error', async () => {
    expect(await gradeAssertion('x', makeAssertion('latency'), makeContext({ latencyMs: 1 }))).toMatchObject({ pass: false, errored: true });
  });

  it('is negated by not-', async () => {
    expect((await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 10, negate: true }), makeContext({ latencyMs: 50 }))).pass).toBe(true);
  });
});

describe('cost', () => {
  it('passes at or under the limit in USD, and when the cost is unknown', async () => {
    expect(await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01 }), makeContext({ costUsd: 0.002 }))).toMatchObject({
      pass: true,
      reason: 'cost $0.002 ≤ $0.01',
    });
    expect((await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01 }), makeContext({ costUsd: 0.05 }))).pass).toBe(false);
    expect(await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01 }), makeContext())).toMatchObject({ pass: true, reason: 'cost unknown' });
  });
});
