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

  it('grades a cached output by the latency of the call that made the entry, and accepts the limit as a value', async () => {
    expect(await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 100 }), makeContext({ cached: true, latencyMs: 250 }))).toMatchObject({
      pass: false,
      reason: "latency 250 ms > 100 ms (the cached call's)",
    });
    expect((await gradeAssertion('x', makeAssertion('latency', '100'), makeContext({ latencyMs: 50 }))).pass).toBe(true);
  });

  it('errors on a cached output with no recorded latency, negated or not (promptfoo: rerun with --no-cache)', async () => {
    for (const negate of [false, true]) {
      expect(await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 1, negate }), makeContext({ cached: true }))).toMatchObject({
        pass: false,
        errored: true,
        reason: expect.stringContaining('rerun with --no-cache'),
      });
    }
  });

  it('without a limit is an error', async () => {
    expect(await gradeAssertion('x', makeAssertion('latency'), makeContext({ latencyMs: 1 }))).toMatchObject({ pass: false, errored: true });
  });

  it('is negated by not-', async () => {
    expect((await gradeAssertion('x', makeAssertion('latency', undefined, { threshold: 10, negate: true }), makeContext({ latencyMs: 50 }))).pass).toBe(true);
  });
});

describe('cost', () => {
  it('passes at or under the limit in USD; an unknown cost is an error, never a pass', async () => {
    expect(await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01 }), makeContext({ costUsd: 0.002 }))).toMatchObject({
      pass: true,
      reason: 'cost $0.002 ≤ $0.01',
    });
    expect((await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01 }), makeContext({ costUsd: 0.05 }))).pass).toBe(false);
    for (const negate of [false, true]) {
      expect(await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01, negate }), makeContext())).toMatchObject({
        pass: false,
        errored: true,
        reason: expect.stringContaining('no known cost'),
      });
    }
  });

  it('is negated by not- (promptfoo: cost > threshold), a cached priced call costing 0', async () => {
    expect((await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01, negate: true }), makeContext({ costUsd: 0.05 }))).pass).toBe(true);
    expect((await gradeAssertion('x', makeAssertion('cost', undefined, { threshold: 0.01, negate: true }), makeContext({ costUsd: 0, cached: true }))).pass).toBe(false);
  });
});
