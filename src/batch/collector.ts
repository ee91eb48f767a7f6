import { DEFAULT_TIMEOUT_MS } from '../config/defaults.js';
import { providerFailure as failure } from '../providers/failure.js';
import type { Provider, ProviderFailure, ProviderRequest, ProviderResult } from '../providers/types.js';
import type { RunNotice } from '../reporters/types.js';
import type { RunHeader } from '../run-record/types.js';
import type { Clock } from '../util/clock.js';
import { appendBatchLog, type BatchLogState } from './batch-log.js';
import { BatchResultsError } from './results-error.js';
import { followSignal } from './scoped-signal.js';
import { splitByLimits } from './split.js';
import { BATCH_ENDED_STATES, type BatchConfig, type BatchLine, type BatchStatus, type BatchTransport } from './types.js';

/**
 * How long a model entry's queue stays open after its last request, on the run's clock: calls
 * that arrive together (a suite's cases, the judge calls of a batch's answers) go into one batch.
 */
export const BATCH_QUIET_MS = 2_000;

/** A failed poll is tried again after 1 s, 2 s, 4 s … up to the poll interval. */
const POLL_RETRY_BASE_MS = 1_000;
/** Reading an ended batch's results: tries before its lines are given up as failed. */
const RESULT_READS = 5;

/** What a batched call came to: its result, how many times it was sent, and the batch that answered. */
export interface BatchOutcome {
  result: ProviderResult;
  /** Batches (and direct attempts) it took. */
  attempts: number;
  /** Real time from queueing to the result, ms. */
  latencyMs: number;
  /** The batch whose line is `result` (absent: answered by a direct call, or never sent). */
  batchId?: string;
}

export interface BatchCollectorOptions {
  runDir: string;
  /** The run's signal: aborting it stops every wait (calls come back `aborted`). */
  signal: AbortSignal;
  clock: Clock;
  config: Required<BatchConfig>;
  /** A model entry's maxRetries: sends of one line after its first. */
  maxRetries(model: string): number;
  /** A model entry's timeoutMs: the longest one status poll may take (real time) before it is cut and tried again. @default 60000 */
  pollTimeoutMs?(model: string): number;
  /** A normal call through the scheduler (config `batch.retry: 'direct'`). */
  direct(model: string, provider: Provider, request: ProviderRequest, estimatedTokens: number): Promise<{ result: ProviderResult; attempts: number; latencyMs: number }>;
  notify(notice: RunNotice): void;
  /** `--resume`: the batches the interrupted run submitted. */
  resumed?: BatchLogState;
  /** Called once when `timeoutMs` has passed while batches were still awaited (the run stops, resumable). */
  onTimeout(): void;
  quietMs?: number;
}

export interface BatchCollector {
  /** Sends one call through its model entry's batches; never throws. */
  call(model: string, provider: Provider & { batch: BatchTransport }, customId: string, request: ProviderRequest, estimatedTokens: number): Promise<BatchOutcome>;
  /** Every batch submitted or re-attached, with its last known state (run.json `batches`). */
  batches(): NonNullable<RunHeader['batches']>;
  /** Whether the wait ran past `timeoutMs`. */
  readonly timedOut: boolean;
}

interface Waiter {
  customId: string;
  request: ProviderRequest;
  resolve(value: { result: ProviderResult; batchId?: string }): void;
}

interface Group {
  model: string;
  transport: BatchTransport;
  provider: string;
  pending: Waiter[];
  pendingBytes: number;
  /** Requests queued so far (the quiet timer watches it move). */
  arrivals: number;
  quiet: boolean;
}

/** A batch's lines by custom id (`unreadable`: why the lines not in `results` could not be read), or why the batch has none. */
type Results = { results: Map<string, ProviderResult>; unreadable?: ProviderFailure; ended?: BatchStatus } | { failure: ProviderFailure };

/**
 * The run's side of batch mode: groups each batched model entry's calls, submits them when the
 * queue has been quiet for a moment (or a batch is full: split by the transport's limits), records
 * each batch in batches.jsonl before waiting, polls on the run's clock, and resolves each call
 * with its line's result. Lines that failed, expired or are missing are sent again (a new batch,
 * or a direct call) up to the model's maxRetries; they are never answers. On `--resume`, a call
 * whose custom id is in a batch the interrupted run submitted waits for that batch, never sent again.
 */
