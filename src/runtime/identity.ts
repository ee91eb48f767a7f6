import type { Message, PromptFile } from '../prompts/types.js';

/**
 * Which prompt version made a request. `.openai(vars)` / `.anthropic(vars)` put it on the params
 * under an enumerable symbol key: object spread copies enumerable symbol keys, so it survives
 * `{ ...prompt.openai(vars), model }`, and JSON.stringify skips symbol keys, so no API ever sees
 * it. `traced()` reads it and also strips it before calling the SDK.
 */
export const PROMPT_IDENTITY: unique symbol = Symbol.for('promptgate.prompt');

export interface PromptIdentity {
  id: string;
  version: string;
  hash: string;
  /** The file, relative to the project root with `/`. */
  path: string;
  /** The registry label the version was served from (`loadPrompts({ store })`); absent for a prompt file. */
  label?: string;
  /** The registry store it came from (its URL, credentials removed); absent for a prompt file. */
  store?: string;
  /** The variables the prompt was rendered with (not enumerable: kept out of console.log). */
  readonly vars: Record<string, unknown>;
  /** The parsed prompt version (not enumerable). */
  readonly prompt: PromptFile;
  /** The messages the prompt rendered for `vars` (not enumerable): what tells a logged conversation apart. */
  readonly messages?: readonly Message[];
}

/** An identity as a log record needs it: the version fields, and the prompt and vars when known. */
export type IdentityRef = Pick<PromptIdentity, 'id' | 'version' | 'hash'> & Partial<Pick<PromptIdentity, 'path' | 'label' | 'store' | 'vars' | 'prompt' | 'messages'>>;

/** Where a served version came from, when it came from a registry label. */
export interface PromptOrigin {
  label: string;
  store: string;
}

/** Rendered message arrays → their identity, for `logCall({ messages })`. */
const renderedBy = new WeakMap<object, PromptIdentity>();

/**
 * The identity of `prompt` rendered with `vars` (served from `origin`, a registry label, if given)
 * into `messages`.
 */
export function createIdentity(prompt: PromptFile, vars: Record<string, unknown>, origin?: PromptOrigin, messages?: readonly Message[]): PromptIdentity {
  const identity = { id: prompt.id, version: prompt.version, hash: prompt.hash, path: prompt.path } as PromptIdentity;
  if (origin) {
    identity.label = origin.label;
    identity.store = origin.store;
  }
  Object.defineProperty(identity, 'vars', { value: vars, enumerable: false });
  Object.defineProperty(identity, 'prompt', { value: prompt, enumerable: false });
  if (messages) Object.defineProperty(identity, 'messages', { value: messages, enumerable: false });
  return Object.freeze(identity);
}

/** Remembers that `messages` (a render result) came from `identity`. */
export function markRendered(messages: Message[], identity: PromptIdentity): Message[] {
  renderedBy.set(messages, identity);
  return messages;
}

/** The identity carried by request params or a rendered message array, if any. */
export function identityOf(value: unknown): PromptIdentity | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fromMap = renderedBy.get(value);
  if (fromMap) return fromMap;
  const carried = (value as { [PROMPT_IDENTITY]?: unknown })[PROMPT_IDENTITY];
  return isIdentity(carried) ? carried : undefined;
}

/** `params` without the identity key (the same object when it has none). */
export function withoutIdentity<T extends object>(params: T): T {
  if (!Object.hasOwn(params, PROMPT_IDENTITY)) return params;
  const { [PROMPT_IDENTITY]: _identity, ...rest } = params as T & { [PROMPT_IDENTITY]?: unknown };
  return rest as T;
}

function isIdentity(value: unknown): value is PromptIdentity {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.version === 'string' && typeof v.hash === 'string';
}
