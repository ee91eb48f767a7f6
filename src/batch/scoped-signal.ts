/**
 * Runs one SDK request on a signal of its own that follows `signal`. The SDKs add an abort
 * listener to the signal they are given and never remove it: the collector polls a batch for hours
 * on the run's one signal, which would gather a listener per request.
 */
export async function scoped<T>(signal: AbortSignal, request: (own: AbortSignal) => Promise<T>): Promise<T> {
  const own = followSignal(signal);
  try {
    return await request(own.signal);
  } finally {
    own.release();
  }
}

/**
 * A signal that aborts when `signal` does, until `release()` (for a stream read past one await),
 * or when `abort(reason)` is called (a timeout of its own).
 */
export function followSignal(signal: AbortSignal): { signal: AbortSignal; abort(reason: unknown): void; release(): void } {
  const controller = new AbortController();
  const follow = () => controller.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, abort: (reason) => controller.abort(reason), release: () => signal.removeEventListener('abort', follow) };
}
