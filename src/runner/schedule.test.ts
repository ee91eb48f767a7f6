import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../test/helpers/manual-clock.js';
import type { ProviderResult } from '../providers/types.js';
import { createScheduler, type RetryWait } from './schedule.js';

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

  it('waits for Retry-After on the injected clock, not on a timer of its own', async () => {
    const controller = new AbortController();
    const clock = manualClock();
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 1 } },
      signal: controller.signal,
      backoffBaseMs: 1,
      clock,
    });
    const times: number[] = [];
    const outcome = scheduler.run('m', async () => {
      times.push(clock.now());
      return times.length === 1 ? fail('rate_limited', true, 5_000) : ok();
    });
    await clock.advance(4_999);
    expect(times).toEqual([0]);
    expect(clock.sleeps).toEqual([5_000]);
    await clock.advance(1);
    expect((await outcome).result.ok).toBe(true);
    expect(times).toEqual([0, 5_000]);
  });

  it('calls waiting to retry add no listener to the run signal each (one listener, however many wait); aborting the run ends every wait', async () => {
    const controller = new AbortController();
    const clock = manualClock();
    const scheduler = createScheduler({ concurrency: 32, models: { m: { timeoutMs: 1000, maxRetries: 3 } }, signal: controller.signal, backoffBaseMs: 1, clock });
    const outcomes = Array.from({ length: 20 }, () => scheduler.run('m', async () => fail('rate_limited', true, 5_000)));
    await clock.advance(1);
    expect(clock.sleeps).toHaveLength(20);
    // Past 10 listeners Node warns of a possible leak: the waits must not each listen on the run's signal.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const results = await Promise.all(outcomes);
    expect(results.map((outcome) => [outcome.attempts, outcome.result.ok])).toEqual(Array.from({ length: 20 }, () => [1, false]));
  });

  it("holds a model's rpm on the injected clock, for retries too", async () => {
    const controller = new AbortController();
    const clock = manualClock();
    const scheduler = createScheduler({
      concurrency: 4,
      models: { m: { timeoutMs: 1000, maxRetries: 1, rpm: 2 } },
      signal: controller.signal,
      backoffBaseMs: 1,
      random: () => 0,
      clock,
    });
    const times: number[] = [];
    // The first attempt is refused with "retry now": its retry still waits for room in the window.
    const outcomes = Promise.all([0, 1].map((i) => scheduler.run('m', async () => {
      times.push(clock.now());
      return i === 0 && times.length === 1 ? fail('rate_limited', true, 0) : ok();
    })));
    await clock.advance(59_999);
    expect(times).toEqual([0, 0]);
    await clock.advance(1);
    const done = await outcomes;
    expect(done.map((o) => [o.result.ok, o.attempts])).toEqual([[true, 2], [true, 1]]);
    expect(times).toEqual([0, 0, 60_000]);
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

  it('cuts a wait to maxRetryWaitMs, and says so (the wait, what the server asked for, why)', async () => {
    const controller = new AbortController();
    const waits: RetryWait[] = [];
    const ended: number[] = [];
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 1, maxRetryWaitMs: 5 } },
      signal: controller.signal,
      backoffBaseMs: 1,
      onWait: (wait) => waits.push(wait),
      onWaitEnd: (id) => ended.push(id),
    });
    let calls = 0;
    // 999999 s asked: without the cap this test could not finish.
    const outcome = await scheduler.run('m', async () => (++calls === 1 ? { ok: false, error: { code: 'rate_limited', message: '429', retryable: true, retryAfterMs: 999_999_000, status: 429 } } : ok()));
    expect(outcome.result.ok).toBe(true);
    expect(outcome.attempts).toBe(2);
    expect(waits).toEqual([{ id: 1, model: 'm', ms: 5, requestedMs: 999_999_000, reason: '429 Retry-After' }]);
    expect(ended).toEqual([1]);
  });

  it('errors with deadline_exceeded, unretried, when the next wait would pass maxCallMs', async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 10, maxCallMs: 1000 } },
      signal: controller.signal,
    });
    let calls = 0;
    const outcome = await scheduler.run('m', async () => {
      calls++;
      return { ok: false, error: { code: 'rate_limited', message: 'slow down', retryable: true, retryAfterMs: 5_000, status: 429 } };
    });
    expect(calls).toBe(1);
    expect(outcome.result).toEqual({
      ok: false,
      error: {
        code: 'deadline_exceeded',
        message: "gave up after 1 attempt: the next retry's wait of 5 s (429 Retry-After) would pass the call's time limit (maxCallMs 1000 ms); last error: rate_limited: slow down",
        retryable: false,
      },
    });
  });

  it("cuts an attempt's timeout to what is left of maxCallMs; hitting it is deadline_exceeded, not a retryable timeout", async () => {
    const controller = new AbortController();
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 60_000, maxRetries: 3, maxCallMs: 30 } },
      signal: controller.signal,
    });
    let calls = 0;
    const outcome = await scheduler.run('m', (signal) => {
      calls++;
      return new Promise<ProviderResult>((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, error: { code: 'aborted', message: 'aborted', retryable: false } })));
    });
    expect(calls).toBe(1);
    expect(!outcome.result.ok && outcome.result.error.code).toBe('deadline_exceeded');
    expect(!outcome.result.ok && outcome.result.error.message).toContain('attempt 1 was cut to the 30 ms left');
  });

  it('asks the guard before each attempt and tells it each result; a stopped model sends nothing more', async () => {
    const controller = new AbortController();
    const seen: ProviderResult[] = [];
    let stop: ProviderResult | undefined;
    const scheduler = createScheduler({
      concurrency: 1,
      models: { m: { timeoutMs: 1000, maxRetries: 5 } },
      signal: controller.signal,
      backoffBaseMs: 1,
      guard: {
        stopped: () => (stop && !stop.ok ? stop : undefined),
        observe: (_model, result) => {
          seen.push(result);
          if (seen.length === 2) stop = { ok: false, error: { code: 'model_stopped', message: 'not sent: stopped', retryable: false } };
        },
      },
    });
    let calls = 0;
    const first = await scheduler.run('m', async () => {
      calls++;
      return { ok: false, error: { code: 'connection', message: 'refused', retryable: true, netCode: 'ECONNREFUSED' } };
    });
    // Two attempts, then the guard stopped the model: the call keeps its own last error.
    expect(calls).toBe(2);
    expect(first.attempts).toBe(2);
    expect(!first.result.ok && first.result.error.code).toBe('connection');
    const second = await scheduler.run('m', async () => {
      calls++;
      return ok();
    });
    expect(calls).toBe(2);
    expect(second).toEqual({ result: stop, attempts: 0, latencyMs: 0 });
  });
});
