import { scoped } from './scoped-signal.js';
import { abortedFailure, providerFailure, scrubSecrets, truncate } from '../providers/failure.js';
import { fetchFor } from '../providers/http-fetch.js';
import { buildChatBody } from '../providers/openai-request.js';
import type { SdkClient } from '../providers/sdk-client.js';
import { mapSdkError, type SdkErrorClasses } from '../providers/sdk-errors.js';
import { isRecord } from '../providers/shape.js';
import type { ProviderFailure, ProviderResult } from '../providers/types.js';
import { BatchResultsError } from './results-error.js';
import { BATCH_ENDED_STATES, BATCH_STATES, type BatchLimits, type BatchLine, type BatchLineResult, type BatchState, type BatchStatus, type BatchTransport } from './types.js';

type OpenAIClient = InstanceType<(typeof import('openai'))['default']>;

/** OpenAI's Batch API limits: 50,000 requests and a 200 MB input file per batch (MB read as 10^6 bytes, the smaller reading). */
export const OPENAI_BATCH_LIMITS: BatchLimits = { maxRequests: 50_000, maxBytes: 200_000_000 };

/** The endpoint every line of a promptgate batch goes to (the one normal calls use). */
export const OPENAI_BATCH_ENDPOINT = '/v1/chat/completions';

/** A custom id both Batch APIs accept. */
const CUSTOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Bytes an output or error file line may add around its body (ids, status): added to `maxResponseBytes` per line for a file's download cap. */
const LINE_ENVELOPE_BYTES = 4096;

export interface OpenAIBatchTransportOptions {
  /** The provider's client loader (createOpenAIProvider's): the same key, baseURL, fetch and `maxResponseBytes`. */
  getClient(): Promise<SdkClient<OpenAIClient> | ProviderFailure>;
  /** The model entry's model id, for lines whose request names none (buildChatBody's fallback). */
  model: string;
  /** The model entry's `maxResponseBytes`: the largest one line may be, like one normal call's reply. */
  maxResponseBytes: number;
  /**
   * Reads a 2xx response body into a result: the provider's own reader for a normal call's body
   * (openai.ts chatResultOf), so a batched answer is judged exactly as a direct one.
   */
  readResponse(body: unknown, key: string | undefined): ProviderResult;
}

/**
 * The OpenAI Batch API through the official SDK: the lines as a JSONL file (`files.create`,
 * purpose `batch`; each line's body built by buildChatBody, as a normal call's), `batches.create`
 * on /v1/chat/completions with the 24 h window, `batches.retrieve` to poll, `files.content` for the
 * output and error files. Each output line's body is read by the provider's reader; an error
 * status in a line is mapped like the same status from a normal call (mapSdkError on the SDK's own
 * error for it); a line the batch failed, let expire or cancelled is a retryable
 * `batch_line_failed` / `batch_line_expired`.
 */
