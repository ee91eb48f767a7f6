import type { ModelConfig } from '../config/types.js';
import { abortedFailure, providerFailure } from './failure.js';
import { isRecord } from './shape.js';
import { tokenUsageOf } from './usage.js';
import { CUSTOM_PROVIDER_KIND, PROMPTGATE_ERROR_CODES, PROVIDER_ERROR_CODES } from './types.js';
import type {
  CustomProvider, Provider, ProviderErrorCode, ProviderFunction, ProviderRequest, ProviderResult, ProviderSuccess, TokenUsage,
} from './types.js';

/** The codes a custom provider's failure may carry: every provider code but promptgate's own. */
const ERROR_CODES: ReadonlySet<string> = new Set<string>(PROVIDER_ERROR_CODES.filter((code) => !(PROMPTGATE_ERROR_CODES as readonly string[]).includes(code)));

/**
 * How run records and messages name a model entry's provider: its kind, `custom` for a bare
 * function, `custom:<id>` for a defineProvider one.
 */
export function providerLabel(provider: ModelConfig['provider']): string {
  if (typeof provider === 'function') return CUSTOM_PROVIDER_KIND;
  if (typeof provider === 'object' && provider !== null) return `${CUSTOM_PROVIDER_KIND}:${provider.id}`;
  return provider;
}

/**
 * A provider backed by the config: a defineProvider object (`{id, call}`) or a bare function. A
 * string result is the output; a `{ok: true, output}` or `{ok: false, error}` value passes through
 * once its shape is checked; a throw is a `provider_error` failure (not retryable), or `aborted`
 * when the signal fired.
 */
export function createCustomProvider(name: string, config: ModelConfig, custom: ProviderFunction | CustomProvider): Provider {
  const fn: ProviderFunction = typeof custom === 'function' ? custom : (request, context) => custom.call(request, context);
  return {
    name,
    kind: providerLabel(custom),
    model: config.model,
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      let value: unknown;
      try {
        // The user's function gets its own copies: the run's params and messages are shared by many calls.
        value = await fn({ ...request, params: { ...request.params }, messages: request.messages.map((m) => ({ ...m })) }, { signal });
      } catch (error) {
        if (signal.aborted) return abortedFailure(signal);
        const message = error instanceof Error ? error.message : String(error);
        return providerFailure('provider_error', `custom provider "${name}" threw: ${message}`, false);
      }
      return normalizeCustomResult(value, name);
    },
  };
}

/** Checks and copies what a custom provider returned (only known fields are kept). */
export function normalizeCustomResult(value: unknown, name: string): ProviderResult {
  if (typeof value === 'string') return { ok: true, output: value };
  const invalid = (why: string) =>
    providerFailure('provider_error', `custom provider "${name}" returned ${why}; expected a string, {ok: true, output} or {ok: false, error}`, false);
  if (!isRecord(value)) return invalid(describe(value));
  if (value.ok === true) {
    if (typeof value.output !== 'string') return invalid('{ok: true} without a string "output"');
    const result: ProviderSuccess = { ok: true, output: value.output };
    if (typeof value.modelReported === 'string') result.modelReported = value.modelReported;
    if (typeof value.finishReason === 'string') result.finishReason = value.finishReason;
    const usage = usageOf(value.usage);
    if (usage) result.usage = usage;
    // Token log probabilities (perplexity graders), when the provider gives them: finite numbers ≤ 0.
    if (Array.isArray(value.logprobs) && value.logprobs.length > 0 && value.logprobs.every((x) => typeof x === 'number' && Number.isFinite(x) && x <= 0)) {
      result.logprobs = [...(value.logprobs as number[])];
    }
    return result;
  }
  if (value.ok === false) {
    const error = value.error;
    if (!isRecord(error) || typeof error.message !== 'string') return invalid('{ok: false} without an error {code, message}');
    const code = typeof error.code === 'string' && ERROR_CODES.has(error.code) ? (error.code as ProviderErrorCode) : 'provider_error';
    const extra: { retryAfterMs?: number; status?: number } = {};
    if (typeof error.retryAfterMs === 'number' && error.retryAfterMs >= 0) extra.retryAfterMs = error.retryAfterMs;
    if (typeof error.status === 'number') extra.status = error.status;
    return providerFailure(code, error.message, error.retryable === true, extra);
  }
  return invalid('an object without "ok": true or false');
}

function usageOf(value: unknown): TokenUsage | undefined {
  return isRecord(value) ? tokenUsageOf(value.inputTokens, value.outputTokens) : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  // Not cut here: the whole message is scrubbed of keys first, then cut (scrub.ts).
  return `${typeof value} ${String(value)}`;
}
