/**
 * A clock for unit tests that moves only when the test says so (util/clock.ts's Clock):
 *
 * ```ts
 * const clock = manualClock();
 * const limiter = createRateLimiter({ rpm: 1 }, clock)!;
 * await clock.advance(60_000); // every sleep due by then resolves, in order; their callbacks run
 * ```
 * `sleeps` lists every sleep asked for (ms), so a test can see what waited on the clock.
 */
import type { Clock } from '../../src/util/clock.js';

export interface ManualClock extends Clock {
  /**
   * Moves the time on by `ms`: each sleep due by then resolves at its own time, earliest first,
   * and what it started runs before the next; then the promise callbacks queued so far run.
   */
  advance(ms: number): Promise<void>;
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[];
}

/** Lets every promise callback queued so far run (and those they queue), without moving the time. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function manualClock(start = 0): ManualClock {
  let time = start;
  const sleeps: number[] = [];
  const due: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => time,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
        const entry = {
          at: time + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          due.splice(due.indexOf(entry), 1);
          reject(signal!.reason ?? new Error('aborted'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        due.push(entry);
      });
    },
    async advance(ms) {
      const target = time + ms;
      await settle();
      for (;;) {
        const next = due.filter((entry) => entry.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        due.splice(due.indexOf(next), 1);
        time = next.at;
        next.resolve();
        await settle();
      }
      time = target;
      await settle();
    },
  };
}
