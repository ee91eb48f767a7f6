import type { ModelConfig } from '../config/types.js';
import type { Message } from '../prompts/types.js';
import { baseURLOf, keyVariableOf } from '../providers/request-setup.js';
import { sha256, stableStringify } from '../util/hash.js';

/**
 * Version of the request-key scheme, hashed into every key and naming the cache folder
 * (`<cache>/v<n>/`). Bump it whenever what a key covers changes: entries made under another
 * scheme are then never looked up, so they can never be misread.
 */
export const REQUEST_KEY_SCHEME = 2;

/**
 * Who answers the calls of one model entry: everything besides the request itself that decides the
 * answer. Made once per entry (routeOf); `text` is hashed into the key of each of its calls.
 */
export interface Route {
  /** `openai`, `anthropic`, `replay` or `custom`. */
  provider: string;
  /** The model entry's name in the config (`staging`, `prod`, ...). */
  entry: string;
  /** The normalised base URL the SDK sends to (its default when the config names none); null without one. */
  endpoint: string | null;
  /** Name of the environment variable the API key is read from (never its value); null without one. */
  apiKeyEnv: string | null;
  /** Custom provider: sha256 of the function's (or `call`'s) source text, so editing it changes its keys. */
  code?: string;
  /** Custom provider from defineProvider: its id, so two providers never share answers even when their code is the same. */
  id?: string;
  /** Replay: the recorded model whose fixture answers. */
  replayOf?: string;
  /** The fields above as stable JSON. */
  text: string;
}

/** What is sent: the request part of a key. */
export interface RequestContent {
  /** The model id sent to the API. */
  model: string;
  params: Record<string, unknown>;
  messages: Message[];
  /** Tool definitions sent with the request. Left out of the key when undefined (so keys of calls without tools are as before). */
  tools?: unknown;
  /** The tool choice sent. Left out when undefined. */
  toolChoice?: unknown;
  /** The structured output asked for. Left out when undefined. */
  responseSchema?: unknown;
  /** 0-based repeat index: each repeat is a call of its own. */
  repeat: number;
}

/**
 * The route of model entry `entry`, as the providers send it (providers/request-setup.ts): the
 * config's `baseURL`, else the API's own endpoint (environment variables never redirect calls), and
 * the key variable sent with it (none for a custom `baseURL` without `apiKeyEnv`). A custom
 * provider is keyed by its entry name, its id (defineProvider) and its function's source text.
 */
export function routeOf(entry: string, config: ModelConfig): Route {
  const kind = config.provider;
  let fields: Omit<Route, 'text'>;
  if (typeof kind === 'function') {
    fields = { provider: 'custom', entry, endpoint: null, apiKeyEnv: null, code: sha256(Function.prototype.toString.call(kind)) };
  } else if (typeof kind === 'object') {
    fields = { provider: 'custom', entry, endpoint: null, apiKeyEnv: null, id: kind.id, code: sha256(Function.prototype.toString.call(kind.call)) };
  } else if (kind === 'replay') {
    fields = { provider: 'replay', entry, endpoint: null, apiKeyEnv: null, replayOf: config.replayOf ?? entry };
  } else {
    fields = { provider: kind, entry, endpoint: normalizeBaseURL(baseURLOf(config, kind)), apiKeyEnv: keyVariableOf(config, kind) ?? null };
  }
  return { ...fields, text: stableStringify(fields) };
}

/** A route for a call made outside the runner (production logs): the provider kind, nothing else known. */
export function bareRoute(provider: string): Route {
  const fields = { provider, entry: '', endpoint: null, apiKeyEnv: null };
  return { ...fields, text: stableStringify(fields) };
}

/** routeOf for each entry of `models`, made on first use. */
export function createRoutes(models: Record<string, ModelConfig>): (entry: string) => Route {
  const made = new Map<string, Route>();
  return (entry) => {
    let route = made.get(entry);
    if (!route) {
      route = routeOf(entry, models[entry]);
      made.set(entry, route);
    }
    return route;
  };
}

/**
 * A base URL as one string per server: scheme and host lower-cased, the scheme's default port and
 * any user name or password dropped, trailing slashes removed. Path and query are kept (they select
 * the API). Text that is not a URL is kept as given, minus trailing slashes.
 */
export function normalizeBaseURL(url: string): string {
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return trimmed.replace(/\/+$/, '');
  }
  // URL lower-cases scheme and host and drops default ports (http 80, https 443) itself.
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.protocol}//${parsed.host}${path}${parsed.search}`;
}

/**
 * Content address of a call: sha256 over the key scheme, the route (who answers) and the request
 * (model id, params, messages, tools, repeat). Runs once per call: the route's JSON is made once per
 * model entry, and the request is written by the direct sorted-key JSON writer.
 */
export function requestKeyOf(route: Route, request: RequestContent): string {
  return sha256(`promptgate-request/v${REQUEST_KEY_SCHEME}\n${route.text}\n${stableStringify(request)}`);
}

/** What is sent to an embeddings or moderation endpoint: the model id, the one text, and params (`dimensions`). */
export interface EndpointRequest {
  model: string;
  input: string;
  params?: Record<string, unknown>;
}

/**
 * Content address of an embeddings or moderation call: sha256 over the key scheme, the endpoint,
 * the route (who answers) and the request. Its own prefix per endpoint, so it can never equal a
 * chat call's key, nor an embedding's a moderation's.
 */
export function endpointKeyOf(endpoint: 'embeddings' | 'moderations', route: Route, request: EndpointRequest): string {
  return sha256(`promptgate-${endpoint}/v${REQUEST_KEY_SCHEME}\n${route.text}\n${stableStringify(request)}`);
}