export function createBatchCollector(options: BatchCollectorOptions): BatchCollector {
  const { clock, signal, config } = options;
  const quietMs = options.quietMs ?? BATCH_QUIET_MS;
  const startedAt = clock.now();
  const deadline = startedAt + config.timeoutMs;
  const groups = new Map<string, Group>();
  /** Calls in progress by custom id: two calls with the same id (the same request for the same case) share one line. */
  const calls = new Map<string, Promise<BatchOutcome>>();
  /** Batches watched, by id: a re-attached batch is polled once for all its calls. */
  const watched = new Map<string, Promise<Results>>();
  const summary = new Map<string, NonNullable<RunHeader['batches']>[number]>();
  /** Each call's request by custom id: how a transport reads a line can depend on it (BatchResultsOptions.requestOf). */
  const requests = new Map<string, ProviderRequest>();
  let timedOut = false;

  const aborted = (): ProviderFailure => ({ ok: false, error: { code: 'aborted', message: timedOut ? 'batch timeout passed before the batch ended' : 'run interrupted before the batch ended', retryable: false } });

  /** Waits `ms` on the run's clock, cut at the batch timeout; false when the run stopped (or the timeout passed). */
  const wait = async (ms: number): Promise<boolean> => {
    if (signal.aborted) return false;
    const left = deadline - clock.now();
    if (left <= 0) return timeout();
    try {
      await clock.sleep(Math.min(ms, left), signal);
    } catch {
      return false;
    }
    if (clock.now() >= deadline) return timeout();
    return !signal.aborted;
  };
  const timeout = (): false => {
    if (!timedOut && !signal.aborted) {
      timedOut = true;
      options.onTimeout();
    }
    return false;
  };

  const groupOf = (model: string, provider: Provider & { batch: BatchTransport }): Group => {
    let group = groups.get(model);
    if (!group) {
      group = { model, transport: provider.batch, provider: provider.kind, pending: [], pendingBytes: 0, arrivals: 0, quiet: false };
      groups.set(model, group);
    }
    return group;
  };

  const enqueue = (group: Group, customId: string, request: ProviderRequest) =>
    new Promise<{ result: ProviderResult; batchId?: string }>((resolve) => {
      if (signal.aborted) return resolve({ result: aborted() });
      group.pending.push({ customId, request, resolve });
      group.pendingBytes += group.transport.lineBytes({ customId, request });
      group.arrivals++;
      const { maxRequests, maxBytes } = group.transport.limits;
      if (group.pending.length >= maxRequests || group.pendingBytes >= maxBytes) flush(group);
      else if (!group.quiet) void quietThenFlush(group);
    });

  /** Submits the group's queue once no request has come for `quietMs` on the run's clock. */
  const quietThenFlush = async (group: Group) => {
    group.quiet = true;
    let seen: number;
    do {
      seen = group.arrivals;
      if (!(await wait(quietMs))) {
        group.quiet = false;
        for (const waiter of group.pending.splice(0)) waiter.resolve({ result: aborted() });
        group.pendingBytes = 0;
        return;
      }
    } while (group.arrivals !== seen);
    group.quiet = false;
    flush(group);
  };

  const flush = (group: Group) => {
    const waiters = group.pending.splice(0);
    group.pendingBytes = 0;
    if (waiters.length === 0) return;
    const byId = new Map(waiters.map((w) => [w.customId, w]));
    const chunks = splitByLimits(waiters.map((w): BatchLine => ({ customId: w.customId, request: w.request })), group.transport.limits, (line) => group.transport.lineBytes(line));
    for (const chunk of chunks) void submit(group, chunk.map((line) => byId.get(line.customId)!));
  };

  /** One batch: submitted, recorded in batches.jsonl (before any wait), watched to its end; each waiter gets its line. */
  const submit = async (group: Group, waiters: Waiter[]) => {
    const settleAll = (result: (w: Waiter) => ProviderResult, batchId?: string) => {
      for (const waiter of waiters) waiter.resolve({ result: result(waiter), ...(batchId ? { batchId } : {}) });
    };
    if (signal.aborted) return settleAll(() => aborted());
    const lines = waiters.map((w): BatchLine => ({ customId: w.customId, request: w.request }));
    const submitted = await group.transport.submit(lines, signal).catch((error: unknown): ProviderFailure => failure('provider_error', `batch submit failed: ${messageOf(error)}`, true));
    if (!submitted.ok) return settleAll(() => (signal.aborted ? aborted() : submitted));
    const id = submitted.id;
    try {
      await appendBatchLog(options.runDir, { kind: 'submitted', id, model: group.model, provider: group.provider, submittedAt: new Date().toISOString(), customIds: lines.map((l) => l.customId) });
    } catch (error) {
      return settleAll(() => failure('provider_error', `batch ${id} was submitted but could not be recorded in the run folder: ${messageOf(error)}`, false), id);
    }
    summary.set(id, { id, model: group.model, provider: group.provider, requests: lines.length, state: 'validating', succeeded: 0, failed: 0 });
    options.notify({ kind: 'batch', id, model: group.model, state: 'validating', counts: { total: lines.length, succeeded: 0, failed: 0 }, elapsedMs: 0 });
    const outcome = await watch(id, group.model, group.transport, false);
    settleAll((w) => lineResult(outcome, w.customId, id), id);
  };

  /** Polls a batch to its end and reads its results (once per batch id). */
  const watch = (id: string, model: string, transport: BatchTransport, pollFirst: boolean): Promise<Results> => {
    let watching = watched.get(id);
    if (!watching) {
      watching = watchOnce(id, model, transport, pollFirst);
      watched.set(id, watching);
    }
    return watching;
  };

  const watchOnce = async (id: string, model: string, transport: BatchTransport, pollFirst: boolean): Promise<Results> => {
    const since = clock.now();
    let failures = 0;
    let first = pollFirst;
    let status: BatchStatus | undefined;
    for (;;) {
      if (!first && !(await wait(failures > 0 ? Math.min(config.pollMs, POLL_RETRY_BASE_MS * 2 ** (failures - 1)) : config.pollMs))) return { failure: aborted() };
      first = false;
      const polled = await pollWithin(transport, id, options.pollTimeoutMs?.(model) ?? DEFAULT_TIMEOUT_MS);
      if (signal.aborted) return { failure: aborted() };
      if ('ok' in polled) {
        // A poll that failed says nothing about the batch: tried again (backoff up to the poll interval) until the batch timeout.
        if (polled.error.retryable) {
          failures++;
          continue;
        }
        return { failure: { ok: false, error: { ...polled.error, message: `batch ${id}: ${polled.error.message}` } } };
      }
      failures = 0;
      status = polled as BatchStatus;
      const entry = summary.get(id);
      if (entry) Object.assign(entry, { state: status.state, succeeded: status.counts.succeeded, failed: status.counts.failed });
      options.notify({ kind: 'batch', id, model, state: status.state, counts: status.counts, elapsedMs: clock.now() - since });
      if (BATCH_ENDED_STATES.includes(status.state)) break;
    }
    const read = await readResults(id, transport);
    if (!('failure' in read)) read.ended = status;
    await appendBatchLog(options.runDir, { kind: 'ended', id, state: status.state, endedAt: new Date().toISOString(), counts: status.counts }).catch(() => {});
    return read;
  };

  /**
   * One status poll, cut after `ms` of real time (the model entry's timeoutMs, as a normal call's
   * attempt is): a poll that never answers (a stalled connection) is a retryable timeout like a 5xx,
   * not a wait that outlasts the batch timeout (only the waits between polls watch that).
   */
  const pollWithin = async (transport: BatchTransport, id: string, ms: number): Promise<BatchStatus | ProviderFailure> => {
    const own = followSignal(signal);
    let cut = false;
    const timer = setTimeout(() => {
      cut = true;
      own.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
    }, ms);
    try {
      const polled = await transport.poll(id, own.signal).catch((error: unknown): ProviderFailure => failure('connection', `batch poll failed: ${messageOf(error)}`, true));
      return cut && !signal.aborted ? failure('timeout', `batch poll: no answer within ${ms} ms`, true) : polled;
    } finally {
      clearTimeout(timer);
      own.release();
    }
  };

  /**
   * An ended batch's results, read again (after a backoff) while the read fails part way: lines read
   * once are kept. Lines still unread after RESULT_READS are errors, not retried as lines: they may
   * have been answered (and billed). `--resume` re-attaches to the batch and reads them again.
   */
  const readResults = async (id: string, transport: BatchTransport): Promise<Results> => {
    const results = new Map<string, ProviderResult>();
    let unreadable: ProviderFailure | undefined;
    for (let attempt = 1; attempt <= RESULT_READS; attempt++) {
      unreadable = undefined;
      try {
        for await (const line of transport.results(id, signal, { requestOf: (customId) => requests.get(customId) })) results.set(line.customId, line.result);
      } catch (error) {
        // The transports' contract: a stream that breaks throws BatchResultsError after the lines read so far.
        unreadable = error instanceof BatchResultsError ? error.failure : failure('provider_error', messageOf(error), true);
      }
      if (!unreadable || signal.aborted) break;
      if (attempt < RESULT_READS && !(await wait(POLL_RETRY_BASE_MS * 2 ** (attempt - 1)))) break;
    }
    if (signal.aborted) return { failure: aborted() };
    return { results, ...(unreadable ? { unreadable: failure(unreadable.error.code, `could not read the results of batch ${id}: ${unreadable.error.message}`, false) } : {}) };
  };

  const lineResult = (outcome: Results, customId: string, id: string): ProviderResult => {
    if ('failure' in outcome) return outcome.failure;
    // A batch that failed as a whole (OpenAI: its input file refused, or the org's enqueued-token limit) says why: the line's error does too.
    const why = outcome.ended && outcome.ended.state !== 'completed' ? ` (batch ${outcome.ended.state}${outcome.ended.message ? `: ${outcome.ended.message}` : ''})` : '';
    return outcome.results.get(customId) ?? outcome.unreadable ?? failure('batch_line_failed', `batch ${id} ended without a result for this line${why}`, true);
  };

  const run = async (model: string, provider: Provider & { batch: BatchTransport }, customId: string, request: ProviderRequest, estimatedTokens: number): Promise<BatchOutcome> => {
    const started = performance.now();
    requests.set(customId, request);
    const group = groupOf(model, provider);
    const maxRetries = options.maxRetries(model);
    let attempts = 0;
    let got: { result: ProviderResult; batchId?: string } | undefined;
    // --resume: the line is in a batch the interrupted run submitted: wait for that batch, never send it again.
    const known = options.resumed?.byCustomId.get(customId);
    if (known && known.model === model) {
      attempts++;
      if (!summary.has(known.id)) summary.set(known.id, { id: known.id, model, provider: known.provider, requests: options.resumed?.requests.get(known.id) ?? 0, state: 'in_progress', succeeded: 0, failed: 0 });
      got = { result: lineResult(await watch(known.id, model, group.transport, true), customId, known.id), batchId: known.id };
    }
    for (;;) {
      if (got) {
        const { result } = got;
        if (result.ok || !result.error.retryable || attempts > maxRetries || signal.aborted) {
          return { result, attempts, latencyMs: performance.now() - started, ...(got.batchId ? { batchId: got.batchId } : {}) };
        }
        if (config.retry === 'direct') {
          const direct = await options.direct(model, provider, request, estimatedTokens);
          return { result: direct.result, attempts: attempts + direct.attempts, latencyMs: direct.latencyMs };
        }
      }
      attempts++;
      got = await enqueue(group, customId, request);
    }
  };

  return {
    call(model, provider, customId, request, estimatedTokens) {
      let pending = calls.get(customId);
      if (!pending) {
        pending = run(model, provider, customId, request, estimatedTokens);
        calls.set(customId, pending);
        void pending.finally(() => {
          calls.delete(customId);
          requests.delete(customId);
        });
      }
      return pending;
    },
    batches: () => [...summary.values()].map((entry) => ({ ...entry })),
    get timedOut() {
      return timedOut;
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
