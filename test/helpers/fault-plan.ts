/**
 * Reproducible fault injection for the mock servers.
 *
 * ```ts
 * const plan = createFaultPlan({ seed: 42, rates: { serverError: 0.1, rateLimit: 0.05, timeout: 0.02 } });
 * const server = await startOpenAIServer({ respond: (req) => plan(req) ?? { content: 'ok' } });
 * ```
 * Each decision is drawn from a mulberry32 PRNG seeded by (seed, the request's model and messages,
 * the attempt number), not by arrival order: the same case gets the same faults on the same attempt
 * however concurrent requests interleave, so a fault run is reproducible. Without an explicit
 * `attempt`, the plan counts attempts itself: the n-th request with the same model and messages is
 * attempt n (1-based), so a retried call is drawn afresh.
 *
 * Rates are probabilities per attempt (their sum at most 1). Kinds and what they inject:
 * - `serverError`: status 500 or 503 · `rateLimit`: 429 with `retry-after: <retryAfterSeconds>`
 * - `rateLimitNoHeader`: 429 without a retry header · `reset`: the socket destroyed mid-body
 * - `timeout`: a `hang` (no answer until the client aborts: the caller's timeout must fire)
 * - `malformed`: invalid JSON body · `emptyChoices`: no choices / no content blocks
 * - `refusal`: the API's refusal shape · `truncated`: a partial answer with finish reason `length`
 */
import type { Reply } from './mock-server.js';

export interface FaultRates {
  serverError?: number;
  rateLimit?: number;
  rateLimitNoHeader?: number;
  reset?: number;
  timeout?: number;
  malformed?: number;
  emptyChoices?: number;
  refusal?: number;
  truncated?: number;
}

export type FaultKind = keyof FaultRates;

export interface FaultPlanOptions {
  seed: number;
  rates: FaultRates;
  /** Value of the `retry-after` header on `rateLimit` faults (may be fractional). @default 0 */
  retryAfterSeconds?: number;
  /** Faults are injected on attempts up to this one only; later attempts answer normally. @default Infinity */
  faultyAttempts?: number;
}

/** What the plan needs from a request: `IncomingChat` from the servers fits. */
export interface FaultPlanRequest {
  model?: string;
  messages: unknown;
}

export interface FaultPlan {
  /** A fault reply for this request and attempt, or null to answer normally. */
  (request: FaultPlanRequest, attempt?: number): Reply | null;
  /** Faults injected so far, by kind. */
  readonly injected: Record<FaultKind, number>;
  /** Every decision so far, in call order. */
  readonly decisions: ReadonlyArray<{ key: string; attempt: number; fault: FaultKind | null }>;
  /** Forgets attempt counts, decisions and counters (the seed stays). */
  reset(): void;
}

const KINDS: FaultKind[] = [
  'serverError', 'rateLimit', 'rateLimitNoHeader', 'reset', 'timeout', 'malformed', 'emptyChoices', 'refusal', 'truncated',
];

/** Creates a seeded fault plan; throws when a rate is outside 0..1 or the rates sum past 1. */
export function createFaultPlan(options: FaultPlanOptions): FaultPlan {
  const { seed, rates, retryAfterSeconds = 0, faultyAttempts = Infinity } = options;
  let total = 0;
  for (const kind of KINDS) {
    const rate = rates[kind] ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault plan: rate ${kind} must be within 0..1, got ${rate}`);
    total += rate;
  }
  if (total > 1 + 1e-9) throw new Error(`fault plan: rates sum to ${total}, more than 1`);

  let attempts = new Map<string, number>();
  let decisions: Array<{ key: string; attempt: number; fault: FaultKind | null }> = [];
  let injected = emptyCounts();

  const plan = ((request: FaultPlanRequest, attempt?: number): Reply | null => {
    const key = `${request.model ?? ''}\u0000${JSON.stringify(request.messages)}`;
    const n = attempt ?? (attempts.get(key) ?? 0) + 1;
    if (attempt === undefined) attempts.set(key, n);
    const random = mulberry32((seed ^ fnv1a(key) ^ Math.imul(n, 0x9e3779b1)) >>> 0);
    const draw = random();
    let fault: FaultKind | null = null;
    if (n <= faultyAttempts) {
      let cumulative = 0;
      for (const kind of KINDS) {
        cumulative += rates[kind] ?? 0;
        if (draw < cumulative) {
          fault = kind;
          break;
        }
      }
    }
    decisions.push({ key, attempt: n, fault });
    if (!fault) return null;
    injected[fault] += 1;
    return replyFor(fault, random, retryAfterSeconds);
  }) as FaultPlan;

  Object.defineProperties(plan, {
    injected: { get: () => injected },
    decisions: { get: () => decisions },
    reset: {
      value: () => {
        attempts = new Map();
        decisions = [];
        injected = emptyCounts();
      },
    },
  });
  return plan;
}

function replyFor(kind: FaultKind, random: () => number, retryAfterSeconds: number): Reply {
  switch (kind) {
    case 'serverError':
      return { fault: 'status', status: random() < 0.5 ? 500 : 503 };
    case 'rateLimit':
      return { fault: 'status', status: 429, retryAfter: String(retryAfterSeconds) };
    case 'rateLimitNoHeader':
      return { fault: 'status', status: 429 };
    case 'reset':
      return { fault: 'reset' };
    case 'timeout':
      return { fault: 'hang' };
    case 'malformed':
      return { fault: 'malformed' };
    case 'emptyChoices':
      return { fault: 'empty-choices' };
    case 'refusal':
      return { fault: 'refusal' };
    case 'truncated':
      return { content: 'a partial answer that stops mid', finishReason: 'length' };
  }
}

function emptyCounts(): Record<FaultKind, number> {
  return Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
}

/** mulberry32: a small, fast, seedable 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