export function createOpenAIBatchTransport(options: OpenAIBatchTransportOptions): BatchTransport {
  const jsonlLine = (line: BatchLine) => JSON.stringify({ custom_id: line.customId, method: 'POST', url: OPENAI_BATCH_ENDPOINT, body: buildChatBody(line.request, options.model) });
  const context = (label: string, signal: AbortSignal, ready: SdkClient<OpenAIClient>) => ({ label, signal, classes: ready.classes, secrets: [ready.key] });

  async function retrieve(id: string, signal: AbortSignal, ready: SdkClient<OpenAIClient>): Promise<Record<string, unknown> | ProviderFailure> {
    let batch: unknown;
    try {
      batch = await scoped(signal, (own) => ready.client.batches.retrieve(id, { signal: own }));
    } catch (error) {
      return mapSdkError(error, context('OpenAI batch', signal, ready));
    }
    if (!isRecord(batch)) return providerFailure('malformed_response', 'OpenAI batch: the batch object is not a JSON object', true);
    return batch;
  }

  /** The id of the batch created from input file `fileId` (among the latest 100), if the API has one. */
  async function batchOfFile(fileId: string, signal: AbortSignal, ready: SdkClient<OpenAIClient>): Promise<string | undefined> {
    try {
      const page = await scoped(signal, (own) => ready.client.batches.list({ limit: 100 }, { signal: own }));
      const data: unknown[] = Array.isArray(page.data) ? page.data : [];
      const match = data.find((batch) => isRecord(batch) && batch.input_file_id === fileId && typeof batch.id === 'string');
      return match ? ((match as Record<string, unknown>).id as string) : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    kind: 'openai',
    limits: OPENAI_BATCH_LIMITS,
    lineBytes: (line) => Buffer.byteLength(jsonlLine(line)) + 1,

    async submit(lines, signal) {
      if (signal.aborted) return abortedFailure(signal);
      const problem = linesProblem(lines);
      if (problem) return providerFailure('client_error', `OpenAI batch: ${problem}`, false);
      const file = lines.map((line) => `${jsonlLine(line)}\n`).join('');
      const bytes = Buffer.byteLength(file);
      if (bytes > OPENAI_BATCH_LIMITS.maxBytes) {
        return providerFailure('client_error', `OpenAI batch: ${bytes} bytes is more than the ${OPENAI_BATCH_LIMITS.maxBytes} a batch file may have`, false);
      }
      const ready = await options.getClient();
      if ('ok' in ready) return ready;
      let uploaded: unknown;
      try {
        uploaded = await scoped(signal, (own) => ready.client.files.create({ file: new File([file], 'promptgate-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, { signal: own }));
      } catch (error) {
        return mapSdkError(error, context('OpenAI batch upload', signal, ready));
      }
      if (!isRecord(uploaded) || typeof uploaded.id !== 'string') return providerFailure('malformed_response', 'OpenAI batch upload: the file object has no id', true);
      const fileId = uploaded.id;
      let created: unknown;
      try {
        created = await scoped(signal, (own) => ready.client.batches.create({ input_file_id: fileId, endpoint: OPENAI_BATCH_ENDPOINT, completion_window: '24h' }, { signal: own }));
      } catch (error) {
        const failure = mapSdkError(error, context('OpenAI batch', signal, ready));
        // The request may have created the batch and only its reply been lost (a reset, a timeout, a 5xx):
        // sending the lines again would run them twice. The batch made from this upload is found by its input file.
        if (!failure.error.retryable || signal.aborted) return failure;
        const found = await batchOfFile(fileId, signal, ready);
        return found ? { ok: true, id: found } : failure;
      }
      if (!isRecord(created) || typeof created.id !== 'string') {
        const found = await batchOfFile(fileId, signal, ready);
        return found ? { ok: true, id: found } : providerFailure('malformed_response', 'OpenAI batch: the created batch has no id', true);
      }
      return { ok: true, id: created.id };
    },

    async poll(id, signal) {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await options.getClient();
      if ('ok' in ready) return ready;
      const batch = await retrieve(id, signal, ready);
      if ('ok' in batch) return batch as ProviderFailure;
      const status = statusOf(id, batch);
      // The API's words about a bad input file: scrubbed of the key like any message it sends.
      if (!('ok' in status) && status.message !== undefined) status.message = truncate(scrubSecrets(status.message, [ready.key]));
      return status;
    },

    async *results(id, signal): AsyncIterable<BatchLineResult> {
      if (signal.aborted) throw new BatchResultsError(abortedFailure(signal));
      const ready = await options.getClient();
      if ('ok' in ready) throw new BatchResultsError(ready);
      const batch = await retrieve(id, signal, ready);
      if ('ok' in batch) throw new BatchResultsError(batch as ProviderFailure);
      const status = statusOf(id, batch);
      if ('ok' in status) throw new BatchResultsError(status);
      if (!BATCH_ENDED_STATES.includes(status.state)) {
        throw new BatchResultsError(providerFailure('client_error', `OpenAI batch ${id}: no results yet (the batch is ${status.state})`, false));
      }
      // A file holds up to one reply per line: its download may be that many replies long.
      const cap = (options.maxResponseBytes + LINE_ENVELOPE_BYTES) * Math.max(1, status.counts.total);
      const client = ready.client.withOptions({ fetch: fetchFor({ maxResponseBytes: cap }, ready.key) });
      // Both files are read before any line is given: a download that fails gives nothing, and a later try gives everything.
      const texts: string[] = [];
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (typeof fileId !== 'string' || fileId === '') continue;
        try {
          texts.push(await scoped(signal, async (own) => (await client.files.content(fileId, { signal: own })).text()));
        } catch (error) {
          throw new BatchResultsError(mapSdkError(error, context(`OpenAI batch file ${fileId}`, signal, ready)));
        }
      }
      const seen = new Set<string>();
      for (const text of texts) {
        for (const raw of text.split('\n')) {
          if (raw.trim() === '') continue;
          const line = readBatchLine(raw, ready, options);
          if (!line || seen.has(line.customId)) continue;
          seen.add(line.customId);
          yield line;
        }
      }
    },
  };
}

/** What is wrong with a batch's lines before anything is sent: none, too many, a custom id the APIs refuse, or one used twice. */
function linesProblem(lines: readonly BatchLine[]): string | undefined {
  if (lines.length === 0) return 'a batch needs at least one line';
  if (lines.length > OPENAI_BATCH_LIMITS.maxRequests) return `${lines.length} lines is more than the ${OPENAI_BATCH_LIMITS.maxRequests} a batch may have`;
  const ids = new Set<string>();
  for (const line of lines) {
    if (!CUSTOM_ID.test(line.customId)) return `custom id ${JSON.stringify(line.customId)} is not 1-64 letters, digits, _ or -`;
    if (ids.has(line.customId)) return `custom id ${line.customId} is in the batch twice`;
    ids.add(line.customId);
  }
  return undefined;
}

/** A batch object as a status, or what is wrong with it. */
function statusOf(id: string, batch: Record<string, unknown>): BatchStatus | ProviderFailure {
  const state = batch.status;
  if (typeof state !== 'string' || !(BATCH_STATES as readonly string[]).includes(state)) {
    return providerFailure('malformed_response', `OpenAI batch ${id}: unknown status ${JSON.stringify(state)}`, true);
  }
  const counts = isRecord(batch.request_counts) ? batch.request_counts : {};
  const count = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);
  const status: BatchStatus = { id, state: state as BatchState, counts: { total: count(counts.total), succeeded: count(counts.completed), failed: count(counts.failed) } };
  const errors = isRecord(batch.errors) && Array.isArray(batch.errors.data) ? batch.errors.data.filter(isRecord) : [];
  if (errors.length > 0) {
    const shown = errors.slice(0, 3).map((error) => `${typeof error.line === 'number' ? `line ${error.line}: ` : ''}${String(error.message ?? error.code ?? 'error')}`);
    status.message = `${shown.join('; ')}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`;
  }
  return status;
}

/** A custom id at the start of a line that is not JSON (a torn file): the line's own, which comes before its body. */
const TORN_CUSTOM_ID = /^\{[^{]*?"custom_id"\s*:\s*"([A-Za-z0-9_-]{1,64})"/;

/**
 * One line of an output or error file as a result, or undefined for a line that names no custom
 * id (it cannot be given to any request: the collector treats its request as not answered).
 */
function readBatchLine(raw: string, ready: SdkClient<OpenAIClient>, options: OpenAIBatchTransportOptions): BatchLineResult | undefined {
  let line: unknown;
  try {
    line = JSON.parse(raw);
  } catch {
    const torn = TORN_CUSTOM_ID.exec(raw);
    return torn ? { customId: torn[1], result: providerFailure('malformed_response', 'OpenAI batch: the output line is not valid JSON', true) } : undefined;
  }
  if (!isRecord(line) || typeof line.custom_id !== 'string') return undefined;
  const customId = line.custom_id;
  if (Buffer.byteLength(raw) > options.maxResponseBytes + LINE_ENVELOPE_BYTES) {
    return { customId, result: providerFailure('response_too_large', `OpenAI batch: the line is larger than ${options.maxResponseBytes} bytes (maxResponseBytes)`, false) };
  }
  return { customId, result: lineResult(line, ready, options) };
}

function lineResult(line: Record<string, unknown>, ready: SdkClient<OpenAIClient>, options: OpenAIBatchTransportOptions): ProviderResult {
  const response = line.response;
  if (!isRecord(response) && isRecord(line.error)) {
    const code = typeof line.error.code === 'string' ? line.error.code : 'error';
    const message = typeof line.error.message === 'string' ? line.error.message : 'no message';
    return providerFailure(code === 'batch_expired' ? 'batch_line_expired' : 'batch_line_failed', `OpenAI batch: line ${code}: ${message}`, true);
  }
  if (!isRecord(response) || typeof response.status_code !== 'number') {
    return providerFailure('malformed_response', 'OpenAI batch: the line has neither a response with a status_code nor an error', true);
  }
  const status = response.status_code;
  if (status >= 200 && status < 300) return options.readResponse(response.body, ready.key);
  // The SDK's own error for this status and body, mapped as a normal call's: a 400 is a client_error, a 429 or 5xx retryable.
  const body = response.body;
  const error = (ready.classes.APIError as unknown as ApiErrorFactory).generate(status, isRecord(body) ? body : undefined, isRecord(body) ? undefined : String(body ?? ''), new Headers());
  return mapSdkError(error, { label: 'OpenAI', signal: NEVER_ABORTED, classes: ready.classes as SdkErrorClasses, secrets: [ready.key] });
}

/** The static `APIError.generate` of the SDK (what its client throws for a non-2xx reply). */
interface ApiErrorFactory {
  generate(status: number, body: object | undefined, message: string | undefined, headers: Headers): Error;
}

/** A line's error is mapped as it is: stopping the read (results' signal) must not turn a 400 into `aborted`. */
const NEVER_ABORTED = new AbortController().signal;
