import type { BatchTransport } from '../batch/types.js';
import type { ModelConfig } from '../config/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
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
  // A defineProvider object may bring its own Batch API (a BatchTransport as `batch`: docs/batch.md).
  const batch = typeof custom === 'object' && isBatchTransport(custom.batch) ? custom.batch : undefined;
  return {
    name,
    kind: providerLabel(custom),
    model: config.model,
    ...(batch ? { batch } : {}),
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      let value: unknown;
      try {
        value = await fn(copyOf(request), { signal });
      } catch (error) {
        if (signal.aborted) return abortedFailure(signal);
        const message = error instanceof Error ? error.message : String(error);
        return providerFailure('provider_error', `custom provider "${name}" threw: ${message}`, false);
      }
      return normalizeCustomResult(value, name);
    },
  };
}

function isBatchTransport(value: unknown): value is BatchTransport {
  return isRecord(value) && ['submit', 'poll', 'results', 'lineBytes'].every((key) => typeof value[key] === 'function') && isRecord(value.limits);
}

/** The request a custom provider is given: its own copy (the run's params, messages and tools are shared by many calls). */
function copyOf(request: ProviderRequest): ProviderRequest {
  const copy: ProviderRequest = {
    ...request,
    params: { ...request.params },
    messages: request.messages.map((m) => (m.toolCalls ? { ...m, toolCalls: structuredClone(m.toolCalls) } : { ...m })),
  };
  if (request.tools) copy.tools = structuredClone(request.tools);
  if (request.toolChoice !== undefined) copy.toolChoice = structuredClone(request.toolChoice);
  if (request.responseSchema) copy.responseSchema = structuredClone(request.responseSchema);
  return copy;
}

/** Checks and copies what a custom provider returned (only known fields are kept). */
export function normalizeCustomResult(value: unknown, name: string): ProviderResult {
  if (typeof value === 'string') return { ok: true, output: value };
  const invalid = (why: string) =>
    providerFailure('provider_error', `custom provider "${name}" returned ${why}; expected a string, {ok: true, output, toolCalls?, refusal?} or {ok: false, error}`, false);
  if (!isRecord(value)) return invalid(describe(value));
  if (value.ok === true) {
    if (typeof value.output !== 'string') return invalid('{ok: true} without a string "output"');
    const result: ProviderSuccess = { ok: true, output: value.output };
    if (value.toolCalls !== undefined) {
      const toolCalls = toolCallsOf(value.toolCalls);
      if (typeof toolCalls === 'string') return invalid(toolCalls);
      if (toolCalls.length > 0) result.toolCalls = toolCalls;
    }
    if (value.refusal !== undefined) {
      if (typeof value.refusal !== 'string' || value.refusal === '') return invalid('a "refusal" that is not a non-empty string');
      if (value.output !== '') return invalid('a "refusal" with a non-empty "output" (a refusal\'s output is "")');
      result.refusal = value.refusal;
    }
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

/**
 * A custom provider's `toolCalls`: `{id, name, rawArguments}` (the text the model sent) or `{id,
 * name, arguments}` (an object, kept as its JSON text); the arguments are parsed here by
 * parseToolArguments, whatever `arguments` / `argumentsError` the provider set. A malformed list is
 * described (the call is a provider_error: never graded as an answer without its calls).
 */
function toolCallsOf(value: unknown): ToolCall[] | string {
  if (!Array.isArray(value)) return 'a "toolCalls" that is not an array';
  const calls: ToolCall[] = [];
  for (const [index, item] of value.entries()) {
    const at = `a toolCalls[${index}]`;
    if (!isRecord(item)) return `${at} that is not an object {id, name, rawArguments}`;
    if (typeof item.id !== 'string') return `${at} without a string "id"`;
    if (typeof item.name !== 'string' || item.name === '') return `${at} without a non-empty string "name"`;
    let raw: string;
    if (typeof item.rawArguments === 'string') raw = item.rawArguments;
    else if (item.rawArguments !== undefined) return `${at} with a "rawArguments" that is not a string`;
    else if (isRecord(item.arguments)) raw = JSON.stringify(item.arguments);
    else return `${at} without "rawArguments" (a string) or "arguments" (an object)`;
    calls.push({ id: item.id, name: item.name, rawArguments: raw, ...parseToolArguments(raw) });
  }
  return calls;
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
