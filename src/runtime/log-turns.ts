import type { Message } from '../prompts/types.js';
import { isRecord } from '../providers/shape.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
import { casePlacementOf } from './conversation.js';

/**
 * What a logged call's messages say about a conversation (log lines are untrusted input):
 * - `none`: the prompt's own messages (or a line that does not say: written before conversations
 *   were logged, or without the prompt to compare with);
 * - `conversation`: the turns the app added where a case's `messages` go (after the prompt's
 *   system messages), which a case can carry;
 * - `later-step`: assistant tool calls and tool results after all of the prompt's messages: a
 *   later step of a tool loop, not a conversation of its own;
 * - `elsewhere`: turns added where a case's `messages` cannot go (a case would send another request);
 * - `unfit`: turns a case's conversation cannot hold (a system turn, a tool call without an id, a
 *   tool result that answers no call of the assistant turn right before it, a call left unanswered);
 * - `unknown`: the line cannot tell which turns are the app's (changed or reordered prompt
 *   messages, redacted turns, or a `conversation` field or messages that do not hold together).
 */
export type LoggedTurns =
  | { kind: 'none' }
  | { kind: 'conversation'; messages: Message[] }
  | { kind: 'later-step' }
  | { kind: 'elsewhere' }
  | { kind: 'unfit' }
  | { kind: 'unknown' };

/** Reads the `conversation` field of a logged line against its `messages`. */
export function loggedTurnsOf(line: Record<string, unknown>): LoggedTurns {
  const span = line.conversation;
  if (span === undefined) return { kind: 'none' };
  if (!isRecord(span) || !Number.isInteger(span.start) || !Number.isInteger(span.count)) return { kind: 'unknown' };
  const messages = Array.isArray(line.messages) ? line.messages.map(messageOf) : [];
  const start = span.start as number;
  const count = span.count as number;
  if (messages.some((m) => m === undefined) || start < 0 || count < 1 || start + count > messages.length) return { kind: 'unknown' };
  const all = messages as Message[];
  const added = all.slice(start, start + count);
  const template = [...all.slice(0, start), ...all.slice(start + count)];
  if (start === casePlacementOf(template)) {
    return fitsCase(added) ? { kind: 'conversation', messages: added.map(caseMessageOf) } : { kind: 'unfit' };
  }
  if (start === template.length && added.every((m) => m.role === 'tool' || (m.role === 'assistant' && m.toolCalls !== undefined))) {
    return { kind: 'later-step' };
  }
  return { kind: 'elsewhere' };
}

/**
 * The tool calls of a logged answer, arguments parsed again from the raw text; undefined when the
 * line has none, null when they cannot be read.
 */
export function loggedToolCallsOf(value: unknown): ToolCall[] | null | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return null;
  const calls = value.map(toolCallOf);
  if (calls.some((call) => call === undefined)) return null;
  return calls.length > 0 ? (calls as ToolCall[]) : undefined;
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * Whether a case's `messages` can hold these turns: user, assistant and tool turns only (the prompt
 * gives the system message), every tool call with an id, every tool result answering a call of the
 * assistant turn right before it, and no call left unanswered (both APIs refuse such a conversation).
 */
function fitsCase(turns: Message[]): boolean {
  let open = new Set<string>();
  for (const turn of turns) {
    if (turn.role === 'system') return false;
    if (turn.role === 'tool') {
      if (turn.toolCallId === undefined || !open.delete(turn.toolCallId)) return false;
      continue;
    }
    if (open.size > 0) return false;
    open = new Set();
    for (const call of turn.toolCalls ?? []) {
      if (call.id === '' || open.has(call.id)) return false;
      open.add(call.id);
    }
  }
  return open.size === 0;
}

/** A turn as a case file holds it: tool calls with their raw arguments only (the case reader parses them). */
function caseMessageOf(message: Message): Message {
  if (!message.toolCalls) return message;
  return { ...message, toolCalls: message.toolCalls.map(({ id, name, rawArguments }) => ({ id, name, rawArguments })) };
}

/** A logged message in the case format (tool calls re-parsed), or undefined when it is not one. */
function messageOf(value: unknown): Message | undefined {
  if (!isRecord(value) || typeof value.role !== 'string' || !ROLES.has(value.role) || typeof value.content !== 'string') return undefined;
  const message: Message = { role: value.role as Message['role'], content: value.content };
  if (value.toolCalls !== undefined) {
    const calls = loggedToolCallsOf(value.toolCalls);
    if (calls === null) return undefined;
    if (calls) message.toolCalls = calls;
  }
  if (typeof value.toolCallId === 'string') message.toolCallId = value.toolCallId;
  if (typeof value.name === 'string') message.name = value.name;
  return message;
}

function toolCallOf(value: unknown): ToolCall | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || value.name === '' || typeof value.rawArguments !== 'string') return undefined;
  return { id: typeof value.id === 'string' ? value.id : '', name: value.name, rawArguments: value.rawArguments, ...parseToolArguments(value.rawArguments) };
}
