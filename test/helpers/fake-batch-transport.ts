/**
 * An in-memory Batch API (src/batch/types.ts BatchTransport) for tests of the run side of batch
 * mode (src/batch/collector.ts), with the provider's state kept in this object, so it outlives a
 * run: a second run (`--resume`) sees the batches the first one submitted, as a real provider would.
 *
 * ```ts
 * const fake = fakeBatchTransport({ answer: (request) => ({ ok: true, output: 'hi' }) });
 * const provider = fake.provider('fake');   // a defineProvider object: { id, call, batch }
 * // config (eval.config.mjs): models: { m: { provider: globalThis.__fakeBatch, model: 'x', batch: true } }
 * ```
 * A defineProvider object may carry a `batch` transport (src/providers/custom.ts): that is how a
 * test attaches this one to a model entry; `call` answers normal calls with the same `answer`,
 * so a batched run and a normal one get the same replies. A test hands the object to its config
 * through a global (the config is a module of its own): see `installFakeProvider`.
 *
 * Scripts: `states` (what successive polls of every batch say; the last one is final), `lineFault`
 * (the n-th submission of a custom id fails, expires or is left out of the results), `pollFault`
 * (the n-th poll of a batch fails), `onPoll` (e.g. abort the run while it waits). Counters:
 * `submissions` (each batch's custom ids, in order), `calls` (normal calls), `polls`, `reads`.
 */
import { BatchResultsError } from '../../src/batch/results-error.js';
import type { BatchLimits, BatchLine, BatchLineResult, BatchState, BatchStatus, BatchTransport } from '../../src/batch/types.js';
import type { CustomProvider, ProviderFailure, ProviderRequest, ProviderResult } from '../../src/providers/types.js';

export type LineFault = 'failed' | 'expired' | 'missing';

export interface FakeBatchOptions {
  /** The reply to one request (batch line or normal call). */
  answer(request: ProviderRequest): ProviderResult;
  limits?: BatchLimits;
  /** What each poll of a batch says, in order; polls past the end repeat the last. @default validating, in_progress, finalizing, completed */
  states?: BatchState[];
  /** A line's fate on the `submission`-th time its custom id is sent (1 = first). */
  lineFault?(line: BatchLine, submission: number): LineFault | undefined;
  /** The `poll`-th poll (1 = first) of batch `id` fails with this. */
  pollFault?(id: string, poll: number): ProviderFailure | undefined;
  /** The `read`-th read (1 = first) of batch `id`'s results breaks after this many lines (a BatchResultsError thrown after them, as the real transports do). */
  readBreaksAfter?(id: string, read: number): number | undefined;
  /** After each poll of batch `id` (1 = first), before its answer is returned. */
  onPoll?(id: string, poll: number): void;
  /** Bytes of one line (what splitting counts). @default its JSON length */
  lineBytes?(line: BatchLine): number;
}

export interface FakeBatch {
  transport: BatchTransport;
  /** A defineProvider object answering normal calls with `answer` and carrying `transport` as `batch`. */
  provider(id: string): CustomProvider;
  /** Every submitted batch: its id and custom ids, in order. */
  readonly submissions: Array<{ id: string; customIds: string[] }>;
  /** Every custom id submitted, over all batches (duplicates kept). */
  submittedIds(): string[];
  /** Normal calls answered (not batch lines). */
  readonly calls: ProviderRequest[];
  /** Polls per batch id. */
  readonly polls: Map<string, number>;
  /** Result reads per batch id. */
  readonly reads: Map<string, number>;
  /** From now on, polls say these states (indexed by each batch's poll count, as `states`): e.g. `['completed']` ends every batch. */
  setStates(states: BatchState[]): void;
}

const DEFAULT_STATES: BatchState[] = ['validating', 'in_progress', 'finalizing', 'completed'];

