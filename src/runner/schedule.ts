import pLimit, { type LimitFunction } from 'p-limit';
import { DEFAULT_MAX_CALL_MS, DEFAULT_MAX_RETRY_WAIT_MS } from '../config/defaults.js';
import { truncate } from '../providers/failure.js';
import type { ProviderFailure, ProviderResult } from '../providers/types.js';
import type { BudgetGuard, BudgetTicket } from '../budget/guard.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createRateLimiter, type RateLimiter, type RatePermit } from './rate-limit.js';

export interface ModelLimits {
  /** Requests in flight for this model at most. */
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  timeoutMs: number;
  maxRetries: number;
  /** Longest wait before a retry, whatever Retry-After asks. @default 60000 */
  maxRetryWaitMs?: number;
  /** Longest time of one call over its attempts and retry waits (not its queueing). @default 300000 */
  maxCallMs?: number;
}

/** A wait before a retry, as it starts. */
export interface RetryWait {
  /** Tells this wait's end (`onWaitEnd`) from others'. */
  id: number;
  model: string;
  /** How long it waits. */
  ms: number;
  /** What the server asked for (Retry-After), when that was more than `ms`: the wait was capped. */
  requestedMs?: number;
  /** What it waits for, e.g. `429 Retry-After`, `503 backoff`, `connection backoff`. */
  reason: string;
}

/**
 * Stops a model entry's calls (fail fast). Asked before every attempt; told every attempt's result.
 * See fail-fast.ts.
 */
export interface CallGuard {
  /** The failure to return instead of sending, once the entry is stopped. */
  stopped(model: string): ProviderFailure | undefined;
  observe(model: string, result: ProviderResult): void;
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
  guard?: CallGuard;
  /** A wait before a retry starts / ends (progress). */
  onWait?(wait: RetryWait): void;
  onWaitEnd?(id: number): void;
  /** The time the rpm/tpm windows and the retry waits run on. @default systemClock */
  clock?: Clock;
  /** The run's cost budget: asked as each attempt starts (budget/guard.ts); a refused call comes back `refused`, unsent. */
  budget?: BudgetGuard;
}

/** What an attempt may cost, for the budget: its estimate (USD), and its actual cost from its result (null: not known). */
export interface AttemptCost {
  estimateUsd(): number;
  actualUsd(result: Extract<ProviderResult, { ok: true }>): number | null;
}

export interface ScheduledOutcome {
  result: ProviderResult;
  attempts: number;
  /** Wall time of the successful (or last) attempt, without backoff waits. */
  latencyMs: number;
  /** The cost budget refused to start it (or its next attempt): nothing was sent for it, and the run stops. */
  refused?: true;
}

export type Attempt = (signal: AbortSignal) => Promise<ProviderResult>;

export interface Scheduler {
  /** Runs `attempt` under the global and per-model limits with retries (and the cost budget, given `cost`); never throws. */
  run(model: string, attempt: Attempt, estimatedTokens?: number, cost?: AttemptCost): Promise<ScheduledOutcome>;
  /** Calls currently in flight (for tests and progress). */
  readonly inFlight: number;
}

