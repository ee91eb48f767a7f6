import { closestMatch } from '../config/suggest.js';
import { inputError } from '../errors.js';
import type { Message, PromptFile } from '../prompts/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ExpectedToolCall, ToolCall } from '../tools/types.js';
import type { Assertion, TestCase } from './types.js';
import { isRecord } from '../util/record.js';

/**
 * The case fields of prompts that use tools or run in a conversation (JSONL keys; the CSV columns
 * `__messages`, `__expected_tool_calls`, `__tool_results`, `__max_steps` hold the same as JSON):
 * - `messages`: the conversation so far, user / assistant turns, an assistant's tool calls
 *   (OpenAI's `tool_calls: [{id, type: 'function', function: {name, arguments}}]` or
 *   `toolCalls: [{id, name, arguments}]`) and `tool` results (`tool_call_id`, `content`);
 * - `expected_tool_calls: [{name, arguments?}]`: one `tool-call` assertion each (partial arguments);
 * - `tool_results: {<tool name>: <result>}`: canned results the runner sends back (runner/steps.ts);
 * - `max_steps`: the bound on calls of such a case.
 * Every reader throws CASE_INVALID naming the case's file and line, and the field.
 */

type Where = { file: string; line: number };

/** The same name rule as a prompt's tools (prompts/prompt-tools.ts TOOL_NAME_PATTERN). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MESSAGE_KEYS = ['role', 'content', 'tool_calls', 'toolCalls', 'tool_call_id', 'toolCallId', 'name'];
/** The most calls a multi-step case may make. */
export const MAX_STEPS_LIMIT = 100;

/**
 * A conversation (`messages`), normalised to Message (tool calls as ToolCall, arguments parsed
 * with parseToolArguments). Refused: a role other than user, assistant or tool (the prompt gives the
 * system message), unknown keys, a tool result that answers no call of the assistant turn before
 * it, and a tool call left without a result before the next turn (both APIs refuse that).
 */
export function readConversation(value: unknown, what: string, where: Where): Message[] {
  const fail = (message: string) => inputError('CASE_INVALID', message, where);
  if (!Array.isArray(value)) throw fail(`${what} must be a list of messages [{"role": "user", "content": "…"}, …]`);
  const messages: Message[] = [];
  /** Calls of the latest assistant turn not answered yet (id → name). */
  let open = new Map<string, string>();
  let openSince = -1;
  const seenIds = new Set<string>();
  const closeTurn = (index: number) => {
    if (open.size === 0) return;
    const [id] = open.keys();
    throw fail(`${what}[${openSince}]: tool call '${id}' has no tool result before ${index < value.length ? `${what}[${index}]` : 'the end of the conversation'} (add {"role": "tool", "tool_call_id": "${id}", "content": "…"})`);
  };
  for (const [index, item] of value.entries()) {
    const label = `${what}[${index}]`;
    if (!isRecord(item)) throw fail(`${label} must be an object {"role", "content"}`);
    const unknown = Object.keys(item).find((key) => !MESSAGE_KEYS.includes(key));
    if (unknown !== undefined) throw fail(`${label}: unknown key '${unknown}' (allowed: ${MESSAGE_KEYS.join(', ')})`);
    const { role } = item;
    if (role === 'system') throw fail(`${label}: a conversation holds user, assistant and tool turns; the system message comes from the prompt template`);
    if (role !== 'user' && role !== 'assistant' && role !== 'tool') throw fail(`${label}: role must be user, assistant or tool, not ${JSON.stringify(role)}`);
    const calls = item.tool_calls ?? item.toolCalls;
    const callId = item.tool_call_id ?? item.toolCallId;
    if (item.tool_calls !== undefined && item.toolCalls !== undefined) throw fail(`${label}: give tool_calls or toolCalls, not both`);
    if (item.tool_call_id !== undefined && item.toolCallId !== undefined) throw fail(`${label}: give tool_call_id or toolCallId, not both`);
    if (calls !== undefined && calls !== null && role !== 'assistant') throw fail(`${label}: only an assistant turn has tool calls`);
    if (callId !== undefined && role !== 'tool') throw fail(`${label}: only a tool result has a tool_call_id`);
    if (item.name !== undefined && role !== 'tool') throw fail(`${label}: only a tool result has a name`);

    if (role === 'tool') {
      if (typeof callId !== 'string' || callId === '') throw fail(`${label}: a tool result needs the tool_call_id of the call it answers`);
      const name = open.get(callId);
      if (name === undefined) {
        const why = seenIds.has(callId) ? 'is answered twice, or not by the turns right after its call' : 'answers no tool call of the assistant turn before it';
        throw fail(`${label}: the tool result for '${callId}' ${why}`);
      }
      if (item.name !== undefined && item.name !== name) throw fail(`${label}: name ${JSON.stringify(item.name)} is not the name of call '${callId}' (${name})`);
      open.delete(callId);
      const content = item.content === undefined || item.content === null ? '' : typeof item.content === 'string' ? item.content : JSON.stringify(item.content);
      messages.push({ role: 'tool', content, toolCallId: callId, name });
      continue;
    }

    closeTurn(index);
    const content = readContent(item.content, label, fail);
    if (role === 'user') {
      if (content === undefined) throw fail(`${label}: a user turn needs content (text)`);
      messages.push({ role: 'user', content });
      continue;
    }
    const toolCalls = calls === undefined || calls === null ? [] : readToolCalls(calls, label, fail);
    if (content === undefined && toolCalls.length === 0) throw fail(`${label}: an assistant turn needs content (text) or tool calls`);
    const message: Message = { role: 'assistant', content: content ?? '' };
    if (toolCalls.length > 0) {
      message.toolCalls = toolCalls;
      open = new Map();
      openSince = index;
      for (const call of toolCalls) {
        if (seenIds.has(call.id)) throw fail(`${label}: tool call id '${call.id}' is used twice in the conversation`);
        seenIds.add(call.id);
        open.set(call.id, call.name);
      }
    }
    messages.push(message);
  }
  closeTurn(value.length);
  return messages;
}

