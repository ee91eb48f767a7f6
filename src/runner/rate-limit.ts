/**
 * Sliding-window limiter for requests per minute and tokens per minute. `acquire` resolves when a
 * request of `tokens` estimated tokens fits in the last 60 s window; every attempt (retries too)
 * goes through it, so limits hold over the whole run.
 */
export interface RateLimiter {
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
  /** Correct the window with the real token count once the call reports usage. */
  settle(estimated: number, actual: number): void;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(limits: { rpm?: number; tpm?: number }, now: () => number = Date.now): RateLimiter | undefined {
  const { rpm, tpm } = limits;
  if (!rpm && !tpm) return undefined;
  const events: Array<{ at: number; tokens: number }> = [];
  let tokensInWindow = 0;
  let chain: Promise<void> = Promise.resolve();

  const prune = (t: number) => {
    while (events.length && events[0].at <= t - WINDOW_MS) tokensInWindow -= events.shift()!.tokens;
  };

  const waitFor = async (tokens: number, signal?: AbortSignal) => {
    for (;;) {
      const t = now();
      prune(t);
      const rpmOk = !rpm || events.length < rpm;
      // A single request larger than the whole tpm budget is let through alone rather than never.
      const tpmOk = !tpm || tokensInWindow + tokens <= tpm || events.length === 0;
      if (rpmOk && tpmOk) {
        events.push({ at: t, tokens });
        tokensInWindow += tokens;
        return;
      }
      const waitMs = Math.max(1, events[0].at + WINDOW_MS - t);
      await sleep(waitMs, signal);
    }
  };

  return {
    acquire(tokens, signal) {
      // Serialise acquirers so the window is checked in arrival order (fair, no thundering herd).
      const next = chain.then(() => waitFor(tokens, signal));
      chain = next.catch(() => {});
      return next;
    },
    settle(estimated, actual) {
      const delta = actual - estimated;
      if (!delta) return;
      for (let i = events.length - 1; i >= 0; i--) {
        if (events[i].tokens === estimated) {
          events[i].tokens = Math.max(0, actual);
          tokensInWindow += delta;
          return;
        }
      }
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