export function fakeBatchTransport(options: FakeBatchOptions): FakeBatch {
  let states = options.states ?? DEFAULT_STATES;
  const submissions: FakeBatch['submissions'] = [];
  const lines = new Map<string, Array<{ line: BatchLine; fault?: LineFault }>>();
  const sent = new Map<string, number>();
  const polls = new Map<string, number>();
  const reads = new Map<string, number>();
  const calls: ProviderRequest[] = [];
  const lineBytes = options.lineBytes ?? ((line: BatchLine) => Buffer.byteLength(JSON.stringify(line)));

  const transport: BatchTransport = {
    kind: 'fake',
    limits: options.limits ?? { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
    lineBytes,
    async submit(batch) {
      const seen = new Set<string>();
      for (const line of batch) {
        if (seen.has(line.customId)) throw new Error(`duplicate custom id ${line.customId} in one batch`);
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(line.customId)) throw new Error(`invalid custom id ${line.customId}`);
        seen.add(line.customId);
      }
      const id = `batch_${submissions.length + 1}`;
      submissions.push({ id, customIds: batch.map((line) => line.customId) });
      lines.set(
        id,
        batch.map((line) => {
          const n = (sent.get(line.customId) ?? 0) + 1;
          sent.set(line.customId, n);
          return { line, fault: options.lineFault?.(line, n) };
        }),
      );
      return { ok: true, id };
    },
    async poll(id) {
      const n = (polls.get(id) ?? 0) + 1;
      polls.set(id, n);
      options.onPoll?.(id, n);
      const fault = options.pollFault?.(id, n);
      if (fault) return fault;
      const batch = lines.get(id);
      if (!batch) return { ok: false, error: { code: 'client_error', message: `no batch ${id}`, retryable: false, status: 404 } };
      const state = states[Math.min(n, states.length) - 1];
      const done = state === 'completed' || state === 'expired' || state === 'failed';
      const failed = done ? batch.filter((entry) => entry.fault === 'failed' || entry.fault === 'expired').length : 0;
      const status: BatchStatus = { id, state, counts: { total: batch.length, succeeded: done ? batch.length - failed : 0, failed } };
      return status;
    },
    async *results(id, _signal) {
      const read = (reads.get(id) ?? 0) + 1;
      reads.set(id, read);
      const breakAfter = options.readBreaksAfter?.(id, read);
      let given = 0;
      for (const { line, fault } of lines.get(id) ?? []) {
        if (fault === 'missing') continue;
        if (breakAfter !== undefined && given >= breakAfter) {
          throw new BatchResultsError({ ok: false, error: { code: 'connection', message: 'results stream reset (scripted)', retryable: true } });
        }
        given++;
        const result: ProviderResult =
          fault === 'failed'
            ? { ok: false, error: { code: 'batch_line_failed', message: 'line failed (scripted)', retryable: true } }
            : fault === 'expired'
              ? { ok: false, error: { code: 'batch_line_expired', message: 'line expired (scripted)', retryable: true } }
              : options.answer(line.request);
        const entry: BatchLineResult = { customId: line.customId, result };
        yield entry;
      }
    },
  };

  return {
    transport,
    provider: (id) => ({
      id,
      call: (request: ProviderRequest) => {
        calls.push(request);
        return options.answer(request);
      },
      batch: transport,
    }),
    submissions,
    submittedIds: () => submissions.flatMap((s) => s.customIds),
    calls,
    polls,
    reads,
    setStates(next) {
      states = next;
    },
  };
}

/** Where a test's config finds its fake provider: `globalThis[FAKE_PROVIDER_GLOBAL][name]`. */
export const FAKE_PROVIDER_GLOBAL = '__promptgateFakeBatch';

/**
 * Puts `provider` where a config module can take it (`provider: globalThis.__promptgateFakeBatch.<name>`),
 * under a name unique to the test; returns the expression to write in the config.
 */
export function installFakeProvider(name: string, provider: CustomProvider): string {
  const store = ((globalThis as Record<string, unknown>)[FAKE_PROVIDER_GLOBAL] ??= {}) as Record<string, CustomProvider>;
  store[name] = provider;
  return `globalThis.${FAKE_PROVIDER_GLOBAL}[${JSON.stringify(name)}]`;
}
