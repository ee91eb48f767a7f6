import { createOpenAIBatchTransport } from '../batch/openai-transport.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../config/defaults.js';
import type { ModelConfig } from '../config/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
import { abortedFailure, providerFailure, scrubSecrets } from './failure.js';
import { baseURLOf, PLACEHOLDER_API_KEY, SDK_TIMEOUT_MS } from './request-setup.js';
import { buildChatBody } from './openai-request.js';
import { fetchFor } from './http-fetch.js';
import { createClientLoader } from './sdk-client.js';
import { mapSdkError } from './sdk-errors.js';
import { answerOf, answerReadOf, isRecord } from './shape.js';
import { tokenUsageOf } from './usage.js';
import type {
  AnswerRead, EmbeddingRequest, EmbeddingResponse, ModerationRequest, ModerationResponse, Provider, ProviderRequest, ProviderResult, TokenUsage,
} from './types.js';

type OpenAIModule = typeof import('openai');
type OpenAIClient = InstanceType<OpenAIModule['default']>;

export interface OpenAIProviderOptions {
  /** Where the API key is read from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * A provider for the Chat Completions API of OpenAI or any compatible server (`baseURL`).
 * One attempt per call: the SDK's retries are off and the abort signal is the only timeout.
 * The SDK is imported on the first call, so creating a provider costs nothing.
 */
export function createOpenAIProvider(name: string, config: ModelConfig, options: OpenAIProviderOptions = {}): Provider {
  const getClient = createClientLoader<OpenAIClient>({
    config,
    api: 'openai',
    env: options.env ?? process.env,
    sdkName: 'openai',
    build: async (key) => {
      const sdk = await import('openai');
      // node:http with keep-alive instead of the global fetch, a size cap, and no key header when none is sent (http-fetch.ts).
      return { client: new sdk.default({ apiKey: key ?? PLACEHOLDER_API_KEY, baseURL: baseURLOf(config, 'openai'), maxRetries: 0, timeout: SDK_TIMEOUT_MS, fetch: fetchFor(config, key) }), classes: sdk };
    },
  });

  return {
    name,
    kind: 'openai',
    model: config.model,
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      const body = buildChatBody(request, config.model);
      let response: unknown;
      try {
        response = await ready.client.chat.completions.create(body as never, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'OpenAI', signal, classes: ready.classes, secrets: [ready.key] });
      }
      return chatResultOf(response, ready.key);
    },
    // The Batch API through the same client (key, baseURL, fetch); each line's body read by chatResultOf, as `call` reads its reply.
    batch: createOpenAIBatchTransport({
      getClient,
      model: config.model,
      maxResponseBytes: config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      readResponse: chatResultOf,
    }),
    async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse> {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      // Floats asked for explicitly: the SDK's default (base64) is not served by every compatible server.
      const body: Record<string, unknown> = { model: request.model || config.model, input: request.input, encoding_format: 'float' };
      if (request.params.dimensions !== undefined) body.dimensions = request.params.dimensions;
      let response: unknown;
      try {
        response = await ready.client.embeddings.create(body as never, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'OpenAI embeddings', signal, classes: ready.classes, secrets: [ready.key] });
      }
      return parseEmbeddingResponse(response);
    },
    async moderate(request: ModerationRequest, signal: AbortSignal): Promise<ModerationResponse> {
      if (signal.aborted) return abortedFailure(signal);
      const ready = await getClient();
      if ('ok' in ready) return ready;
      let response: unknown;
      try {
        response = await ready.client.moderations.create({ model: request.model || config.model, input: request.input }, { signal });
      } catch (error) {
        return mapSdkError(error, { label: 'OpenAI moderations', signal, classes: ready.classes, secrets: [ready.key] });
      }
      return parseModerationResponse(response);
    },
  };
}

/**
 * A Chat Completions response body as the runner's result, its messages scrubbed of the key: what
 * `call` returns for a reply, and what a batch's output line gives (the batch transport reads each
 * line's body with this same function).
 */
export function chatResultOf(body: unknown, key: string | undefined): ProviderResult {
  const result = parseChatCompletion(body);
  if (!result.ok) result.error.message = scrubSecrets(result.error.message, [key]);
  return result;
}

/** An embeddings response body: the first item's vector (finite numbers), or the fault it shows. */
export function parseEmbeddingResponse(body: unknown): EmbeddingResponse {
  if (!isRecord(body) || !Array.isArray(body.data)) return providerFailure('malformed_response', 'OpenAI embeddings: response has no data array', true);
  const item: unknown = body.data[0];
  if (item === undefined) return providerFailure('empty_response', 'OpenAI embeddings: response has no embedding', true);
  const vector = isRecord(item) ? item.embedding : undefined;
  if (!Array.isArray(vector) || vector.length === 0 || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return providerFailure('malformed_response', 'OpenAI embeddings: the embedding is not a non-empty array of finite numbers', true);
  }
  const result: EmbeddingResponse = { ok: true, vector: vector as number[] };
  if (typeof body.model === 'string') result.modelReported = body.model;
  // Embeddings report prompt tokens only.
  const usage = isRecord(body.usage) ? tokenUsageOf(body.usage.prompt_tokens, 0) : undefined;
  if (usage) result.usage = usage;
  return result;
}

