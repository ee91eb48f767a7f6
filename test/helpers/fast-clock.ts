/**
 * A clock that runs `scale` times faster than real time (util/clock.ts's Clock), for tests that
 * run the whole engine with its real 60 s rate window: at scale 200 a window passes in 0.3 s.
 *
 * ```ts
 * const clock = scaledClock(200);
 * await run(options, { cwd, env, clock });   // the limiter and retry waits run on it
 * // ...and the mock server stamps arrivals with the same clock: clock.now() inside `respond`
 * ```
 * `now()` is whole ms (integers, so windows compare exactly) and never goes back. `sleep(ms)`
 * waits ms / scale real ms and then, since a timer may fire early, on until `now()` has moved on
 * by `ms`; it rejects with the signal's reason when the signal aborts.
 */
import { systemClock, type Clock } from '../../src/util/clock.js';

export function scaledClock(scale: number, start = 0): Clock {
  const p0 = performance.now();
  const now = () => start + Math.floor((performance.now() - p0) * scale);
  return {
    now,
    async sleep(ms, signal) {
      const target = now() + ms;
      for (let left = ms; left > 0; left = target - now()) await systemClock.sleep(Math.max(1, left / scale), signal);
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    },
  };
}
