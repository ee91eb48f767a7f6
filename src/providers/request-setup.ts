import { providerFailure } from './failure.js';
import type { ProviderFailure } from './types.js';
import type { ModelConfig } from '../config/types.js';

/** The key the SDKs are built with when no key is sent; the header carrying it is removed (http-fetch.ts). */
export const PLACEHOLDER_API_KEY = 'not-needed';

/** The variable each API's own endpoint reads its key from when a model names none. */
export const DEFAULT_KEY_ENV = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' } as const;

/** The APIs' own endpoints (origins): a `baseURL` on one of them is no custom server. */
const DEFAULT_ORIGINS = { openai: 'https://api.openai.com', anthropic: 'https://api.anthropic.com' } as const;

export type KeyedApi = keyof typeof DEFAULT_KEY_ENV;

/** The APIs' own base URLs, as their SDKs default to. */
export const DEFAULT_BASE_URLS = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;

/**
 * The base URL an SDK client is built with: the config's, else the API's own, given explicitly so
 * the SDKs never read OPENAI_BASE_URL / ANTHROPIC_BASE_URL from the environment: calls (and the
 * default key) go where the config says, and nowhere an environment variable redirects them.
 */
export function baseURLOf(config: Pick<ModelConfig, 'baseURL'>, api: KeyedApi): string {
  return config.baseURL ?? DEFAULT_BASE_URLS[api];
}

/** Whether `baseURL` is unset or on the API's own origin (https://api.openai.com, https://api.anthropic.com). */
export function isDefaultEndpoint(baseURL: string | undefined, api: KeyedApi): boolean {
  if (!baseURL) return true;
  try {
    return new URL(baseURL).origin === DEFAULT_ORIGINS[api];
  } catch {
    return false;
  }
}

/**
 * The environment variable a model entry's API key comes from: `apiKeyEnv`, else the API's default
 * variable on the API's own endpoint. Undefined for a custom `baseURL` without `apiKeyEnv`: such an
 * entry sends no key at all, so a default key never goes to a host the user did not name it for.
 */
export function keyVariableOf(config: Pick<ModelConfig, 'apiKeyEnv' | 'baseURL'>, api: KeyedApi): string | undefined {
  if (config.apiKeyEnv) return config.apiKeyEnv;
  return isDefaultEndpoint(config.baseURL, api) ? DEFAULT_KEY_ENV[api] : undefined;
}

/**
 * The API key for a model (see keyVariableOf), or undefined when none is sent: a custom `baseURL`
 * without `apiKeyEnv`, or whose `apiKeyEnv` is unset (local servers need none). On the API's own
 * endpoint an unset variable is an `auth` failure naming it.
 */
export function resolveApiKey(
  config: Pick<ModelConfig, 'apiKeyEnv' | 'baseURL'>,
  api: KeyedApi,
  env: NodeJS.ProcessEnv,
): { key: string | undefined } | ProviderFailure {
  const name = keyVariableOf(config, api);
  if (name === undefined) return { key: undefined };
  const value = env[name];
  if (value) return { key: value };
  if (!isDefaultEndpoint(config.baseURL, api)) return { key: undefined };
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
  if (!out) {
    out = translate(params, api);
    cache.set(params, out);
  }
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
