import type { ProviderErrorCode, ProviderFailure } from './types.js';

/** Longest error message a provider returns; API error bodies can be large. */
const MAX_MESSAGE_LENGTH = 500;

/** Builds a failure value (providers return these, never throw). */
export function providerFailure(
  code: ProviderErrorCode,
  message: string,
  retryable: boolean,
  extra: { retryAfterMs?: number; status?: number } = {},
): ProviderFailure {
  const error: ProviderFailure['error'] = { code, message: truncate(message), retryable };
  if (extra.retryAfterMs !== undefined) error.retryAfterMs = extra.retryAfterMs;
  if (extra.status !== undefined) error.status = extra.status;
  return { ok: false, error };
}

/**
 * Replaces every occurrence of each secret in `text` with `***`. Secrets shorter than 8 characters
 * are left alone: placeholders such as `not-needed` are no secrets, and scrubbing short strings
 * would mangle ordinary words.
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join('***');
  }
  return out;
}

/** The first `max` characters of `text`, with an ellipsis when cut. */
export function truncate(text: string, max = MAX_MESSAGE_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The abort reason of `signal` as text, for error messages. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.message) return reason.message;
  if (typeof reason === 'string' && reason) return reason;
  return 'the request was aborted';
}

/** The failure for a call whose signal fired: not retryable here, the scheduler decides. */
export function abortedFailure(signal: AbortSignal): ProviderFailure {
  return providerFailure('aborted', `aborted: ${abortReason(signal)}`, false);
}
