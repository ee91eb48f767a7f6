import type { BatchTransport } from '../batch/types.js';
import type { Message } from '../prompts/types.js';
import type { ResponseSchema, ToolCall, ToolChoice, ToolDefinition } from '../tools/types.js';

export interface ProviderRequest {
  /** The provider's model id (e.g. `gpt-4o-mini`), not the config's model name. */
  model: string;
  messages: Message[];
  /** Merged params: model config params, then the prompt's front-matter config. */
  params: Record<string, unknown>;
  /** The prompt's tools; absent or empty: none are sent. */
  tools?: ToolDefinition[];
  /** The prompt's `toolChoice`; absent: the API's default. */
  toolChoice?: ToolChoice;
  /** Structured output to ask for (the prompt's `output.format: json` with `output.schema`). */
  responseSchema?: ResponseSchema;
}

/**
 * The built-in provider kinds a model's `provider` names (a function is a custom provider, kind
 * `custom`). The one list: the config schema's enum, its validation hint and the registry use it.
 */
export const PROVIDER_KINDS = ['openai', 'anthropic', 'replay'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
/** `Provider.kind` of a provider backed by a config function. */
export const CUSTOM_PROVIDER_KIND = 'custom';

/** The token counts of a call, in the order reports show them (in, out). */
export const TOKEN_USAGE_KEYS = ['inputTokens', 'outputTokens'] as const;
export type TokenUsage = Record<(typeof TOKEN_USAGE_KEYS)[number], number>;

export interface ProviderSuccess {
  ok: true;
  /** The answer's text: '' when the model only called tools, or refused. */
  output: string;
  /** The tool calls the model made, in order (absent or empty: none). */
  toolCalls?: ToolCall[];
  /**
   * The model refused (OpenAI `message.refusal` or a `content_filter` finish; Anthropic stop_reason
   * `refusal`): what it said. A refusal is an answer to grade (`is-refusal` passes on it, every
   * other grader sees the output text ''), not a provider error.
   */
  refusal?: string;
  /** The model version the API reported (the response's `model` field). */
  modelReported?: string;
  usage?: TokenUsage;
  /** `stop`, `length`, `refusal`, ... as reported. */
  finishReason?: string;
  /** Log probabilities of the output's tokens, in order, when the request asked for them (`logprobs: true`) and the API returned them. */
  logprobs?: number[];
}

/**
 * What a chat response body says, read as the API sent it and not yet judged (openai.ts
 * readChatCompletion, anthropic.ts readMessagesResponse): the runner's providers turn it into a
 * result (a truncated or empty answer is a failure there), traced() logs it as the app received it.
 */
export interface AnswerRead extends Omit<ProviderSuccess, 'ok' | 'output'> {
  /** The answer's text ('' on a refusal); absent when the response has none. */
  output?: string;
  /** Why the body is no answer at all (malformed, no choice); the other fields are what was read before it. */
  fault?: ProviderFailure;
}

/** An embeddings request: one text, for the model entry's embedding model. */
export interface EmbeddingRequest {
  /** The provider's model id (e.g. `text-embedding-3-small`). */
  model: string;
  input: string;
  /** `dimensions`, when the model entry's params set it. */
  params: Record<string, unknown>;
}

/** The embedding of one text. */
export interface EmbeddingSuccess {
  ok: true;
  vector: number[];
  modelReported?: string;
  usage?: TokenUsage;
}

export type EmbeddingResponse = EmbeddingSuccess | ProviderFailure;

/** A moderation request: one text, for the model entry's moderation model. */
export interface ModerationRequest {
  model: string;
  input: string;
}

/** A moderation endpoint's verdict on one text (OpenAI's `results[0]`). */
export interface ModerationSuccess {
  ok: true;
  flagged: boolean;
  /** Category → flagged, as the API reported them. */
  categories: Record<string, boolean>;
  /** Category → score 0..1. */
  scores: Record<string, number>;
  modelReported?: string;
}

export type ModerationResponse = ModerationSuccess | ProviderFailure;

/**
 * Why a call failed, the one list. `response_too_large` (the reply passed the model's
 * `maxResponseBytes`), `deadline_exceeded` (the attempts and retry waits would pass `maxCallMs`) and
 * `model_stopped` (not sent: the model entry was stopped after identical errors on its first calls)
 * and `batch_line_failed` / `batch_line_expired` (a batch line the Batch API failed or let expire:
 * retried, never graded) are promptgate's own: see PROMPTGATE_ERROR_CODES.
 */
export const PROVIDER_ERROR_CODES = [
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'malformed_response',
  'empty_response',
  'truncated',
  'refused',
  'client_error',
  'auth',
  'aborted',
  'replay_missing',
  'provider_error',
  'response_too_large',
  'deadline_exceeded',
  'model_stopped',
  'batch_line_failed',
  'batch_line_expired',
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

/** The codes promptgate assigns itself (limits it enforces, fail fast); a custom provider cannot return them. */
export const PROMPTGATE_ERROR_CODES = ['response_too_large', 'deadline_exceeded', 'model_stopped', 'batch_line_failed', 'batch_line_expired'] as const satisfies readonly ProviderErrorCode[];

export interface ProviderFailure {
  ok: false;
  error: {
    code: ProviderErrorCode;
    message: string;
    /** Whether the scheduler may try again. */
    retryable: boolean;
    /** From a Retry-After / retry-after-ms header. */
    retryAfterMs?: number;
    status?: number;
    /** The network error code of a `connection` failure (`ECONNREFUSED`, `ENOTFOUND`, ...). */
    netCode?: string;
  };
}

export type ProviderResult = ProviderSuccess | ProviderFailure;

/** One configured model, ready to call. Errors come back as values, never thrown. */
export interface Provider {
  /** The config's model name. */
  readonly name: string;
  readonly kind: string;
  /** The model id sent to the API. */
  readonly model: string;
  call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult>;
  /** The embeddings endpoint (OpenAI and compatible servers); absent when the provider has none. */
  embed?(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResponse>;
  /** The moderation endpoint (OpenAI); absent when the provider has none. */
  moderate?(request: ModerationRequest, signal: AbortSignal): Promise<ModerationResponse>;
  /** Optional: price per million tokens, when known. */
  price?: { inputPerMTok: number; outputPerMTok: number };
  /** The provider's Batch API (openai, anthropic); absent when it has none. */
  batch?: BatchTransport;
}

/** What a custom provider may return: the output text, or a result value (errors as values, never thrown). */
export type ProviderReply = string | ProviderSuccess | ProviderFailure;

/** What a custom provider's `call` gets besides the request. */
export interface ProviderCallContext {
  /** Fires when the call times out, passes `maxCallMs`, or the run is interrupted: stop and return. */
  signal: AbortSignal;
}

/** A custom provider given as a bare function in the config (keyed in the cache by its model entry and source text). */
export type ProviderFunction = (request: ProviderRequest, context: ProviderCallContext) => ProviderReply | Promise<ProviderReply>;

/**
 * A custom provider (`defineProvider`): a stable `id` and a `call`. The id names it in run records
 * (`custom:<id>`) and is part of every cache key, with the model entry and the source of `call`:
 * two providers with different ids never share cached answers. `call` returns the output text,
 * `{ok: true, output, usage?, modelReported?, finishReason?, logprobs?}` or `{ok: false, error: {code, message, retryable}}`;
 * a throw is a `provider_error` (not retried).
 */
export interface CustomProvider {
  /** Stable identity, e.g. `"acme-gateway"`: no whitespace. */
  readonly id: string;
  call(request: ProviderRequest, context: ProviderCallContext): ProviderReply | Promise<ProviderReply>;
  /** Optional: the provider's Batch API, for batch mode (`--batch`; docs/batch.md). */
  readonly batch?: BatchTransport;
}
