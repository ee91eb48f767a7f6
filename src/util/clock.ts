/**
 * The time rate limits, retry waits and the runtime's label refresh run on: the rpm/tpm window
 * (runner/rate-limit.ts), the waits before retries (backoff, Retry-After; runner/schedule.ts) and
 * the refresh of a registry label (runtime/store-load.ts). Nothing else reads it: an attempt's timeout
 * and the latency recorded for a call are real time. The system clock in use; a test injects its
 * own (Context.clock) so a 60 s window passes in a fraction of a second, or only when it says so.
 */
export interface Clock {
  /** The time now, in ms (only differences are used). */
  now(): number;
  /**
   * Resolves once `ms` of this clock's time have passed, or rejects with the signal's reason as
   * soon as `signal` aborts. (The rate limiter looks at `now()` again after every wait.)
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Date.now and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: sleeper(true),
};

/** The system clock whose timers never keep the process alive: the runtime's refresh of a registry label. */
export const backgroundClock: Clock = {
  now: () => Date.now(),
  sleep: sleeper(false),
};

function sleeper(keepAlive: boolean): Clock['sleep'] {
  return (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!keepAlive) timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
