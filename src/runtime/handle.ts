import { inputError, isPromptgateError } from '../errors.js';
import { renderPrompt } from '../prompts/render.js';
import type { Message, PromptFile, TemplateRole } from '../prompts/types.js';
import { buildMessagesBody } from '../providers/anthropic-request.js';
import { buildChatBody } from '../providers/openai-request.js';
import type { ProviderRequest } from '../providers/types.js';
import { requestExtrasOf } from '../tools/request.js';
import { createIdentity, markRendered, PROMPT_IDENTITY, type PromptIdentity, type PromptOrigin } from './identity.js';

/** Variables for a prompt's template (strict: each variable the template reads must be defined). */
export type PromptVars = Record<string, unknown>;

/** Chat Completions params (`client.chat.completions.create`), carrying the prompt's identity. */
export interface OpenAIParams {
  /** The front matter's `model`, when it has one; set your own to override it. */
  model?: string;
  messages: Array<{ role: TemplateRole; content: string }>;
  /** The front matter's `tools`: `[{type: 'function', function: {name, description, parameters}}]`. */
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters: Record<string, unknown> } }>;
  /** The front matter's `toolChoice`: `auto`, `none`, `required` or `{type: 'function', function: {name}}`. */
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  /** `output.format: json` with `output.schema`: `{type: 'json_schema', json_schema: {name, schema, strict}}`. */
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } };
  /** The front matter's `config`, in the API's names (`maxOutputTokens` → `max_tokens`, ...). */
  [param: string]: unknown;
  [PROMPT_IDENTITY]: PromptIdentity;
}

/** Messages API params (`client.messages.create`): system messages joined into `system`. */
export interface AnthropicParams {
  model?: string;
  system?: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  /** From the front matter's config, else 1024 (the API requires it). */
  max_tokens: number;
  /**
   * The front matter's `tools` (`[{name, description, input_schema}]`), and with `output.schema` the
   * answer tool: a tool named as the schema whose input is the answer (see docs/runtime.md).
   */
  tools?: Array<{ name: string; description?: string; input_schema: { type: 'object'; [key: string]: unknown } }>;
  /** The front matter's `toolChoice` (`{type: 'auto' | 'any' | 'none'}` / `{type: 'tool', name}`), or the answer tool forced. */
  tool_choice?: { type: 'auto' | 'any' | 'none' } | { type: 'tool'; name: string };
  [param: string]: unknown;
  [PROMPT_IDENTITY]: PromptIdentity;
}

/**
 * One prompt as the app sees it. The handle is live: with `watch: true` its fields and methods
 * serve the newest good version of the file, so it can be kept for the app's lifetime. Each
 * `render` / `openai` / `anthropic` result names the exact version it was made from.
 */
export interface PromptHandle {
  readonly id: string;
  readonly version: string;
  /** First 12 hex digits of the file's content hash. */
  readonly hash: string;
  /** The file, relative to the project root with `/` (from a store: the path it was published from). */
  readonly path: string;
  /** The registry label the version being served came from (`loadPrompts({ store })`); undefined for a prompt file. */
  readonly label: string | undefined;
  /** The registry store it came from (URL without credentials); undefined for a prompt file. */
  readonly store: string | undefined;
  /** The front matter's `model` (a model name of the eval config), if any. */
  readonly model: string | undefined;
  /** The front matter's `config` (model params as written). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The variables the template reads. */
  readonly variables: readonly string[];
  /** Provider-neutral messages. Throws VARS_INVALID for a missing variable. */
  render(vars: PromptVars): Message[];
  /** Params for `openai`'s `client.chat.completions.create`. */
  openai(vars: PromptVars): OpenAIParams;
  /** Params for `@anthropic-ai/sdk`'s `client.messages.create` (`system` apart). */
  anthropic(vars: PromptVars): AnthropicParams;
}

/** A registry's lookups over the prompts in service (PromptRegistry without its source fields). */
export interface PromptLookup {
  get(id: string): PromptHandle;
  has(id: string): boolean;
  ids(): string[];
}

/**
 * get / has / ids over `entries` (the live map of what is in service, updated in place): one live
 * handle per id, made on its first `get`. An unknown id is FILE_MISSING, worded by `missing` from
 * the ids in service. `read` gets an entry's prompt (and the registry label it came from).
 */
