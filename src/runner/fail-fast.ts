import type { ModelConfig } from '../config/types.js';
import { keyVariableOf } from '../providers/request-setup.js';
import type { ProviderFailure } from '../providers/types.js';
import type { CallGuard } from './schedule.js';

/** Identical errors on a model entry's first attempts (no success yet) that stop its work. */
export const FAIL_FAST_AFTER = 3;

/** Network codes that mean no call to this endpoint can work: nothing listens, or no such host. */
const DEAD_ENDPOINT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/** A model entry stopped: `message` is the one line that says which, why, and what to fix. */
export interface ModelStop {
  model: string;
  message: string;
}

/**
 * Fail fast on errors that hit every call: when a model entry's first attempts (before any success
 * on it) end FAIL_FAST_AFTER times with the same error of a kind that no retry fixes -- 401/403
 * (or a key variable that is unset), 404 (an unknown model or a wrong path), a refused connection or
 * an unknown host -- the entry is stopped: `onStop` is told once, and its remaining calls are not
 * sent but errored with `model_stopped` and the same message. Other entries are not affected, and
 * once an entry has had a success, its errors are ordinary case errors.
 */
export function createFailFast(models: Record<string, ModelConfig>, onStop: (stop: ModelStop) => void): CallGuard {
  const state = new Map<string, { succeeded: boolean; counts: Map<string, number>; stop?: ProviderFailure }>();
  const stateOf = (model: string) => {
    let entry = state.get(model);
    if (!entry) {
      entry = { succeeded: false, counts: new Map() };
      state.set(model, entry);
    }
    return entry;
  };
  return {
    stopped(model) {
      return state.get(model)?.stop;
    },
    observe(model, result) {
      const entry = stateOf(model);
      if (entry.stop || entry.succeeded) return;
      if (result.ok) {
        entry.succeeded = true;
        return;
      }
      const signature = signatureOf(result.error);
      if (!signature) return;
      const count = (entry.counts.get(signature) ?? 0) + 1;
      entry.counts.set(signature, count);
      if (count < FAIL_FAST_AFTER) return;
      const message = stopMessage(model, models[model], result.error, count);
      entry.stop = { ok: false, error: { code: 'model_stopped', message: `not sent: ${message}`, retryable: false } };
      onStop({ model, message });
    },
  };
}

/** Which kind of every-call error this is (same kind = identical), or undefined for any other error. */
function signatureOf(error: ProviderFailure['error']): string | undefined {
  if (error.code === 'auth') return `auth ${error.status ?? 'no key'}`;
  if (error.code === 'client_error' && error.status === 404) return 'not found';
  if (error.code === 'connection' && error.netCode && DEAD_ENDPOINT_CODES.has(error.netCode)) return error.netCode;
  return undefined;
}

/**
 * `model entry 'prod' (openai gpt-4o-mini at http://127.0.0.1:9/v1): connection refused on its first
 * 3 attempts -- is the server running? (baseURL). Its other calls are not sent.`
 */
export function stopMessage(name: string, config: ModelConfig | undefined, error: ProviderFailure['error'], count: number): string {
  const first = `on its first ${count} attempts`;
  const api = config && (config.provider === 'openai' || config.provider === 'anthropic') ? config.provider : undefined;
  let why: string;
  if (error.code === 'connection' && error.netCode === 'ECONNREFUSED') {
    why = `connection refused ${first} -- is the server running? (baseURL)`;
  } else if (error.code === 'connection') {
    why = `host not found (${error.netCode}) ${first} -- check the host name in baseURL`;
  } else if (error.code === 'client_error') {
    why = `404 ${first} (${serverSaid(error.message)}) -- does the server know the model id ${JSON.stringify(config?.model ?? '')} (model), and does baseURL end where the API's paths start (e.g. /v1)?`;
  } else if (error.status === undefined) {
    // No key to send: resolveApiKey's "<VARIABLE> is not set".
    why = `${error.message} ${first} -- export it, or name the variable that holds the key with apiKeyEnv`;
  } else {
    const variable = api && config ? keyVariableOf(config, api) : undefined;
    const fix = !api
      ? 'check the credentials the provider sends'
      : variable
        ? `check the key in ${variable} (${config?.apiKeyEnv ? 'apiKeyEnv' : 'the default; apiKeyEnv names another variable'})`
        : "this entry sends no API key (a custom baseURL without apiKeyEnv): set apiKeyEnv to the variable that holds the server's key";
    why = `${error.status} ${first} (${serverSaid(error.message)}): ${fix}`;
  }
  return `model entry '${name}' (${describeEntry(config)}): ${why}. Its other calls are not sent.`;
}

/** `openai gpt-4o-mini at http://127.0.0.1:9/v1` (user and password of the URL left out). */
export function describeEntry(config: ModelConfig | undefined): string {
  if (!config) return 'not configured';
  const kind = typeof config.provider === 'string' ? config.provider : `custom provider${typeof config.provider === 'object' ? ` ${config.provider.id}` : ''}`;
  return `${kind} ${config.model}${config.baseURL ? ` at ${displayURL(config.baseURL)}` : ''}`;
}

function displayURL(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url;
  }
}

/** The server's own words, short: `server said: "…"`. */
function serverSaid(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return `server said: ${JSON.stringify(flat.length > 120 ? `${flat.slice(0, 119)}…` : flat)}`;
}
