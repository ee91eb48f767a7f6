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

/** A custom provider given as a function in the config. */
export type ProviderFunction = (request: ProviderRequest, context: { signal: AbortSignal }) =>
  | Promise<string | ProviderSuccess | ProviderFailure>
  | string
  | ProviderSuccess
  | ProviderFailure;
