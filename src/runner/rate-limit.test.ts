import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, rateWindowMs } from './rate-limit.js';

/** Lets queued promise callbacks run without moving the fake clock. */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('rate limiter (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('is absent without limits', () => {
    expect(createRateLimiter({})).toBeUndefined();
  });

  it('admits rpm requests per window, the next one when the oldest sent one leaves it', async () => {
    const limiter = createRateLimiter({ rpm: 3 }, Date.now, 60_000)!;
    const admitted: number[] = [];
    const requests = Array.from({ length: 5 }, (_, i) =>
      limiter.acquire(1).then((permit) => {
        admitted.push(i);
        permit.finish();
        return Date.now();
      }),
    );
    await flush();
    expect(admitted).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(admitted).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await Promise.all(requests)).toEqual([0, 0, 0, 60_000, 60_000]);
  });

  it('counts permits until they finish, then for a window from their end, not from when they were taken', async () => {
    const limiter = createRateLimiter({ rpm: 2 }, Date.now, 60_000)!;
    const first = await limiter.acquire(1);
    const second = await limiter.acquire(1);
    let third = false;
    const later = limiter.acquire(1).then((permit) => {
      third = true;
      return permit;
    });
    // Both permits are still queued or in flight: nothing finished, yet the window is full.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(third).toBe(false);
    first.finish(); // answered at 120 s
    second.release(); // interrupted: never sent, its place is free at once
    await flush();
    expect(third).toBe(true);
    (await later).finish(); // answered at 120 s too
    let fourth = false;
    const last = limiter.acquire(1).then((permit) => {
      fourth = true;
      permit.finish();
    });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(fourth).toBe(false); // the window (119 s .. 179 s] still holds both finished requests
    await vi.advanceTimersByTimeAsync(1);
    await last;
    expect(fourth).toBe(true);
  });

  it('holds tpm with estimates, corrected by the real usage', async () => {
    const limiter = createRateLimiter({ tpm: 100 }, Date.now, 60_000)!;
    (await limiter.acquire(60)).finish();
    let admitted = false;
    const next = limiter.acquire(50).then((permit) => {
      admitted = true;
      permit.finish();
    });
    await flush();
    expect(admitted).toBe(false); // 60 + 50 > 100
    limiter.settle(60, 30); // the call used 30 tokens, not 60
    await vi.advanceTimersByTimeAsync(60_000);
    await next;
    expect(admitted).toBe(true);
    // 50 in the window now: another 50 fits, 51 would not.
    let small = false;
    void limiter.acquire(50).then((permit) => {
      small = true;
      permit.finish();
    });
    await flush();
    expect(small).toBe(true);
  });

  it('admits a waiting request as soon as settled usage makes room, not when the window moves', async () => {
    const limiter = createRateLimiter({ tpm: 100 }, Date.now, 60_000)!;
    (await limiter.acquire(60)).finish();
    let admitted = false;
    void limiter.acquire(50).then(() => (admitted = true));
    await flush();
    expect(admitted).toBe(false);
    limiter.settle(60, 10);
    await flush();
    expect(admitted).toBe(true);
  });

  it('ignores usage no server could mean (not finite, negative): the estimate stays', async () => {
    const limiter = createRateLimiter({ tpm: 100 }, Date.now, 60_000)!;
    (await limiter.acquire(40)).finish();
    limiter.settle(40, Number.POSITIVE_INFINITY);
    limiter.settle(40, Number.NaN);
    limiter.settle(40, -5);
    let admitted = false;
    void limiter.acquire(60).then(() => (admitted = true));
    await flush();
    expect(admitted).toBe(true); // 40 + 60 <= 100: the window still holds the estimate
  });

  it('lets a request larger than the whole tpm budget through alone', async () => {
    const limiter = createRateLimiter({ tpm: 10 }, Date.now, 60_000)!;
    const permit = await limiter.acquire(500);
    permit.finish();
    let admitted = false;
    void limiter.acquire(1).then(() => (admitted = true));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(admitted).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(admitted).toBe(true);
  });

  it('rejects a waiting acquire when its signal aborts, and keeps serving the others', async () => {
    const limiter = createRateLimiter({ rpm: 1 }, Date.now, 1_000)!;
    (await limiter.acquire(1)).finish();
    const controller = new AbortController();
    const aborted = limiter.acquire(1, controller.signal);
    const outcome = aborted.then(() => 'admitted', () => 'rejected');
    controller.abort(new Error('stop'));
    expect(await outcome).toBe('rejected');
    let admitted = false;
    void limiter.acquire(1).then(() => (admitted = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(admitted).toBe(true);
  });

  it('reads the window from PROMPTGATE_RATE_WINDOW_MS (a test hook), else 60 s', () => {
    expect(rateWindowMs({})).toBe(60_000);
    expect(rateWindowMs({ PROMPTGATE_RATE_WINDOW_MS: '2000' })).toBe(2_000);
    expect(rateWindowMs({ PROMPTGATE_RATE_WINDOW_MS: 'soon' })).toBe(60_000);
  });
});
