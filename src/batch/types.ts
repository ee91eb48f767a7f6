import type { ProviderFailure, ProviderRequest, ProviderResult } from '../providers/types.js';

/**
 * The provider Batch APIs (OpenAI Batch, Anthropic Message Batches) as the runner sees them.
 *
 * A transport (one per provider kind, built from the same SDK client as the provider's `call`)
 * only moves requests and results: it never decides what to retry, never grades, never touches the
 * run folder. The collector (batch/collector.ts) owns the run's side: which calls go into which
 * batch, recording batch ids in the run folder before waiting, re-attaching on `--resume`,
 * retrying failed or expired lines, pricing at the batch rate.
 */

/** One request of a batch. `customId` is unique within the batch: `^[A-Za-z0-9_-]{1,64}$` (both APIs accept it). */
export interface BatchLine {
  customId: string;
  request: ProviderRequest;
}

/**
 * A batch's state, the providers' words mapped onto one list: OpenAI `validating` / `in_progress` /
 * `finalizing` / `completed` / `failed` / `expired` / `cancelling` / `cancelled`; Anthropic
 * `in_progress` / `canceling` (→ `cancelling`) / `ended` (→ `completed`, its lines say the rest).
 */
export const BATCH_STATES = ['validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

/** States after which a batch's results can be read (and never change again). */
export const BATCH_ENDED_STATES: readonly BatchState[] = ['completed', 'failed', 'expired', 'cancelled'];

/** What one poll of a batch says. */
export interface BatchStatus {
  id: string;
  state: BatchState;
  /** Lines in the batch, lines answered, lines that failed (errored, expired or cancelled). */
  counts: { total: number; succeeded: number; failed: number };
  /** Why the batch failed as a whole, when the API says (OpenAI `errors.data`: a bad input line). */
  message?: string;
}

/**
 * One line's result. A line that failed, expired or was cancelled is a ProviderFailure with
 * `retryable: true` and code `batch_line_failed` / `batch_line_expired` (the collector retries it,
 * never grades it); a line the API answered with an error body is read like the same error from a
 * normal call (a 400 is `client_error`, not retryable).
 */
export interface BatchLineResult {
  customId: string;
  result: ProviderResult;
}

/** Per provider: how big one batch may be (the collector splits above these). */
export interface BatchLimits {
  /** Requests per batch (OpenAI 50,000; Anthropic 100,000). */
  maxRequests: number;
  /** Bytes per batch as uploaded (OpenAI input file 200 MB; Anthropic 256 MB request). */
  maxBytes: number;
}

export interface BatchTransport {
  /** The provider kind (`openai`, `anthropic`). */
  readonly kind: string;
  readonly limits: BatchLimits;
  /** The bytes one line takes in the upload (its JSONL line for OpenAI, its JSON entry for Anthropic): what splitting counts. */
  lineBytes(line: BatchLine): number;
  /** Uploads and creates one batch (OpenAI: files.create + batches.create; Anthropic: messages.batches.create). Errors as values. */
  submit(lines: BatchLine[], signal: AbortSignal): Promise<{ ok: true; id: string } | ProviderFailure>;
  /** One status poll. Errors as values (a 5xx or reset is retryable, like a normal call's). */
  poll(id: string, signal: AbortSignal): Promise<BatchStatus | ProviderFailure>;
  /**
   * Every line's result of an ended batch (OpenAI: output file + error file; Anthropic: the results
   * stream), each read into a ProviderResult exactly as a normal call's response body would be.
   * Lines the batch never mentions are absent: the collector treats them as failed. The results
   * are read as far as they can be: a results stream that fails or breaks ends the iteration (no
   * throw). A results stream that cannot be read to its end (a 5xx, a reset, a line that is not
   * JSON) THROWS a BatchResultsError (results-error.ts; `failure` says why and whether a later try
   * may work) after the lines read so far: an ended batch's results never change, so the collector
   * keeps those, reads again later, and never sends an answered line again.
   */
  results(id: string, signal: AbortSignal, options?: BatchResultsOptions): AsyncIterable<BatchLineResult>;
}

export interface BatchResultsOptions {
  /**
   * The request sent under a custom id. How a line is read can depend on it (Anthropic: a
   * structured answer is the input of the request's forced output tool). A transport knows the
   * lines it submitted itself in this process; a batch re-attached to (`--resume`) is read right
   * only when the collector passes them.
   */
  requestOf?: (customId: string) => ProviderRequest | undefined;
}

/** What the batch API costs, as a share of the normal price (both providers: 50%). */
export const BATCH_PRICE_FACTOR = 0.5;

/** Where a batched call came from, on its calls.jsonl line (`batch`). */
export interface BatchRef {
  id: string;
}

/** `batches.jsonl` in the run folder: one line per batch, written when submitted (before any wait) and when it ended. */
export type BatchLogLine =
  | {
      kind: 'submitted';
      id: string;
      /** The model entry (config name) and provider kind. */
      model: string;
      provider: string;
      submittedAt: string;
      /** The lines' custom ids, in the order sent: on `--resume`, a call whose custom id is here waits for this batch instead of being sent again. */
      customIds: string[];
    }
  | { kind: 'ended'; id: string; state: BatchState; endedAt: string; counts: BatchStatus['counts'] };

/** `batch` in the config (top level): how batch mode behaves. Each model entry opts in with `batch: true` (or the run with `--batch`). */
export interface BatchConfig {
  /** Lines that failed or expired: sent again in a new batch (`batch`) or as normal calls (`direct`). @default 'batch' */
  retry?: 'batch' | 'direct';
  /** Time between status polls, in ms. @default 30000 */
  pollMs?: number;
  /** Longest wait for batches, in ms; past it the run stops resumable (exit 3). @default 86400000 (24 h) */
  timeoutMs?: number;
}
