import { DEFAULT_MAX_RESPONSE_BYTES } from '../config/defaults.js';
import { buildMessagesRequest, structuredOutputToolOf, type StructuredOutputTool } from '../providers/anthropic-request.js';
import type { AnthropicClient } from '../providers/anthropic.js';
import { abortedFailure, providerFailure, scrubSecrets } from '../providers/failure.js';
import type { SdkClient } from '../providers/sdk-client.js';
import { mapSdkError } from '../providers/sdk-errors.js';
import { isRecord } from '../providers/shape.js';
import type { ProviderFailure, ProviderResult } from '../providers/types.js';
import { createResultsFetch, TOO_LARGE_RESULT, tooLargeMessage } from './results-fetch.js';
import { BatchResultsError } from './results-error.js';
import { followSignal, scoped } from './scoped-signal.js';
import type { BatchLine, BatchLimits, BatchState, BatchStatus, BatchTransport } from './types.js';

export interface AnthropicBatchOptions {
  /** The provider's client: the one its normal calls use (same key, base URL, fetch). */
  getClient: () => Promise<SdkClient<AnthropicClient> | ProviderFailure>;
  /** The model id sent when a request names none. */
  model: string;
  /** The model entry's `maxResponseBytes`: here the longest line of a results stream. */
  maxResponseBytes?: number;
  /** Reads a Messages API response body into a result, as a normal call does (anthropic.ts readMessagesResult). */
  read: (body: unknown, structured: StructuredOutputTool | undefined, secrets: ReadonlyArray<string | undefined>) => ProviderResult;
}

/**
 * Anthropic Message Batches: 100,000 requests per batch; 256 MB per create request, less 1 MB
 * for its `{"requests": [...]}` and the commas between entries (lineBytes counts an entry alone).
 */
export const ANTHROPIC_BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 255_000_000 };

const STATES: Record<string, BatchState> = { in_progress: 'in_progress', canceling: 'cancelling', ended: 'completed' };

/**
 * The HTTP status of an errored line's error type when the same error from a normal call is not
 * worth a retry (a 400 is `client_error`, a 401 `auth`): the line is read like that call. Other
 * types (`api_error`, `overloaded_error`, `rate_limit_error`, ...) are the batch's trouble, not the
 * request's: `batch_line_failed`, retryable.
 */
const REQUEST_ERRORS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
};

/** Error mapping for lines: a result line is never `aborted` (the signal belongs to the stream). */
const NEVER_ABORTED = new AbortController().signal;

type Entry = { custom_id: string; params: Record<string, unknown> };

/**
 * The Message Batches API through the provider's SDK client: `messages.batches.create` with
 * `{custom_id, params}` entries whose params are the body a normal call sends (anthropic-request.ts),
 * `retrieve` for polls (`in_progress` / `canceling` → `cancelling` / `ended` → `completed`), and the
 * `results` JSONL stream, each `succeeded` line's message read by the normal call's reader.
 */
