import { abortedFailure, providerFailure, scrubSecrets } from './failure.js';
import { parseRetryAfter } from './retry-after.js';
import type { ProviderFailure } from './types.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error classes of an SDK module (`openai` and `@anthropic-ai/sdk` export the same names). */
export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIUserAbortError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
}

export interface SdkErrorContext {
  /** `OpenAI` or `Anthropic`, the start of every message. */
  label: string;
  signal: AbortSignal;
  classes: SdkErrorClasses;
  /** Values scrubbed from every message (the API key). */
  secrets: ReadonlyArray<string | undefined>;
}

/** Network-level error codes (node and undici) that mean the connection broke: worth a retry. */
const CONNECTION_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Maps whatever an SDK call threw to a failure value. The order matters: an aborted signal wins
 * over everything (the SDK may surface the abort as a connection or body error).
 */
export function mapSdkError(error: unknown, context: SdkErrorContext): ProviderFailure {
  const { label, signal, classes } = context;
  const scrub = (text: string) => scrubSecrets(text, context.secrets);
  if (signal.aborted || error instanceof classes.APIUserAbortError) return abortedFailure(signal);
  // Before the connection errors the SDK wraps it in: a reply too large is no network fault to retry.
  const tooLarge = findCause(error, (cause) => (cause as { code?: unknown }).code === 'PROMPTGATE_RESPONSE_TOO_LARGE');
  if (tooLarge) return providerFailure('response_too_large', `${label}: ${(tooLarge as Error).message}`, false);
  if (error instanceof classes.APIConnectionTimeoutError) {
    return providerFailure('timeout', `${label}: request timed out`, true);
  }
  if (error instanceof classes.APIConnectionError) {
    return providerFailure('connection', scrub(`${label}: connection failed: ${describeCause(error)}`), true, netCodeOf(error));
  }
  if (error instanceof classes.APIError) return mapStatusError(error as ApiErrorLike, label, scrub);
  if (error instanceof SyntaxError) {
    return providerFailure('malformed_response', scrub(`${label}: response body is not valid JSON: ${error.message}`), true);
  }
  const code = connectionCode(error);
  if (code) return providerFailure('connection', scrub(`${label}: connection broke (${code})`), true, netCodeOf(error));
  const message = error instanceof Error ? error.message : String(error);
  return providerFailure('provider_error', scrub(`${label}: ${message}`), false);
}

interface ApiErrorLike extends Error {
  status?: number;
  headers?: { get(name: string): string | null };
  error?: unknown;
}

function mapStatusError(error: ApiErrorLike, label: string, scrub: (text: string) => string): ProviderFailure {
  const status = error.status;
  if (status === undefined) return providerFailure('provider_error', scrub(`${label}: ${apiMessage(error)}`), false);
  const detail = scrub(`${label} API ${status}: ${apiMessage(error)}`);
  const retryAfterMs = parseRetryAfter(error.headers);
  const extra = { status, retryAfterMs };
  if (status === 429) return providerFailure('rate_limited', detail, true, extra);
  if (status >= 500) return providerFailure('server_error', detail, true, extra);
  if (status === 401 || status === 403) return providerFailure('auth', detail, false, { status });
  if (status === 408) return providerFailure('timeout', detail, true, extra);
  return providerFailure('client_error', detail, false, { status });
}

/** The API's own message: OpenAI `{error: {message}}` is unwrapped by the SDK, Anthropic's is not. */
function apiMessage(error: ApiErrorLike): string {
  const body = error.error as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = body?.error?.message ?? body?.message;
  if (typeof message === 'string' && message) return message;
  return error.message.replace(/^\d{3}\s+/, '') || 'no error body';
}

function describeCause(error: Error): string {
  const code = connectionCode(error);
  const cause = (error as { cause?: unknown }).cause;
  const causeMessage = cause instanceof Error ? cause.message : '';
  return [error.message, causeMessage, code ? `(${code})` : ''].filter(Boolean).join(' ');
}

/** The first error in `error`'s cause chain that `test` accepts. */
function findCause(error: unknown, test: (cause: object) => boolean): object | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    if (test(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `{ netCode }` when the cause chain names a network error code (fail-fast tells `ECONNREFUSED` from a reset). */
function netCodeOf(error: unknown): { netCode?: string } {
  const code = connectionCode(error);
  return code && code !== 'terminated' ? { netCode: code } : {};
}

/** A network error code somewhere in the cause chain, or `terminated` (undici's reset body). */
function connectionCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    if (current instanceof TypeError && current.message === 'terminated') return 'terminated';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
