import { describe, expect, it } from 'vitest';
import type { ProviderResult } from '../providers/types.js';
import { createScheduler } from '../runner/schedule.js';
import { createBudgetGuard, isPriced } from './guard.js';

const ok = (usd: number): ProviderResult => ({ ok: true, output: String(usd) });

describe('the budget guard', () => {
  it('counts what is spent and what is in flight; refuses the call that would pass the limit, and every call after it', () => {
    const notices: unknown[] = [];
    const guard = createBudgetGuard(1, (state) => notices.push(state));
    const a = guard.admit('m', 0.4)!;
    const b = guard.admit('m', 0.4)!;
    expect(guard.reservedUsd).toBeCloseTo(0.8);
    // 0.8 in flight + 0.3 would pass 1: refused, though nothing is spent yet.
    expect(guard.admit('m', 0.3)).toBeUndefined();
    expect(guard.exhausted).toBe(true);
    expect(notices).toEqual([{ spentUsd: 0, reservedUsd: 0.8, refusedUsd: 0.3, model: 'm' }]);
    // Calls in flight finish and count at their actual cost; nothing starts any more, not even a free call.
    a.settle(0.35, true);
    b.settle(0.45, true);
    expect(guard.spentUsd).toBeCloseTo(0.8);
    expect(guard.reservedUsd).toBe(0);
    expect(guard.admit('m', 0.01)).toBeUndefined();
    expect(guard.admit('m', 0)).toBeUndefined();
    expect(notices).toHaveLength(1);
  });

  it('admits up to the limit exactly; a free call is admitted until the first refusal', () => {
    const guard = createBudgetGuard(1);
    guard.admit('m', 0.5)!.settle(0.5, true);
    expect(guard.admit('m', 0)).toBeDefined();
    guard.admit('m', 0.5)!.settle(0.5, true);
    expect(guard.spentUsd).toBe(1);
    expect(guard.exhausted).toBe(false);
    expect(guard.admit('m', 1e-9)).toBeUndefined();
  });

  it('an unknown or unbounded estimate is refused', () => {
    expect(createBudgetGuard(1).admit('m', Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(createBudgetGuard(1).admit('m', Number.NaN)).toBeUndefined();
  });

  it('a model whose answers cost more than estimated gets its later estimates scaled up by the largest ratio seen', () => {
    const guard = createBudgetGuard(1);
    guard.admit('m', 0.1)!.settle(0.3, true);
    // 0.3 spent; the next estimate of 0.1 counts as 0.3: 0.3 + 0.3 + 0.3 fits, a fourth would not.
    guard.admit('m', 0.1);
    guard.admit('m', 0.1);
    expect(guard.reservedUsd).toBeCloseTo(0.6);
    expect(guard.admit('m', 0.1)).toBeUndefined();
    // Another model's estimates are its own.
    const other = createBudgetGuard(1);
    other.admit('m', 0.1)!.settle(0.3, true);
    expect(other.admit('n', 0.1)).toBeDefined();
    expect(other.reservedUsd).toBeCloseTo(0.1);
  });

  it('a ticket settles once', () => {
    const guard = createBudgetGuard(1);
    const ticket = guard.admit('m', 0.2)!;
    ticket.settle(0.2, true);
    ticket.settle(0.2, true);
    expect(guard.spentUsd).toBeCloseTo(0.2);
  });

  it('knows which model entries are priced', () => {
    expect(isPriced({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' })).toBe(true);
    expect(isPriced({ provider: 'openai', model: 'my-finetune' })).toBe(false);
    expect(isPriced({ provider: 'openai', model: 'my-finetune', price: { input: 0, output: 0 } })).toBe(true);
    expect(isPriced({ provider: 'replay', model: 'anything' })).toBe(true);
  });
});

describe('the scheduler under a budget', () => {
  /** Attempts that end when the test says, each costing what its estimate says. */
  function held() {
    const pending: Array<() => void> = [];
    const attempt = (usd: number) => () => new Promise<ProviderResult>((resolve) => pending.push(() => resolve(ok(usd))));
    const cost = (usd: number) => ({ estimateUsd: () => usd, actualUsd: (result: Extract<ProviderResult, { ok: true }>) => Number(result.output) });
    return { pending, attempt, cost };
  }

  it('asks as each attempt starts, with the attempts in flight reserved: queued calls reserve nothing, refused ones are never sent', async () => {
    const guard = createBudgetGuard(1);
    const scheduler = createScheduler({ concurrency: 3, models: {}, signal: new AbortController().signal, budget: guard });
    const { pending, attempt, cost } = held();
    const sent: number[] = [];
    const outcomes = [0, 1, 2, 3, 4].map((i) => scheduler.run('m', () => (sent.push(i), attempt(0.3)()), 0, cost(0.3)));
    await new Promise((r) => setImmediate(r));
    // Three in flight (0.9 reserved); the two queued behind the limit have not asked yet.
    expect(sent).toEqual([0, 1, 2]);
    expect(guard.reservedUsd).toBeCloseTo(0.9);
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
    // 0.3 spent + 0.6 still in flight + 0.3 would pass 1: call 3 is refused, and call 4 after it.
    expect(sent).toEqual([0, 1, 2]);
    expect(guard.exhausted).toBe(true);
    while (pending.length > 0) pending.shift()!();
    const results = await Promise.all(outcomes);
    expect(results.map((r) => r.refused ?? false)).toEqual([false, false, false, true, true]);
    expect(guard.spentUsd).toBeCloseTo(0.9);
  });

  it('once refused, no call of any model starts, a free one (moderation) or a retry neither', async () => {
    const guard = createBudgetGuard(0.5);
    const scheduler = createScheduler({ concurrency: 4, models: {}, signal: new AbortController().signal, budget: guard });
    const free = { estimateUsd: () => 0, actualUsd: () => 0 };
    expect((await scheduler.run('judge', async () => ok(0), 0, free)).refused).toBeUndefined();
    const refused = await scheduler.run('m', async () => ok(1), 0, { estimateUsd: () => 1, actualUsd: () => 1 });
    expect(refused).toMatchObject({ refused: true, attempts: 0 });
    let called = false;
    const after = await scheduler.run('judge', async () => ((called = true), ok(0)), 0, free);
    expect(after.refused).toBe(true);
    expect(called).toBe(false);
  });

  it('an error with an HTTP status costs nothing; a timeout or a dropped connection costs its estimate', async () => {
    const guard = createBudgetGuard(10);
    const scheduler = createScheduler({ concurrency: 1, models: { m: { timeoutMs: 1000, maxRetries: 0 } }, signal: new AbortController().signal, budget: guard });
    const cost = { estimateUsd: () => 2, actualUsd: () => 2 };
    await scheduler.run('m', async () => ({ ok: false, error: { code: 'server_error', message: '500', retryable: false, status: 500 } }), 0, cost);
    expect(guard.spentUsd).toBe(0);
    await scheduler.run('m', async () => ({ ok: false, error: { code: 'connection', message: 'reset', retryable: false } }), 0, cost);
    expect(guard.spentUsd).toBe(2);
    // An answer whose usage is not known counts its estimate.
    await scheduler.run('m', async () => ok(0), 0, { estimateUsd: () => 3, actualUsd: () => null });
    expect(guard.spentUsd).toBe(5);
  });
});
