/**
 * A clock (src/util/clock.ts) whose time moves only by its sleeps, for whole runs through the API
 * in batch mode: each real millisecond the earliest sleep due ends and the time jumps to it, so a
 * 30 s poll interval or a 90 min batch timeout passes in a few ms, and no amount of real time (a
 * loaded machine) moves the run's time on by itself. Sleeps end in the order of their due times.
 *
 * ```ts
 * const clock = virtualClock();
 * await run({ batch: true, batchTimeoutMs: 5_400_000 }, { cwd, clock }); // the 90 min pass by polls, not by real time
 * ```
 */
import type { Clock } from '../../src/util/clock.js';

export function virtualClock(start = 0): Clock {
  let time = start;
  const due: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;
  let scheduled = false;
  const step = () => {
    scheduled = false;
    if (due.length === 0) return;
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = due.shift()!;
    time = Math.max(time, next.at);
    next.resolve();
    if (due.length > 0) schedule();
  };
  // One real ms between steps: what a step started (file writes, the next requests) goes on meanwhile.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(step, 1);
  };
  return {
    now: () => time,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
        const entry = {
          at: time + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const at = due.indexOf(entry);
          if (at >= 0) due.splice(at, 1);
          reject(signal!.reason ?? new Error('aborted'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        due.push(entry);
        schedule();
      });
    },
  };
}
