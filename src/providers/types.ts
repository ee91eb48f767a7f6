import type { Message } from '../prompts/types.js';

export interface ProviderRequest {
  /** The provider's model id (e.g. `gpt-4o-mini`), not the config's model name. */
  model: string;
  messages: Message[];
  /** Merged params: model config params, then the prompt's front-matter config. */
  params: Record<string, unknown>;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ProviderSuccess {
  ok: true;
  output: string;
  /** The model version the API reported (the response's `model` field). */
  modelReported?: string;
  usage?: TokenUsage;
  /** `stop`, `length`, `refusal`, ... as reported. */
  finishReason?: string;
}

export type ProviderErrorCode =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'malformed_response'
  | 'empty_response'
  | 'truncated'
  | 'refused'
  | 'client_error'
  | 'auth'
  | 'aborted'
  | 'replay_missing'
  | 'provider_error'
  /** The reply (after decompression) was larger than the model's `maxResponseBytes`. */
  | 'response_too_large'
  /** The call's attempts and retry waits would pass the model's `maxCallMs`. */
  | 'deadline_exceeded'
  /** Not sent: the model entry was stopped after identical errors on its first calls (fail fast). */
  | 'model_stopped';

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
  /** Optional: price per million tokens, when known. */
  price?: { inputPerMTok: number; outputPerMTok: number };
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
 * `{ok: true, output, usage?, modelReported?, finishReason?}` or `{ok: false, error: {code, message, retryable}}`;
 * a throw is a `provider_error` (not retried).
 */
export interface CustomProvider {
  /** Stable identity, e.g. `"acme-gateway"`: no whitespace. */
  readonly id: string;
  call(request: ProviderRequest, context: ProviderCallContext): ProviderReply | Promise<ProviderReply>;
}