/**
 * Global and per-model concurrency (p-limit), optional rpm/tpm windows, per-attempt timeout, and
 * retries with exponential backoff and full jitter that wait at least as long as Retry-After, but
 * never longer than `maxRetryWaitMs`. A call's attempts and waits together stay within `maxCallMs`
 * (`deadline_exceeded` past it). A slot is held only while a request is in flight, never during a
 * backoff wait. With a `guard`, a stopped model entry's calls return its failure unsent.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const globalLimit = pLimit(options.concurrency);
  const modelLimits = new Map<string, { limit?: LimitFunction; rate?: RateLimiter; config: ModelLimits }>();
  const base = options.backoffBaseMs ?? 500;
  const cap = options.backoffMaxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  let inFlight = 0;
  let waitIds = 0;
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
        rate: createRateLimiter({ rpm: config.rpm, tpm: config.tpm }, clock),
      };
      modelLimits.set(model, entry);
    }
    return entry;
  };

  const attemptOnce = async (model: string, attempt: Attempt, timeoutMs: number, permit?: RatePermit, cost?: AttemptCost): Promise<AttemptOutcome> => {
    // Queued behind the limit when the run was interrupted: do not start it.
    if (options.signal.aborted) {
      permit?.release();
      return { result: abortedResult(), latencyMs: 0 };
    }
    // Queued behind the limit when its model entry was stopped: do not send it.
    const stopped = options.guard?.stopped(model);
    if (stopped) {
      permit?.release();
      return { result: stopped, latencyMs: 0, unsent: true };
    }
    // The budget decides as the attempt starts, with the attempts in flight reserved at their estimates.
    let ticket: BudgetTicket | undefined;
    let estimate = 0;
    if (options.budget) {
      estimate = cost?.estimateUsd() ?? 0;
      ticket = options.budget.admit(model, estimate);
      if (!ticket) {
        permit?.release();
        return { result: budgetRefusal(), latencyMs: 0, unsent: true, refused: true };
      }
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
    let result: ProviderResult | undefined;
    try {
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
      // Same synchronous step as the attempt's end: its cost moves from in flight to spent.
      if (ticket) settleCost(ticket, result, estimate, cost);
    }
  };

  return {
    get inFlight() {
      return inFlight;
    },
    async run(model, attempt, estimatedTokens = 0, cost) {
      const { limit, rate, config } = limitsOf(model);
      const maxCallMs = config.maxCallMs ?? DEFAULT_MAX_CALL_MS;
      const maxWaitMs = config.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
      let attempts = 0;
      /** Time in attempts and retry waits so far: what maxCallMs bounds. */
      let spent = 0;
      let last: AttemptOutcome | undefined;
      const stoppedResult = (stop: ProviderFailure) => (last ? { ...last, attempts } : { result: stop, attempts, latencyMs: 0 });
      for (;;) {
        if (options.signal.aborted) {
          return { result: last?.result ?? abortedResult(), attempts, latencyMs: last?.latencyMs ?? 0 };
        }
        const stop = options.guard?.stopped(model);
        if (stop) return stoppedResult(stop);
        // Spent: no new call, and no retry of one, waits for a slot only to be refused.
        if (options.budget?.exhausted) return { result: budgetRefusal(), attempts, latencyMs: 0, refused: true };
        let permit: RatePermit | undefined;
        try {
          if (rate) permit = await rate.acquire(estimatedTokens, options.signal);
        } catch {
          return { result: abortedResult(), attempts, latencyMs: 0 };
        }
        // The attempt's timeout, cut to what is left of the call's time.
        const timeoutMs = Math.max(1, Math.min(config.timeoutMs, maxCallMs - spent));
        const run = () => globalLimit(() => attemptOnce(model, attempt, timeoutMs, permit, cost));
        const outcome = await (limit ? limit(run) : run());
        if (outcome.refused) return { result: outcome.result, attempts, latencyMs: 0, refused: true };
        if (outcome.unsent) return stoppedResult(outcome.result as ProviderFailure);
        attempts++;
        last = outcome;
        spent += outcome.latencyMs;
        options.guard?.observe(model, outcome.result);
        if (outcome.result.ok) {
          if (rate && outcome.result.usage) {
            rate.settle(estimatedTokens, outcome.result.usage.inputTokens + outcome.result.usage.outputTokens);
          }
          return { ...outcome, attempts };
        }
        const error = outcome.result.error;
        if (error.code === 'timeout' && timeoutMs < config.timeoutMs && !options.signal.aborted) {
          return { ...outcome, attempts, result: deadlineFailure(attempts, `attempt ${attempts} was cut to the ${timeoutMs} ms left`, maxCallMs, error) };
        }
        if (!error.retryable || attempts > config.maxRetries || options.signal.aborted) return { ...outcome, attempts };
        const backoff = Math.min(cap, base * 2 ** (attempts - 1)) * random();
        const asked = error.retryAfterMs ?? 0;
        const wait = Math.min(maxWaitMs, Math.max(backoff, asked));
        if (spent + wait >= maxCallMs) {
          const what = `the next retry's wait of ${seconds(wait)} (${reasonOf(error)}${asked > wait ? `, ${seconds(asked)} asked` : ''})`;
          return { ...outcome, attempts, result: deadlineFailure(attempts, what, maxCallMs, error) };
        }
        const id = ++waitIds;
        options.onWait?.({ id, model, ms: wait, ...(asked > wait ? { requestedMs: asked } : {}), reason: reasonOf(error) });
        // The wait listens on a controller of its own that the run's one listener aborts (`live`),
        // not on the run's signal: dozens of calls waiting at once would each add a listener there
        // (Node's "possible EventTarget memory leak" warning past 10).
        const waiting = new AbortController();
        live.add(waiting);
        try {
          await clock.sleep(wait, waiting.signal);
        } catch {
          return { ...outcome, attempts };
        } finally {
          live.delete(waiting);
          options.onWaitEnd?.(id);
        }
        spent += wait;
      }
    },
  };
}

interface AttemptOutcome {
  result: ProviderResult;
  latencyMs: number;
  /** Never sent: the model entry was stopped while it queued (or the budget refused it: `refused`). */
  unsent?: boolean;
  refused?: true;
}

/**
 * What an attempt cost the budget: an answer its priced usage (the estimate when that is not known);
 * a failure with an HTTP status nothing (the API bills no error); one without (a timeout, a dropped
 * connection) its estimate, as the server may have done the work.
 */
function settleCost(ticket: BudgetTicket, result: ProviderResult | undefined, estimate: number, cost: AttemptCost | undefined): void {
  if (result?.ok) {
    const actual = cost?.actualUsd(result) ?? null;
    ticket.settle(actual ?? estimate, actual !== null);
  } else {
    ticket.settle(result && result.error.status !== undefined ? 0 : estimate, false);
  }
}

/** A call the budget refused: never logged nor graded (`refused` tells makeCall to drop it), so the code is the interrupt's. */
function budgetRefusal(): ProviderFailure {
  return { ok: false, error: { code: 'aborted', message: 'the cost budget is spent: the call was not made', retryable: false } };
}

/** `429 Retry-After`, `503 backoff`, `connection backoff`: what a retry waits for. */
function reasonOf(error: ProviderFailure['error']): string {
  return `${error.status ?? error.code} ${error.retryAfterMs !== undefined ? 'Retry-After' : 'backoff'}`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 100) / 10} s`;
}

/** The call's time is up (maxCallMs): an error, never retried, never graded. */
function deadlineFailure(attempts: number, what: string, maxCallMs: number, last: ProviderFailure['error']): ProviderResult {
  const message = `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${what} would pass the call's time limit (maxCallMs ${maxCallMs} ms); last error: ${last.code}: ${last.message}`;
  return { ok: false, error: { code: 'deadline_exceeded', message: truncate(message), retryable: false } };
}

function abortedResult(): ProviderResult {
  return { ok: false, error: { code: 'aborted', message: 'run interrupted before the call finished', retryable: false } };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
