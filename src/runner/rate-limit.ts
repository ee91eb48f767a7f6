import { systemClock, type Clock } from '../util/clock.js';

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

/** The window: a minute, as the providers count rpm and tpm. */
const WINDOW_MS = 60_000;

/** `clock`: the time the window and the waits for room run on (a test's own, else the system's). */
export function createRateLimiter(limits: { rpm?: number; tpm?: number }, clock: Clock = systemClock): RateLimiter | undefined {
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
    while (sent.length && sent[0].at <= t - WINDOW_MS) sentTokens -= sent.shift()!.tokens;
  };
  const changed = () => {
    wake?.();
    wake = undefined;
  };

  const take = async (tokens: number, signal?: AbortSignal): Promise<RatePermit> => {
    for (;;) {
      const t = clock.now();
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
      await waitFor(sent.length ? Math.max(1, sent[0].at + WINDOW_MS - t) : undefined, signal);
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
        sent.push({ at: clock.now(), tokens });
        sentTokens += tokens;
        changed();
      },
      release() {
        if (close()) changed();
      },
    };
  };

  // Until `ms` of the clock's time pass (none: until woken), `changed()` wakes it, or `signal` aborts.
  const waitFor = (ms: number | undefined, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      // Ends the clock's sleep when the wait ends another way.
      const timer = ms === undefined ? undefined : new AbortController();
      const end = () => {
        timer?.abort();
        signal?.removeEventListener('abort', onAbort);
        if (wake === done) wake = undefined;
      };
      const done = () => {
        end();
        resolve();
      };
      const fail = (error: unknown) => {
        end();
        reject(error);
      };
      const onAbort = () => fail(signal!.reason ?? new Error('aborted'));
      wake = done;
      signal?.addEventListener('abort', onAbort, { once: true });
      if (ms !== undefined) {
        clock.sleep(ms, timer!.signal).then(done, (error: unknown) => {
          if (!timer!.signal.aborted) fail(error);
        });
      }
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
