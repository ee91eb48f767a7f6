import { providerFailure } from './failure.js';
import type { ProviderFailure } from './types.js';
import type { ModelConfig } from '../config/types.js';

/** The key sent to a local server (`baseURL` set) when its environment variable is unset. */
export const PLACEHOLDER_API_KEY = 'not-needed';

/**
 * The API key for a model, from `env[config.apiKeyEnv ?? defaultEnv]` only. With no key: the
 * placeholder when a `baseURL` is set (local servers need none), else an `auth` failure that
 * names the variable.
 */
export function resolveApiKey(
  config: Pick<ModelConfig, 'apiKeyEnv' | 'baseURL'>,
  defaultEnv: string,
  env: NodeJS.ProcessEnv,
): { key: string } | ProviderFailure {
  const name = config.apiKeyEnv ?? defaultEnv;
  const value = env[name];
  if (value) return { key: value };
  if (config.baseURL) return { key: PLACEHOLDER_API_KEY };
  return providerFailure('auth', `${name} is not set`, false);
}

/**
 * Dotprompt's provider-neutral config names (`maxOutputTokens`, `topP`, `topK`, `stopSequences`)
 * translated to the API's own; a name the API already uses is kept as given and wins.
 * `topK` is dropped for OpenAI, which has no such parameter.
 */
export function translateParams(params: Record<string, unknown>, api: 'openai' | 'anthropic'): Record<string, unknown> {
  // A suite's calls share one params object: translate it once.
  const cache = translated[api];
  let out = cache.get(params);
  if (!out) cache.set(params, (out = translate(params, api)));
  return out;
}

const translated = { openai: new WeakMap<object, Record<string, unknown>>(), anthropic: new WeakMap<object, Record<string, unknown>>() };

function translate(params: Record<string, unknown>, api: 'openai' | 'anthropic'): Record<string, unknown> {
  const names: Record<string, string | null> =
    api === 'openai'
      ? { maxOutputTokens: 'max_tokens', topP: 'top_p', topK: null, stopSequences: 'stop' }
      : { maxOutputTokens: 'max_tokens', topP: 'top_p', topK: 'top_k', stopSequences: 'stop_sequences' };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!(key in names)) out[key] = value;
  }
  for (const [key, target] of Object.entries(names)) {
    if (target && key in params && !(target in params)) out[target] = params[key];
  }
  return out;
}

/**
 * The SDK's own timeout, set far beyond any per-call timeout: the scheduler's abort signal is the
 * real limit. Setting it also keeps the Anthropic SDK from refusing large `max_tokens` values
 * without streaming (it computes an expected duration only when no timeout is configured).
 */
export const SDK_TIMEOUT_MS = 24 * 60 * 60 * 1000;