export function promptLookup<T>(
  entries: ReadonlyMap<string, T>,
  read: { prompt: (entry: T) => PromptFile; origin?: (entry: T) => PromptOrigin | undefined },
  missing: (id: string, known: string[]) => string,
): PromptLookup {
  const handles = new Map<string, PromptHandle>();
  const origin = read.origin;
  return {
    get(id) {
      const handle = handles.get(id);
      if (handle) return handle;
      if (typeof id !== 'string' || !entries.has(id)) throw inputError('FILE_MISSING', missing(id, [...entries.keys()].sort()));
      const created = createPromptHandle(id, () => read.prompt(entries.get(id)!), origin && (() => origin(entries.get(id)!)));
      handles.set(id, created);
      return created;
    },
    has: (id) => entries.has(id),
    ids: () => [...entries.keys()].sort(),
  };
}

/**
 * A live handle on prompt `id`; `current()` returns the version being served and `origin()` the
 * registry label it came from (none for a prompt file).
 */
export function createPromptHandle(id: string, current: () => PromptFile, origin: () => PromptOrigin | undefined = () => undefined): PromptHandle {
  return {
    id,
    get version() { return current().version; },
    get hash() { return current().hash; },
    get path() { return current().path; },
    get label() { return origin()?.label; },
    get store() { return origin()?.store; },
    get model() { return current().model; },
    get config() { return current().config; },
    get variables() { return current().variables; },
    render(vars) {
      const prompt = current();
      const messages = renderRuntime(prompt, vars);
      return markRendered(messages, createIdentity(prompt, vars, origin(), snapshot(messages)));
    },
    openai(vars) {
      const prompt = current();
      const messages = renderRuntime(prompt, vars);
      const params = sdkParamsOf(buildChatBody(providerRequestOf(prompt, messages), ''));
      return { ...params, [PROMPT_IDENTITY]: createIdentity(prompt, vars, origin(), snapshot(messages)) } as OpenAIParams;
    },
    anthropic(vars) {
      const prompt = current();
      const messages = renderRuntime(prompt, vars);
      const params = sdkParamsOf(buildMessagesBody(providerRequestOf(prompt, messages), ''));
      return { ...params, [PROMPT_IDENTITY]: createIdentity(prompt, vars, origin(), snapshot(messages)) } as AnthropicParams;
    },
  };
}

/**
 * The request the runner's providers would send for a prompt's rendered messages: its config as
 * params, its tools, tool choice and structured output (the same builders make the SDK params, so
 * production sends what the evals send).
 */
function providerRequestOf(prompt: PromptFile, messages: Message[]): ProviderRequest {
  return { model: prompt.model ?? '', messages, params: prompt.config, ...requestExtrasOf(prompt) };
}

/** A provider's request body as SDK params: no `stream` (the app's call decides), no `model` when the prompt names none. */
function sdkParamsOf(body: Record<string, unknown>): Record<string, unknown> {
  delete body.stream;
  if (!body.model) delete body.model;
  return body;
}

/** A frozen copy of rendered messages: the caller may change the array it was given. */
function snapshot(messages: Message[]): readonly Message[] {
  return Object.freeze(messages.map((message) => Object.freeze({ ...message })));
}

/**
 * renderPrompt with runtime errors: VARS_INVALID naming the prompt version and the variables
 * (the runner's CASE_INVALID speaks of case files, which an app does not have).
 */
export function renderRuntime(prompt: PromptFile, vars: PromptVars): Message[] {
  const label = `${prompt.id}@${prompt.version} (${prompt.path})`;
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw inputError('VARS_INVALID', `${label}: variables must be an object of name → value`);
  }
  // A Nunjucks prompt checks its variables as it renders (one only tested by `{% if %}` may be missing).
  const missing = prompt.templateEngine === 'nunjucks' ? [] : prompt.variables.filter((name) => vars[name] === undefined);
  if (missing.length > 0) {
    const names = missing.map((name) => `'${name}'`).join(', ');
    throw inputError('VARS_INVALID', `${label}: missing variable${missing.length > 1 ? 's' : ''} ${names}`, undefined, `it reads ${prompt.variables.map((v) => `'${v}'`).join(', ')}`);
  }
  try {
    return renderPrompt(prompt, vars, { file: prompt.path, line: 0 });
  } catch (error) {
    if (!isPromptgateError(error)) throw error;
    throw inputError('VARS_INVALID', `${label}: ${error.message}`);
  }
}
