import { beforeEach, describe, expect, it } from 'vitest';
import { manualClock, type ManualClock } from '../../test/helpers/manual-clock.js';
import { createRateLimiter } from './rate-limit.js';

describe('rate limiter (a manual clock)', () => {
  let clock: ManualClock;
  /** Lets queued promise callbacks run without moving the clock. */
  const flush = () => clock.advance(0);
  beforeEach(() => {
    clock = manualClock(0);
  });

  it('is absent without limits', () => {
    expect(createRateLimiter({})).toBeUndefined();
  });

  it('admits rpm requests per window, the next one when the oldest sent one leaves it', async () => {
    const limiter = createRateLimiter({ rpm: 3 }, clock)!;
    const admitted: number[] = [];
    const requests = Array.from({ length: 5 }, (_, i) =>
      limiter.acquire(1).then((permit) => {
        admitted.push(i);
        permit.finish();
        return clock.now();
      }),
    );
    await flush();
    expect(admitted).toEqual([0, 1, 2]);
    await clock.advance(59_999);
    expect(admitted).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(await Promise.all(requests)).toEqual([0, 0, 0, 60_000, 60_000]);
  });

  it('counts permits until they finish, then for a window from their end, not from when they were taken', async () => {
    const limiter = createRateLimiter({ rpm: 2 }, clock)!;
    const first = await limiter.acquire(1);
    const second = await limiter.acquire(1);
    let third = false;
    const later = limiter.acquire(1).then((permit) => {
      third = true;
      return permit;
    });
    // Both permits are still queued or in flight: nothing finished, yet the window is full.
    await clock.advance(120_000);
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
    await clock.advance(59_999);
    expect(fourth).toBe(false); // the window (119 s .. 179 s] still holds both finished requests
    await clock.advance(1);
    await last;
    expect(fourth).toBe(true);
  });

  it('holds tpm with estimates, corrected by the real usage', async () => {
    const limiter = createRateLimiter({ tpm: 100 }, clock)!;
    (await limiter.acquire(60)).finish();
    let admitted = false;
    const next = limiter.acquire(50).then((permit) => {
      admitted = true;
      permit.finish();
    });
    await flush();
    expect(admitted).toBe(false); // 60 + 50 > 100
    limiter.settle(60, 30); // the call used 30 tokens, not 60
    await clock.advance(60_000);
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
    const limiter = createRateLimiter({ tpm: 100 }, clock)!;
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
    const limiter = createRateLimiter({ tpm: 100 }, clock)!;
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
    const limiter = createRateLimiter({ tpm: 10 }, clock)!;
    const permit = await limiter.acquire(500);
    permit.finish();
    let admitted = false;
    void limiter.acquire(1).then(() => (admitted = true));
    await clock.advance(59_000);
    expect(admitted).toBe(false);
    await clock.advance(1_000);
    expect(admitted).toBe(true);
  });

  it('rejects a waiting acquire when its signal aborts, and keeps serving the others', async () => {
    const limiter = createRateLimiter({ rpm: 1 }, clock)!;
    (await limiter.acquire(1)).finish();
    const controller = new AbortController();
    const aborted = limiter.acquire(1, controller.signal);
    const outcome = aborted.then(() => 'admitted', () => 'rejected');
    await flush(); // waiting on the clock now
    controller.abort(new Error('stop'));
    expect(await outcome).toBe('rejected');
    let admitted = false;
    void limiter.acquire(1).then(() => (admitted = true));
    await clock.advance(60_000);
    expect(admitted).toBe(true);
  });

  it('keeps a 60 s window: a finished request counts until 60 s after it ended, not a moment less', async () => {
    const limiter = createRateLimiter({ rpm: 1 }, clock)!;
    await clock.advance(5_000);
    (await limiter.acquire(1)).finish(); // answered at 5 s
    let admitted = false;
    void limiter.acquire(1).then(() => (admitted = true));
    await clock.advance(59_999);
    expect(admitted).toBe(false);
    // It waited on the clock for the oldest request to leave the window, not on a timer of its own.
    expect(clock.sleeps).toEqual([60_000]);
    await clock.advance(1);
    expect(admitted).toBe(true);
    expect(clock.now()).toBe(65_000);
  });
});
