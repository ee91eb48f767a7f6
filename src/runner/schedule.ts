import pLimit, { type LimitFunction } from 'p-limit';
import type { ProviderResult } from '../providers/types.js';
import { createRateLimiter, sleep, type RateLimiter, type RatePermit } from './rate-limit.js';

export interface ModelLimits {
  /** Requests in flight for this model at most. */
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  timeoutMs: number;
  maxRetries: number;
}

export interface SchedulerOptions {
  /** Requests in flight at most over all models. */
  concurrency: number;
  models: Record<string, ModelLimits>;
  /** Aborting it stops scheduling and abandons in-flight calls. */
  signal: AbortSignal;
  /** Backoff base and cap (ms). @default 500 / 30000 */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

export interface ScheduledOutcome {
  result: ProviderResult;
  attempts: number;
  /** Wall time of the successful (or last) attempt, without backoff waits. */
  latencyMs: number;
}

export type Attempt = (signal: AbortSignal) => Promise<ProviderResult>;

export interface Scheduler {
  /** Runs `attempt` under the global and per-model limits with retries; never throws. */
  run(model: string, attempt: Attempt, estimatedTokens?: number): Promise<ScheduledOutcome>;
  /** Calls currently in flight (for tests and progress). */
  readonly inFlight: number;
}

/**
 * Global and per-model concurrency (p-limit), optional rpm/tpm windows, per-call timeout, and
 * retries with exponential backoff and full jitter that wait at least as long as Retry-After.
 * A slot is held only while a request is in flight, never during a backoff wait.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const globalLimit = pLimit(options.concurrency);
  const modelLimits = new Map<string, { limit?: LimitFunction; rate?: RateLimiter; config: ModelLimits }>();
  const base = options.backoffBaseMs ?? 500;
  const cap = options.backoffMaxMs ?? 30_000;
  const random = options.random ?? Math.random;
  let inFlight = 0;
  // The controllers of attempts in flight: one listener on the run's signal aborts them all.
  const live = new Set<AbortController>();
  options.signal.addEventListener('abort', () => {
    for (const controller of live) controller.abort(options.signal.reason);
  }, { once: true });

  const limitsOf = (model: string) => {
    let entry = modelLimits.get(model);
    if (!entry) {
      const config = options.models[model] ?? { timeoutMs: 60_000, maxRetries: 4 };
      entry = {
        config,
        limit: config.concurrency && config.concurrency < options.concurrency ? pLimit(config.concurrency) : undefined,
        rate: createRateLimiter({ rpm: config.rpm, tpm: config.tpm }),
      };
      modelLimits.set(model, entry);
    }
    return entry;
  };

  const attemptOnce = async (attempt: Attempt, timeoutMs: number, permit?: RatePermit): Promise<{ result: ProviderResult; latencyMs: number }> => {
    // Queued behind the limit when the run was interrupted: do not start it.
    if (options.signal.aborted) {
      permit?.release();
      return { result: abortedResult(), latencyMs: 0 };
    }
    // One plain controller and timer per attempt: AbortSignal.timeout and AbortSignal.any make
    // transferable, composite signals, a measurable cost at thousands of calls a second.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    live.add(controller);
    const started = performance.now();
    inFlight++;
    try {
      let result: ProviderResult;
      try {
        result = await attempt(controller.signal);
      } catch (error) {
        result = { ok: false, error: { code: 'provider_error', message: errorMessage(error), retryable: false } };
      }
      if (!result.ok && timedOut && !options.signal.aborted) {
        result = { ok: false, error: { code: 'timeout', message: `no answer within ${timeoutMs} ms`, retryable: true } };
      }
      return { result, latencyMs: performance.now() - started };
    } finally {
      inFlight--;
      clearTimeout(timer);
      live.delete(controller);
      // The rate window counts this request from its end (see rate-limit.ts).
      permit?.finish();
    }
  };

  return {
    get inFlight() {
      return inFlight;
    },
    async run(model, attempt, estimatedTokens = 0) {
      const { limit, rate, config } = limitsOf(model);
      let attempts = 0;
      let last: { result: ProviderResult; latencyMs: number } | undefined;
      for (;;) {
        if (options.signal.aborted) {
          return { result: last?.result ?? abortedResult(), attempts, latencyMs: last?.latencyMs ?? 0 };
        }
        let permit: RatePermit | undefined;
        try {
          if (rate) permit = await rate.acquire(estimatedTokens, options.signal);
        } catch {
          return { result: abortedResult(), attempts, latencyMs: 0 };
        }
        attempts++;
        const run = () => globalLimit(() => attemptOnce(attempt, config.timeoutMs, permit));
        last = await (limit ? limit(run) : run());
        if (last.result.ok) {
          if (rate && last.result.usage) {
            rate.settle(estimatedTokens, last.result.usage.inputTokens + last.result.usage.outputTokens);
          }
          return { ...last, attempts };
        }
        const error = last.result.error;
        if (!error.retryable || attempts > config.maxRetries || options.signal.aborted) return { ...last, attempts };
        const backoff = Math.min(cap, base * 2 ** (attempts - 1)) * random();
        const wait = Math.max(backoff, error.retryAfterMs ?? 0);
        try {
          await sleep(wait, options.signal);
        } catch {
          return { ...last, attempts };
        }
      }
    },
  };
}

function abortedResult(): ProviderResult {
  return { ok: false, error: { code: 'aborted', message: 'run interrupted before the call finished', retryable: false } };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
