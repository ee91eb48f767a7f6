import { randomBytes } from 'node:crypto';
import type Handlebars from 'handlebars';
import { loadHandlebars } from './lazy.js';
import { setBounded } from '../util/bounded-cache.js';
import type { Message } from './types.js';

/**
 * The Handlebars environment prompts render in: an isolated instance with Dotprompt's helpers.
 * Role markers carry a per-process nonce, so a variable value that looks like a marker cannot
 * split or re-role messages (case data is untrusted).
 */
const NONCE = randomBytes(8).toString('hex');
const MARKER_OPEN = `\u0000pg-role-${NONCE}:`;
const MARKER_CLOSE = '\u0000';
/** `{{history}}` (Dotprompt): where a case's conversation goes (see splitRendered). */
const HISTORY_MARKER = `\u0000pg-history-${NONCE}\u0000`;
const MARKER_PATTERN = new RegExp(`\u0000pg-role-${NONCE}:([^\u0000]*)\u0000|\u0000pg-history-${NONCE}\u0000`, 'g');

/** Role names a `{{role}}` marker accepts; Dotprompt's `model` is the assistant. */
const ROLE_NAMES: Record<string, Message['role']> = { system: 'system', user: 'user', assistant: 'assistant', model: 'assistant' };

/** Names the template may call that are helpers, never variables. */
export const HELPER_NAMES: ReadonlySet<string> = new Set([
  'if', 'unless', 'each', 'with', 'lookup', 'log',
  'role', 'json', 'ifEquals', 'unlessEquals', 'media', 'history', 'section',
]);

/** Block helpers whose main block runs in a new context (names inside refer to it, not to the root). */
export const CONTEXT_BLOCK_HELPERS: ReadonlySet<string> = new Set(['each', 'with']);

/** The role a `{{role "x"}}` name stands for, or undefined when it is not one. */
export function roleOf(name: string): Message['role'] | undefined {
  return Object.hasOwn(ROLE_NAMES, name) ? ROLE_NAMES[name] : undefined;
}

/** The marker `{{role "x"}}` (Handlebars) or `{{ role("x") }}` (Nunjucks) renders; splitMessages splits at it. */
export function roleMarker(name: unknown): string {
  const role = typeof name === 'string' ? roleOf(name) : undefined;
  if (!role) throw new TemplateRenderError(`unknown role ${JSON.stringify(name)} (use "system", "user" or "assistant")`);
  return `${MARKER_OPEN}${role}${MARKER_CLOSE}`;
}

/** Thrown by helpers at render time (a bad dynamic role); the renderer reports it for the case. */
export class TemplateRenderError extends Error {}

type HelperOptions = Handlebars.HelperOptions;

function createEnvironment(): typeof Handlebars {
  const env = loadHandlebars().create();
  env.registerHelper('role', (name: unknown) => roleMarker(name));
  env.registerHelper('json', (value: unknown, options: HelperOptions) => {
    const indent = Number(options?.hash?.indent) || 0;
    return JSON.stringify(value, null, indent) ?? '';
  });
  env.registerHelper('ifEquals', function (this: unknown, a: unknown, b: unknown, options: HelperOptions) {
    return a === b ? options.fn(this) : options.inverse(this);
  });
  env.registerHelper('unlessEquals', function (this: unknown, a: unknown, b: unknown, options: HelperOptions) {
    return a !== b ? options.fn(this) : options.inverse(this);
  });
  // A case's conversation goes where `{{history}}` is (splitRendered); a test case has no sections.
  env.registerHelper('history', () => HISTORY_MARKER);
  env.registerHelper('section', () => '');
  env.registerHelper('media', () => {
    throw new TemplateRenderError('{{media}} is not supported (promptgate sends text messages)');
  });
  return env;
}

let environment: typeof Handlebars | undefined;

/** Compiled templates by body: the environment is the process's, so a body compiles once per process, not once per run. */
const compiled = new Map<string, Handlebars.TemplateDelegate>();
const COMPILED_LIMIT = 256;

/** Compiles a template body (no HTML escaping: prompts are not HTML). */
export function compileTemplate(template: string): Handlebars.TemplateDelegate {
  let delegate = compiled.get(template);
  if (!delegate) {
    environment ??= createEnvironment();
    delegate = environment.compile(template, { noEscape: true });
    setBounded(compiled, template, delegate, COMPILED_LIMIT);
  }
  return delegate;
}

/**
 * Splits rendered text into messages at role markers, as Dotprompt does: text before any marker
 * is a user message; a marker with only whitespace before it re-roles the current message.
 * Each message is trimmed of leading blank lines and trailing whitespace; empty ones are dropped.
 */
export function splitMessages(rendered: string): Message[] {
  return splitRendered(rendered).messages;
}

/**
 * splitMessages, also saying where `{{history}}` was: `historyAt` holds, for each `{{history}}`,
 * the index in `messages` the conversation goes before. As in Dotprompt, text after `{{history}}`
 * without a role marker is an assistant message.
 */
export function splitRendered(rendered: string): { messages: Message[]; historyAt: number[] } {
  const messages: Message[] = [];
  const historyAt: number[] = [];
  let role: Message['role'] = 'user';
  let content = '';
  let last = 0;
  const flush = () => {
    const text = trimBlankLines(content);
    if (text !== '') messages.push({ role, content: text });
  };
  for (const match of rendered.matchAll(MARKER_PATTERN)) {
    content += rendered.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[1] === undefined) {
      flush();
      historyAt.push(messages.length);
      content = '';
      role = 'assistant';
      continue;
    }
    if (content.trim() !== '') flush();
    content = '';
    role = match[1] as Message['role'];
  }
  content += rendered.slice(last);
  flush();
  return { messages, historyAt };
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}