/** Text content: a string, or OpenAI's list of text parts (joined). undefined when absent or null. */
function readContent(value: unknown, label: string, fail: (message: string) => Error): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((part) => isRecord(part) && part.type === 'text' && typeof part.text === 'string')) {
    return value.map((part) => (part as { text: string }).text).join('');
  }
  throw fail(`${label}: content must be text (a string, or a list of {"type": "text", "text"} parts)`);
}

/** An assistant's tool calls: OpenAI's `{id, type: 'function', function: {name, arguments}}` or `{id, name, arguments}`. */
function readToolCalls(value: unknown, label: string, fail: (message: string) => Error): ToolCall[] {
  if (!Array.isArray(value)) throw fail(`${label}: tool calls must be a list [{"id", "name", "arguments"}]`);
  return value.map((entry, index): ToolCall => {
    const at = `${label}.tool_calls[${index}]`;
    if (!isRecord(entry)) throw fail(`${at} must be an object {"id", "name", "arguments"}`);
    const wrapped = entry.type === 'function' && isRecord(entry.function);
    const allowed = wrapped ? ['id', 'type', 'function'] : ['id', 'name', 'arguments', 'rawArguments'];
    const unknown = Object.keys(entry).find((key) => !allowed.includes(key));
    if (unknown !== undefined) throw fail(`${at}: unknown key '${unknown}' (allowed: ${allowed.join(', ')})`);
    const fn = wrapped ? (entry.function as Record<string, unknown>) : entry;
    if (wrapped) {
      const extra = Object.keys(fn).find((key) => key !== 'name' && key !== 'arguments');
      if (extra !== undefined) throw fail(`${at}.function: unknown key '${extra}' (allowed: name, arguments)`);
    }
    const { id, name } = { id: entry.id, name: fn.name };
    if (typeof id !== 'string' || id === '') throw fail(`${at} needs an id (a tool result names it in tool_call_id)`);
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) throw fail(`${at}: tool name ${JSON.stringify(name)} is not valid (1 to 64 letters, digits, "_" or "-")`);
    if (fn.arguments !== undefined && fn.rawArguments !== undefined) throw fail(`${at}: give arguments or rawArguments, not both`);
    const given = fn.rawArguments ?? fn.arguments;
    let rawArguments: string;
    if (given === undefined || given === null) rawArguments = '{}';
    else if (typeof given === 'string') rawArguments = given;
    else if (isRecord(given)) rawArguments = JSON.stringify(given);
    else throw fail(`${at}: arguments must be an object (or its JSON text)`);
    return { id, name, rawArguments, ...parseToolArguments(rawArguments) };
  });
}

