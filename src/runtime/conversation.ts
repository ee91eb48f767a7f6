import type { Message } from '../prompts/types.js';

/** Where the turns an app added sit in a logged message list: `messages[start, start + count)`. */
export interface ConversationSpan {
  start: number;
  count: number;
}

/**
 * How the messages sent relate to the prompt's own messages for the same variables (`template`,
 * in the form the messages are logged in). Undefined: they are exactly the template's. A span:
 * the template's messages with `count` turns inserted at `start`; when several places would
 * explain them, the runner's place for a case's `messages` (after the template's leading system
 * messages) is chosen, else the latest. Null: no single insertion explains them (the app changed,
 * dropped or reordered the prompt's messages), so which turns are the app's is not known.
 */
export function conversationSpanOf(sent: Message[], template: Message[]): ConversationSpan | null | undefined {
  const count = sent.length - template.length;
  if (count < 0) return null;
  let prefix = 0;
  while (prefix < template.length && sameTurn(sent[prefix], template[prefix])) prefix++;
  if (count === 0) return prefix === template.length ? undefined : null;
  let suffix = 0;
  while (suffix < template.length && sameTurn(sent[sent.length - 1 - suffix], template[template.length - 1 - suffix])) suffix++;
  // An insertion at `at` explains the messages when template[0, at) is their prefix and template[at, end) their suffix.
  const lowest = template.length - suffix;
  const highest = Math.min(prefix, template.length);
  if (lowest > highest) return null;
  const placed = casePlacementOf(template);
  return { start: placed >= lowest && placed <= highest ? placed : highest, count };
}

/**
 * Where the runner puts a case's `messages` among a template's messages: after its leading system
 * messages (a template with `{{history}}` places them itself; see prompts/render.ts).
 */
export function casePlacementOf(template: Message[]): number {
  let at = 0;
  while (at < template.length && template[at].role === 'system') at++;
  return at;
}

/** Messages as Anthropic's params carry them: the system messages joined first (as providers/anthropic.ts joins them). */
export function withSystemFirst(messages: Message[]): Message[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const rest = messages.filter((m) => m.role !== 'system');
  return system.length > 0 ? [{ role: 'system', content: system.join('\n\n') }, ...rest] : rest;
}

/** A template turn (role and text, no tool calls) equal to a sent one. */
function sameTurn(sent: Message, template: Message): boolean {
  return sent.role === template.role && sent.content === template.content
    && (sent.toolCalls === undefined || sent.toolCalls.length === 0) && sent.toolCallId === undefined;
}
