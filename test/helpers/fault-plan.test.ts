import { describe, expect, it } from 'vitest';
import { createProvider } from '../../src/providers/registry.js';
import { createFaultPlan, mulberry32, type FaultKind } from './fault-plan.js';
import { startOpenAIServer } from './openai-server.js';

const req = (i: number) => ({ model: 'm', messages: [{ role: 'user', content: `case ${i}` }] });

describe('createFaultPlan', () => {
  it('is reproducible for a seed, whatever the arrival order', () => {
    const rates = { serverError: 0.2, rateLimit: 0.1, reset: 0.1, timeout: 0.05 };
    const a = createFaultPlan({ seed: 7, rates });
    const b = createFaultPlan({ seed: 7, rates });
    const forward = Array.from({ length: 50 }, (_, i) => a(req(i)));
    const backward = Array.from({ length: 50 }, (_, i) => b(req(49 - i))).reverse();
    expect(backward).toEqual(forward);
    expect(forward.some((reply) => reply !== null)).toBe(true);
    expect(forward.some((reply) => reply === null)).toBe(true);
  });

  it('differs between seeds', () => {
    const rates = { serverError: 0.5 };
    const a = createFaultPlan({ seed: 1, rates });
    const b = createFaultPlan({ seed: 2, rates });
    const decide = (plan: typeof a) => Array.from({ length: 40 }, (_, i) => plan(req(i)) === null);
    expect(decide(a)).not.toEqual(decide(b));
  });

  it('counts attempts per request, so a retry is drawn afresh', () => {
    const plan = createFaultPlan({ seed: 3, rates: { serverError: 0.5 } });
    for (let i = 0; i < 5; i += 1) plan(req(0));
    plan(req(1));
    expect(plan.decisions.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5, 1]);
    const explicit = createFaultPlan({ seed: 3, rates: { serverError: 0.5 } });
    expect(explicit(req(0), 4)).toEqual(createFaultPlan({ seed: 3, rates: { serverError: 0.5 } })(req(0), 4));
  });

  it('injects only up to faultyAttempts', () => {
    const plan = createFaultPlan({ seed: 5, rates: { serverError: 1 }, faultyAttempts: 2 });
    expect([plan(req(0)), plan(req(0)), plan(req(0)), plan(req(0))].map((r) => r !== null)).toEqual([true, true, false, false]);
  });

  it('maps each kind to its reply', () => {
    const expected: Record<FaultKind, unknown> = {
      serverError: { fault: 'status', status: expect.any(Number) },
      rateLimit: { fault: 'status', status: 429, retryAfter: '0.5' },
      rateLimitNoHeader: { fault: 'status', status: 429 },
      reset: { fault: 'reset' },
      timeout: { fault: 'hang' },
      malformed: { fault: 'malformed' },
      emptyChoices: { fault: 'empty-choices' },
      refusal: { fault: 'refusal' },
      truncated: { content: expect.any(String), finishReason: 'length' },
    };
    for (const [kind, reply] of Object.entries(expected)) {
      const plan = createFaultPlan({ seed: 1, rates: { [kind]: 1 }, retryAfterSeconds: 0.5 });
      expect(plan(req(0)), kind).toEqual(reply);
      expect(plan.injected[kind as FaultKind]).toBe(1);
    }
    const noHeader = createFaultPlan({ seed: 1, rates: { rateLimitNoHeader: 1 } })(req(0));
    expect(noHeader).not.toHaveProperty('retryAfter');
  });

  it('injects close to the configured rate', () => {
    const plan = createFaultPlan({ seed: 11, rates: { serverError: 0.3 } });
    for (let i = 0; i < 1000; i += 1) plan(req(i));
    expect(plan.injected.serverError).toBeGreaterThan(240);
    expect(plan.injected.serverError).toBeLessThan(360);
    plan.reset();
    expect(plan.injected.serverError).toBe(0);
    expect(plan.decisions).toHaveLength(0);
  });

  it('rejects rates outside 0..1 or summing past 1', () => {
    expect(() => createFaultPlan({ seed: 1, rates: { serverError: 1.5 } })).toThrow('within 0..1');
    expect(() => createFaultPlan({ seed: 1, rates: { serverError: 0.6, reset: 0.6 } })).toThrow('more than 1');
  });

  it('mulberry32 gives floats in [0, 1), the same for the same seed', () => {
    const a = mulberry32(99);
    const values = Array.from({ length: 100 }, () => a());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const b = mulberry32(99);
    expect(Array.from({ length: 100 }, () => b())).toEqual(values);
  });

  it('drives a server: the provider sees exactly the injected faults', async () => {
    const plan = createFaultPlan({ seed: 21, rates: { serverError: 0.2, rateLimit: 0.2, malformed: 0.1, refusal: 0.1 } });
    const server = await startOpenAIServer({ respond: (request) => plan(request) ?? { content: 'ok' } });
    try {
      const provider = createProvider('m', { provider: 'openai', model: 'm', baseURL: server.url }, { fixturesDir: '/x', env: {} });
      const results = [];
      for (let i = 0; i < 40; i += 1) {
        results.push(await provider.call({ model: 'm', messages: [{ role: 'user', content: `case ${i}` }], params: {} }, new AbortController().signal));
      }
      // A refusal is an answer (output '', `refusal` set), not an error.
      const codes = results.map((r) => (r.ok ? (r.refusal !== undefined ? 'refusal' : 'ok') : r.error.code));
      const count = (code: string) => codes.filter((c) => c === code).length;
      expect(count('server_error')).toBe(plan.injected.serverError);
      expect(count('rate_limited')).toBe(plan.injected.rateLimit);
      expect(count('malformed_response')).toBe(plan.injected.malformed);
      expect(count('refusal')).toBe(plan.injected.refusal);
      expect(plan.injected.refusal).toBeGreaterThan(0);
      expect(count('ok')).toBe(40 - Object.values(plan.injected).reduce((a, b) => a + b, 0));
      expect(count('ok')).toBeGreaterThan(0);
      expect(count('ok')).toBeLessThan(40);
    } finally {
      await server.close();
    }
  });
});
