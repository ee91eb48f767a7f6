import { splitMessages } from './handlebars-env.js';
import { NunjucksRenderError, analyzeNunjucks, renderNunjucks } from './nunjucks-env.js';
import type { Message, PromptFile } from './types.js';

/**
 * Prompts written in Nunjucks (front matter `template: nunjucks`), rendered as promptfoo renders
 * its prompts (see nunjucks-env.ts for the environment and what differs):
 * - a text body is one template; `{{ role("system") }}` markers split it into messages, as
 *   `{{role "system"}}` does in Handlebars (no marker: one user message);
 * - a body that is a JSON list of `{"role", "content"}` messages (promptfoo's chat prompt files)
 *   is parsed first and each `content` rendered, so a variable's value can never change the
 *   messages' structure.
 */

const ROLES = new Set(['system', 'user', 'assistant']);

interface ChatMessage {
  role: Message['role'];
  content: string;
  /** Line of the message's `"content"` in the body (1-based). */
  line: number;
}

/** A problem with its line in the body (1-based). */
interface BodyProblem {
  message: string;
  line: number;
}

/** The root variables a Nunjucks body reads, or its first problem (syntax, unknown filter, include, env, a malformed message list). */
export function analyzeNunjucksPrompt(body: string): { variables: string[]; problem?: BodyProblem } {
  const chat = readChatMessages(body);
  if (chat && 'problem' in chat) return { variables: [], problem: chat.problem };
  const parts = chat ? chat.messages.map((message) => ({ text: message.content, line: message.line })) : [{ text: body, line: 1 }];
  const variables: string[] = [];
  for (const part of parts) {
    const analysis = analyzeNunjucks(part.text, 'prompt');
    const [problem] = analysis.problems;
    if (problem) return { variables, problem: { message: problem.message, line: part.line + problem.line - 1 } };
    for (const name of analysis.variables) if (!variables.includes(name)) variables.push(name);
  }
  return { variables };
}

/** The root variables read on a line of the body (1-based): which one a strict-undefined error at that line means. */
export function variablesReadOn(body: string, line: number): string[] {
  const chat = readChatMessages(body);
  const parts = chat && 'messages' in chat ? chat.messages.map((message) => ({ text: message.content, line: message.line })) : [{ text: body, line: 1 }];
  const names: string[] = [];
  for (const part of parts) {
    for (const [name, at] of analyzeNunjucks(part.text, 'prompt').lines) if (at.has(line - part.line + 1) && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Renders a Nunjucks prompt for one case. Throws NunjucksRenderError with the body line when a
 * variable it outputs is missing or a filter fails.
 */
export function renderNunjucksPrompt(prompt: PromptFile, vars: Record<string, unknown>): Message[] {
  const chat = readChatMessages(prompt.template);
  if (!chat) return splitMessages(renderNunjucks(prompt.template, vars, 'prompt'));
  if ('problem' in chat) throw new NunjucksRenderError(chat.problem.message, chat.problem.line);
  return chat.messages.map((message) => {
    try {
      return { role: message.role, content: renderNunjucks(message.content, vars, 'prompt') };
    } catch (error) {
      if (error instanceof NunjucksRenderError) throw new NunjucksRenderError(error.message, message.line + (error.line ?? 1) - 1);
      throw error;
    }
  });
}

/** The body's messages when it is a JSON list of messages; undefined when it is not JSON of that shape. */
function readChatMessages(body: string): { messages: ChatMessage[] } | { problem: BodyProblem } | undefined {
  const text = body.trim();
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item) => item !== null && typeof item === 'object' && 'role' in item)) return undefined;
  const lines = contentLines(body);
  const messages: ChatMessage[] = [];
  for (const [index, item] of (parsed as Array<Record<string, unknown>>).entries()) {
    const line = lines[index] ?? 1;
    if (typeof item.role !== 'string' || !ROLES.has(item.role)) {
      return { problem: { message: `message ${index + 1}: role ${JSON.stringify(item.role)} is not supported (use "system", "user" or "assistant")`, line } };
    }
    if (typeof item.content !== 'string') return { problem: { message: `message ${index + 1}: content must be text (a string)`, line } };
    messages.push({ role: item.role as Message['role'], content: item.content, line });
  }
  return { messages };
}

/** The line of each `"content"` key in the body, in order (1-based). */
function contentLines(body: string): number[] {
  const lines: number[] = [];
  for (const match of body.matchAll(/"content"\s*:/g)) lines.push(body.slice(0, match.index).split('\n').length);
  return lines;
}
