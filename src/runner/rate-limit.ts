/**
 * Sliding-window limiter for requests per minute and tokens per minute. Every attempt (retries
 * too) takes a permit, so the limits hold over the whole run.
 *
 * A permit is taken before the request queues for a concurrency slot and counts from then on:
 * while it waits, while it is in flight, and for the window after the request finished. So
 * whenever the request actually reaches the server (after the slot wait, the SDK's set-up, the
 * network), no window of arrival times there holds more than `rpm` requests (or `tpm` tokens).
 * The price: a request's own latency is added to the time it holds its place.
 */
export interface RateLimiter {
  /** Resolves with a permit once a request of `tokens` estimated tokens fits in the window. */
  acquire(tokens: number, signal?: AbortSignal): Promise<RatePermit>;
  /** Correct the window with the real token count once the call reports usage. */
  settle(estimated: number, actual: number): void;
}

export interface RatePermit {
  /** The request is over (answered or failed): it counts in the window from now. */
  finish(): void;
  /** The request was never sent (interrupted): give the permit back. */
  release(): void;
}

/** The window, 60 s. PROMPTGATE_RATE_WINDOW_MS shortens it: a hook for tests only, not a setting. */
export function rateWindowMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.PROMPTGATE_RATE_WINDOW_MS);
  return Number.isFinite(value) && value > 0 ? value : 60_000;
}

export function createRateLimiter(
  limits: { rpm?: number; tpm?: number },
  now: () => number = Date.now,
  windowMs: number = rateWindowMs(),
): RateLimiter | undefined {
  const { rpm, tpm } = limits;
  if (!rpm && !tpm) return undefined;
  // Finished requests by finish time; `pending` permits are taken and not finished.
  const sent: Array<{ at: number; tokens: number }> = [];
  let sentTokens = 0;
  let pending = 0;
  let pendingTokens = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let wake: (() => void) | undefined;

  const prune = (t: number) => {
    while (sent.length && sent[0].at <= t - windowMs) sentTokens -= sent.shift()!.tokens;
  };
  const changed = () => {
    wake?.();
    wake = undefined;
  };

  const take = async (tokens: number, signal?: AbortSignal): Promise<RatePermit> => {
    for (;;) {
      const t = now();
      prune(t);
      const used = sent.length + pending;
      const rpmOk = !rpm || used < rpm;
      // A single request larger than the whole tpm budget is let through alone rather than never.
      const tpmOk = !tpm || sentTokens + pendingTokens + tokens <= tpm || used === 0;
      if (rpmOk && tpmOk) {
        pending++;
        pendingTokens += tokens;
        return permitOf(tokens);
      }
      // Room comes back when the oldest finished request leaves the window, or a permit finishes or is given back.
      await waitFor(sent.length ? Math.max(1, sent[0].at + windowMs - t) : undefined, signal);
    }
  };

  const permitOf = (tokens: number): RatePermit => {
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      pending--;
      pendingTokens -= tokens;
      return true;
    };
    return {
      finish() {
        if (!close()) return;
        sent.push({ at: now(), tokens });
        sentTokens += tokens;
        changed();
      },
      release() {
        if (close()) changed();
      },
    };
  };

  const waitFor = (ms: number | undefined, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        wake = undefined;
        reject(signal!.reason ?? new Error('aborted'));
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      wake = done;
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  return {
    acquire(tokens, signal) {
      // Serialise acquirers so the window is checked in arrival order (fair, no thundering herd).
      const next = chain.then(() => take(tokens, signal));
      chain = next.catch(() => {});
      return next;
    },
    settle(estimated, actual) {
      // A count no server could mean (providers pass only believable ones) must not stall the window.
      if (!Number.isFinite(actual) || actual < 0) return;
      const delta = actual - estimated;
      if (!delta) return;
      for (let i = sent.length - 1; i >= 0; i--) {
        if (sent[i].tokens === estimated) {
          sent[i].tokens = Math.max(0, actual);
          sentTokens += sent[i].tokens - estimated;
          // Fewer tokens than estimated: room for a waiting request now, not when the window moves.
          if (sent[i].tokens < estimated) changed();
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