export function createAnthropicBatchTransport(options: AnthropicBatchOptions): BatchTransport {
  const { getClient, model, read } = options;
  const maxLineBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  /** Per batch submitted here: each custom id's structured-output tool (undefined: none). */
  const structuredByBatch = new Map<string, Map<string, StructuredOutputTool | undefined>>();
  const streaming = new WeakMap<AnthropicClient, AnthropicClient>();
  const streamingClient = (ready: SdkClient<AnthropicClient>): AnthropicClient => {
    let client = streaming.get(ready.client);
    if (!client) {
      client = ready.client.withOptions({ fetch: createResultsFetch({ maxLineBytes, dropAuth: ready.key === undefined }) });
      streaming.set(ready.client, client);
    }
    return client;
  };

  const entryOf = (line: BatchLine): Entry | ProviderFailure => {
    const built = buildMessagesRequest(line.request, model);
    if (!('body' in built)) return providerFailure('client_error', `${built.error.message} (batch line ${line.customId})`, false);
    return { custom_id: line.customId, params: built.body };
  };

  return {
    kind: 'anthropic',
    limits: ANTHROPIC_BATCH_LIMITS,
    lineBytes(line) {
      const entry = entryOf(line);
      return Buffer.byteLength(JSON.stringify('ok' in entry ? { custom_id: line.customId, params: line.request } : entry));
    },
    async submit(lines, signal) {
      if (signal.aborted) return abortedFailure(signal);
      const requests: Entry[] = [];
      for (const line of lines) {
        const entry = entryOf(line);
        if ('ok' in entry) return entry;
        requests.push(entry);
      }
      const ready = await getClient();
      if ('ok' in ready) return ready;
      let batch: unknown;
      try {
        batch = await scoped(signal, (own) => ready.client.messages.batches.create({ requests } as never, { signal: own }));
      } catch (error) {
        return mapSdkError(error, { label: 'Anthropic', signal, classes: ready.classes, secrets: [ready.key] });
      }
      if (!isRecord(batch) || typeof batch.id !== 'string' || batch.id === '') {
        return providerFailure('malformed_response', 'Anthropic: the created message batch has no id', true);
      }
      structuredByBatch.set(batch.id, new Map(lines.map((line) => [line.customId, structuredOutputToolOf(line.request)])));
      return { ok: true, id: batch.id };
    },
    async poll(id, signal) {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      let batch: unknown;
      try {
        batch = await scoped(signal, (own) => ready.client.messages.batches.retrieve(id, {}, { signal: own }));
      } catch (error) {
        return mapSdkError(error, { label: 'Anthropic', signal, classes: ready.classes, secrets: [ready.key] });
      }
      return statusOf(batch, id);
    },
    async *results(id, signal, options = {}) {
      const ready = await getClient();
      if ('ok' in ready) throw new BatchResultsError(ready);
      if (signal.aborted) return;
      const known = structuredByBatch.get(id);
      const structuredOf = (customId: string): StructuredOutputTool | undefined => {
        const request = options.requestOf?.(customId);
        return request ? structuredOutputToolOf(request) : known?.get(customId);
      };
      const { APIError } = await import('@anthropic-ai/sdk');
      const secrets = [ready.key];
      const errored = (error: unknown): ProviderResult => {
        const type = isRecord(error) && isRecord(error.error) && typeof error.error.type === 'string' ? error.error.type : 'unknown';
        const status = REQUEST_ERRORS[type];
        if (status !== undefined) return mapSdkError(new APIError(status, error as object, undefined, new Headers()), { label: 'Anthropic', signal: NEVER_ABORTED, classes: ready.classes, secrets });
        const message = isRecord(error) && isRecord(error.error) && typeof error.error.message === 'string' ? error.error.message : 'no error message';
        return providerFailure('batch_line_failed', scrubSecrets(`Anthropic: batch line errored (${type}): ${message}`, secrets), true);
      };
      const own = followSignal(signal);
      try {
        const stream = await streamingClient(ready).messages.batches.results(id, {}, { signal: own.signal });
        for await (const line of stream as AsyncIterable<unknown>) {
          if (!isRecord(line) || typeof line.custom_id !== 'string') continue; // no custom id: absent, as failed
          yield { customId: line.custom_id, result: lineResult(line.result, line.custom_id) };
        }
      } catch (error) {
        // The stream failed or broke (a status, a reset, a line that is not JSON): the lines read so far stay given.
        if (!signal.aborted) throw new BatchResultsError(mapSdkError(error, { label: 'Anthropic (batch results)', signal, classes: ready.classes, secrets }));
      } finally {
        own.release();
      }

      function lineResult(result: unknown, customId: string): ProviderResult {
        if (!isRecord(result)) return providerFailure('malformed_response', 'Anthropic: batch result line has no result object', true);
        switch (result.type) {
          case 'succeeded':
            return read(result.message, structuredOf(customId), secrets);
          case 'errored':
            return errored(result.error);
          case 'expired':
            return providerFailure('batch_line_expired', 'Anthropic: the batch expired before this request was processed', true);
          case 'canceled':
            return providerFailure('batch_line_failed', 'Anthropic: the request was canceled with its batch', true);
          case TOO_LARGE_RESULT:
            return providerFailure('response_too_large', `Anthropic: ${tooLargeMessage(maxLineBytes)}`, false);
          default:
            return providerFailure('malformed_response', `Anthropic: batch result line has an unknown type ${JSON.stringify(result.type)}`, true);
        }
      }
    },
  };
}

/** A retrieved Message Batch as a status: its processing status mapped, its request counts summed (errored, canceled and expired are failed). */
function statusOf(batch: unknown, id: string): BatchStatus | ProviderFailure {
  const malformed = (what: string) => providerFailure('malformed_response', `Anthropic: message batch ${id} ${what}`, true);
  if (!isRecord(batch)) return malformed('is not a JSON object');
  const state = typeof batch.processing_status === 'string' ? STATES[batch.processing_status] : undefined;
  if (!state) return malformed(`has an unknown processing_status ${JSON.stringify(batch.processing_status)}`);
  const counts = batch.request_counts;
  if (!isRecord(counts)) return malformed('has no request_counts');
  const count = (key: string) => (typeof counts[key] === 'number' && Number.isFinite(counts[key]) ? counts[key] : 0);
  const succeeded = count('succeeded');
  const failed = count('errored') + count('canceled') + count('expired');
  return { id: typeof batch.id === 'string' ? batch.id : id, state, counts: { total: count('processing') + succeeded + failed, succeeded, failed } };
}
