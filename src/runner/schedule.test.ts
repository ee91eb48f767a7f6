import { describe, expect, it } from 'vitest';
import type { ProviderResult } from '../providers/types.js';
import { createScheduler } from './schedule.js';

const ok = (output = 'ok'): ProviderResult => ({ ok: true, output });
const fail = (code: 'server_error' | 'rate_limited' | 'client_error', retryable: boolean, retryAfterMs?: number): ProviderResult => ({
  ok: false,
  error: { code, message: code, retryable, retryAfterMs },
});

function deferredSleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

describe('scheduler', () => {
  it('never exceeds the global limit and fills it', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({ concurrency: 4, models: {}, signal: controller.signal });
    let current = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        scheduler.run('m', async () => {
          current++;
          peak = Math.max(peak, current);
          await deferredSleep(5);
          current--;
          return ok();
        }),
      ),
    );
    expect(peak).toBe(4);
  });

  it('applies a per-model limit below the global one', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({
      concurrency: 8,
      models: { slow: { concurrency: 2, timeoutMs: 1000, maxRetries: 0 } },
      signal: controller.signal,
    });
    let current = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        scheduler.run('slow', async () => {
          current++;
          peak = Math.max(peak, current);
          await deferredSleep(5);
          current--;
          return ok();
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('retries retryable faults up to maxRetries and reports attempts', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 2 } },
      signal: controller.signal,
      backoffBaseMs: 1,
    });
    let calls = 0;
    const outcome = await scheduler.run('m', async () => (++calls < 10 ? fail('server_error', true) : ok()));
    expect(outcome.result.ok).toBe(false);
    expect(outcome.attempts).toBe(3);
    expect(calls).toBe(3);
  });

  it('does not retry a non-retryable fault', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({ concurrency: 1, models: { m: { timeoutMs: 1000, maxRetries: 5 } }, signal: controller.signal });
    const outcome = await scheduler.run('m', async () => fail('client_error', false));
    expect(outcome.attempts).toBe(1);
  });

  it('waits at least Retry-After before the next attempt', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 1 } },
      signal: controller.signal,
      backoffBaseMs: 1,
    });
    const times: number[] = [];
    const outcome = await scheduler.run('m', async () => {
      times.push(Date.now());
      return times.length === 1 ? fail('rate_limited', true, 200) : ok();
    });
    expect(outcome.result.ok).toBe(true);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(190);
  });

  it('turns a call past the timeout into a retryable timeout error', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({ concurrency: 1, models: { m: { timeoutMs: 30, maxRetries: 0 } }, signal: controller.signal });
    const outcome = await scheduler.run(
      'm',
      (signal) =>
        new Promise<ProviderResult>((resolve) =>
          signal.addEventListener('abort', () =>
            resolve({ ok: false, error: { code: 'aborted', message: 'aborted', retryable: false } }),
          ),
        ),
    );
    expect(outcome.result.ok).toBe(false);
    expect(!outcome.result.ok && outcome.result.error.code).toBe('timeout');
  });

  it('stops scheduling once the run is aborted', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({ concurrency: 1, models: {}, signal: controller.signal });
    let calls = 0;
    const first = scheduler.run('m', async (signal) => {
      calls++;
      await new Promise((r) => signal.addEventListener('abort', r));
      return fail('server_error', false);
    });
    const second = scheduler.run('m', async () => {
      calls++;
      return ok();
    });
    await deferredSleep(5);
    controller.abort();
    const [a, b] = await Promise.all([first, second]);
    expect(a.result.ok).toBe(false);
    expect(b.result.ok).toBe(false);
    expect(calls).toBe(1);
  });
});