/** `expected_tool_calls: [{name, arguments?}]` → one `tool-call` assertion each (value `{name, arguments?}`). */
export function readExpectedToolCalls(value: unknown, what: string, where: Where): Assertion[] {
  const fail = (message: string) => inputError('CASE_INVALID', message, where);
  if (!Array.isArray(value)) throw fail(`${what} must be a list [{"name": "<tool>", "arguments"?: {…}}]`);
  if (value.length === 0) throw fail(`${what} is empty (to expect that no tool is called, use the grader not-tool-call)`);
  return value.map((entry, index): Assertion => {
    const label = `${what}[${index}]`;
    if (!isRecord(entry)) throw fail(`${label} must be an object {"name", "arguments"?}`);
    const unknown = Object.keys(entry).find((key) => key !== 'name' && key !== 'arguments');
    if (unknown !== undefined) throw fail(`${label}: unknown key '${unknown}' (allowed: name, arguments)`);
    if (typeof entry.name !== 'string' || !TOOL_NAME.test(entry.name)) throw fail(`${label}: name must be a tool name (1 to 64 letters, digits, "_" or "-"), not ${JSON.stringify(entry.name)}`);
    const expected: ExpectedToolCall = { name: entry.name };
    if (entry.arguments !== undefined) {
      if (!isRecord(entry.arguments)) throw fail(`${label}: arguments must be an object of the arguments to match (partially)`);
      expected.arguments = entry.arguments;
    }
    const spec = `tool-call:${expected.name}${expected.arguments ? ` ${JSON.stringify(expected.arguments)}` : ''}`;
    return { type: 'tool-call', negate: false, value: expected, weight: 1, source: where, spec };
  });
}

/** `tool_results: {<tool name>: <result>}`: a string is sent as is, anything else as JSON (runner/steps.ts). */
export function readToolResults(value: unknown, what: string, where: Where): Record<string, unknown> {
  const fail = (message: string) => inputError('CASE_INVALID', message, where);
  if (!isRecord(value)) throw fail(`${what} must be an object of tool names to results {"lookup_order": {…}}`);
  for (const [name, result] of Object.entries(value)) {
    if (!TOOL_NAME.test(name)) throw fail(`${what}: ${JSON.stringify(name)} is not a tool name (1 to 64 letters, digits, "_" or "-")`);
    if (result === undefined) throw fail(`${what}.${name} has no result`);
  }
  return value;
}

/** `max_steps`: an integer from 1 to MAX_STEPS_LIMIT (text from CSV). */
export function readMaxSteps(value: unknown, what: string, where: Where): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < 1 || number > MAX_STEPS_LIMIT) {
    throw inputError('CASE_INVALID', `${what} must be a whole number of calls from 1 to ${MAX_STEPS_LIMIT}, not ${JSON.stringify(value)}`, where);
  }
  return number;
}

/**
 * A case's tool names against the prompt it runs with (`check`, and `run` before any call): the
 * tool of every expected call (`expected_tool_calls`, a `tool-call:<name>` grader; a negated one
 * may name any tool) and every `tool_results` key must be a tool the prompt declares, or the
 * expectation could never pass and the result never be sent. CASE_INVALID naming the case.
 */
export function checkCaseTools(prompt: Pick<PromptFile, 'path' | 'tools'>, testCase: Pick<TestCase, 'assertions' | 'toolResults' | 'source' | 'messages'>): void {
  const declared = (prompt.tools ?? []).map((tool) => tool.name);
  // Anthropic refuses a request with tool_use / tool_result blocks and no tools: it would error on
  // every call, so it is refused here, before any call, for every provider alike.
  const toolTurn = (testCase.messages ?? []).findIndex((message) => message.role === 'tool' || (message.toolCalls?.length ?? 0) > 0);
  if (toolTurn !== -1 && declared.length === 0) {
    throw inputError('CASE_INVALID', `messages[${toolTurn}] is a tool call or result, but ${prompt.path} declares no tools`, testCase.source, "declare the tools in the prompt's front matter `tools`: the APIs refuse tool turns without them");
  }
  const named: Array<[string, string]> = [];
  for (const assertion of testCase.assertions) {
    if (assertion.type !== 'tool-call' || assertion.negate) continue;
    const name = expectedName(assertion.value);
    if (name !== undefined) named.push([`expects a call to '${name}'`, name]);
  }
  for (const name of Object.keys(testCase.toolResults ?? {})) named.push([`tool_results has a result for '${name}'`, name]);
  for (const [what, name] of named) {
    if (declared.includes(name)) continue;
    if (declared.length === 0) throw inputError('CASE_INVALID', `${what}, but ${prompt.path} declares no tools`, testCase.source, "declare it in the prompt's front matter `tools`");
    const near = closestMatch(name, declared);
    throw inputError('CASE_INVALID', `${what}, a tool ${prompt.path} does not declare (its tools: ${declared.join(', ')})`, testCase.source, near ? `did you mean '${near}'?` : undefined);
  }
}

/** The tool a `tool-call` value names: `{name}`, or the first word of `<name> {…}` (a template or JSON text: none). */
function expectedName(value: unknown): string | undefined {
  if (isRecord(value)) return typeof value.name === 'string' ? value.name : undefined;
  if (typeof value !== 'string' || value.includes('{{')) return undefined;
  const first = /^\s*(\S+)/.exec(value)?.[1];
  return first !== undefined && TOOL_NAME.test(first) ? first : undefined;
}

