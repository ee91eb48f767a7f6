/**
 * The time rate limits and retry waits run on: the rpm/tpm window (rate-limit.ts) and the waits
 * before retries (backoff, Retry-After; schedule.ts). Nothing else reads it: an attempt's timeout
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
  sleep,
};

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