/** A moderations response body: the first result's flag, categories and scores, or the fault it shows. */
export function parseModerationResponse(body: unknown): ModerationResponse {
  if (!isRecord(body) || !Array.isArray(body.results)) return providerFailure('malformed_response', 'OpenAI moderations: response has no results array', true);
  const first: unknown = body.results[0];
  if (first === undefined) return providerFailure('empty_response', 'OpenAI moderations: response has no result', true);
  if (!isRecord(first) || typeof first.flagged !== 'boolean' || !isRecord(first.categories)) {
    return providerFailure('malformed_response', 'OpenAI moderations: the result has no flagged / categories', true);
  }
  const categories: Record<string, boolean> = {};
  for (const [name, flagged] of Object.entries(first.categories)) if (typeof flagged === 'boolean') categories[name] = flagged;
  const scores: Record<string, number> = {};
  if (isRecord(first.category_scores)) {
    for (const [name, score] of Object.entries(first.category_scores)) if (typeof score === 'number' && Number.isFinite(score)) scores[name] = score;
  }
  const result: ModerationResponse = { ok: true, flagged: first.flagged, categories, scores };
  if (typeof body.model === 'string') result.modelReported = body.model;
  return result;
}

/**
 * Maps a Chat Completions response body to a result: the first choice's text and tool calls, a
 * refusal (`message.refusal`, or a `content_filter` finish) as an answer with output '', or the
 * fault it shows (truncated, empty, malformed). An answer that only calls tools has output ''.
 */
export function parseChatCompletion(body: unknown): ProviderResult {
  const read = readChatCompletion(body);
  if (read.fault) return read.fault;
  if (read.refusal === undefined && read.finishReason === 'length') {
    return providerFailure('truncated', 'OpenAI: output truncated at the token limit (finish_reason "length")', false);
  }
  if (read.output === undefined && !read.toolCalls) return providerFailure('empty_response', 'OpenAI: response message has no content', true);
  return answerOf(read);
}

/**
 * What a Chat Completions response body says, as the API sent it: the reported model, tokens and
 * finish reason, then the first choice's text, tool calls and log probabilities, or its refusal
 * (`message.refusal`, or a `content_filter` finish: output '', no tool calls). A body with no
 * choice to read, or a tool call that is not `{id, function: {name, arguments}}`, is a `fault`.
 * parseChatCompletion judges it for the runner; traced() logs it as the app received it.
 */
export function readChatCompletion(body: unknown): AnswerRead {
  if (!isRecord(body)) return { fault: providerFailure('malformed_response', 'OpenAI: response body is not a JSON object', true) };
  const read = answerReadOf(body.model, usageOf(body.usage));
  const choices = body.choices;
  if (!Array.isArray(choices)) return { ...read, fault: providerFailure('malformed_response', 'OpenAI: response has no choices array', true) };
  if (choices.length === 0) return { ...read, fault: providerFailure('empty_response', 'OpenAI: response has no choices', true) };
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) {
    return { ...read, fault: providerFailure('malformed_response', 'OpenAI: first choice has no message', true) };
  }
  const message = choice.message;
  if (typeof choice.finish_reason === 'string') read.finishReason = choice.finish_reason;
  if ((typeof message.refusal === 'string' && message.refusal) || read.finishReason === 'content_filter') {
    // A refusal is an answer to grade; what the model said is kept apart from the output text.
    read.output = '';
    read.refusal = typeof message.refusal === 'string' && message.refusal ? message.refusal : 'blocked by the content filter';
    return read;
  }
  const toolCalls = readChatToolCalls(message.tool_calls);
  if (typeof toolCalls === 'string') return { ...read, fault: providerFailure('malformed_response', `OpenAI: ${toolCalls}`, true) };
  const output = textOf(message.content);
  if (output !== undefined) read.output = output;
  if (toolCalls.length > 0) read.toolCalls = toolCalls;
  const logprobs = logprobsOf(choice.logprobs);
  if (logprobs) read.logprobs = logprobs;
  return read;
}

/**
 * `tool_calls` of a response message or of a conversation's assistant turn as ToolCalls (arguments
 * parsed by parseToolArguments), or what is wrong with them. An object sent as `arguments` (some
 * compatible servers do) is kept as its JSON text.
 */
export function readChatToolCalls(value: unknown): ToolCall[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return 'message.tool_calls is not an array';
  const calls: ToolCall[] = [];
  for (const [index, item] of value.entries()) {
    const fn = isRecord(item) ? item.function : undefined;
    if (!isRecord(item) || typeof item.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') {
      return `message.tool_calls[${index}] is not {id, function: {name, arguments}}`;
    }
    const raw = typeof fn.arguments === 'string' ? fn.arguments : fn.arguments === undefined || fn.arguments === null ? '' : JSON.stringify(fn.arguments);
    calls.push({ id: item.id, name: fn.name, rawArguments: raw, ...parseToolArguments(raw) });
  }
  return calls;
}

/** The token log probabilities of a choice (`logprobs.content[].logprob`), when it has them: finite numbers ≤ 0. */
function logprobsOf(value: unknown): number[] | undefined {
  if (!isRecord(value) || !Array.isArray(value.content)) return undefined;
  const out: number[] = [];
  for (const token of value.content) {
    const logprob = isRecord(token) ? token.logprob : undefined;
    if (typeof logprob !== 'number' || !Number.isFinite(logprob) || logprob > 0) return undefined;
    out.push(logprob);
  }
  return out.length > 0 ? out : undefined;
}

/** A string, or an array of `{type: 'text', text}` parts (some compatible servers send those). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.filter((part): part is { text: string } => isRecord(part) && typeof part.text === 'string');
  return parts.length > 0 ? parts.map((part) => part.text).join('') : undefined;
}

function usageOf(usage: unknown): TokenUsage | undefined {
  return isRecord(usage) ? tokenUsageOf(usage.prompt_tokens, usage.completion_tokens) : undefined;
}
