import type { Message } from '../prompts/types.js';
import { readMessagesResponse, readToolUse } from '../providers/anthropic.js';
import type { StructuredOutputTool } from '../providers/anthropic-request.js';
import { scrubSecrets, truncate } from '../providers/failure.js';
import { readChatCompletion, readChatToolCalls } from '../providers/openai.js';
import { mapSdkError, type SdkErrorClasses } from '../providers/sdk-errors.js';
import { isRecord } from '../providers/shape.js';
import type { CallError, Usage } from '../run-record/types.js';
import type { ToolCall } from '../tools/types.js';

/** The two SDK call shapes `traced()` understands. */
export type Api = 'openai' | 'anthropic';

/** What a response says, as `traced()` logs it (read by the providers' readers, not judged). */
export interface ResponseFacts {
  /** The answer's text: '' when the model only called tools or refused; null when there is none. */
  output: string | null;
  finishReason: string | null;
  usage: Usage | null;
  modelReported: string | null;
  /** The tool calls the model made (absent: none). */
  toolCalls?: ToolCall[];
  /** The model refused: what it said (OpenAI `message.refusal`; Anthropic stop_reason `refusal`). */
  refusal?: string;
}

/**
 * Reads output, tool calls, refusal, finish reason, tokens and reported model from a Chat
 * Completions or Messages response with the runner's own readers (readChatCompletion,
 * readMessagesResponse): a refusal is an answer with output '', and with `answerTool` (Anthropic
 * structured output) the tool's input is the output. Unlike the runner, which fails a truncated or
 * empty answer, this logs what the app received: a truncated text with its finish reason, output
 * null for no answer (and for a body the runner calls malformed, with what was read before the fault).
 */
export function readResponse(api: Api, body: unknown, answerTool?: StructuredOutputTool): ResponseFacts {
  const read = api === 'openai' ? readChatCompletion(body) : readMessagesResponse(body, answerTool);
  const facts: ResponseFacts = {
    output: read.output ?? (read.toolCalls ? '' : null),
    finishReason: read.finishReason ?? null,
    usage: read.usage ?? null,
    modelReported: read.modelReported ?? null,
  };
  if (read.toolCalls) facts.toolCalls = read.toolCalls;
  if (read.refusal !== undefined) facts.refusal = read.refusal;
  return facts;
}

/**
 * The messages of a request in neutral form (OpenAI `developer` is a system message; Anthropic
 * `system` comes first). Conversation turns keep their tool calls: an assistant's `tool_calls` /
 * `tool_use` blocks become `toolCalls`, and OpenAI `tool` messages / Anthropic `tool_result`
 * blocks become `tool` messages (`toolCallId`, and the tool's `name` when an earlier turn called it).
 */
export function requestMessages(api: Api, params: Record<string, unknown>): Message[] {
  const out: Message[] = [];
  if (api === 'anthropic' && params.system !== undefined) {
    const system = textOf(params.system);
    if (system !== null) out.push({ role: 'system', content: system });
  }
  if (!Array.isArray(params.messages)) return out;
  const names = new Map<string, string>();
  for (const message of params.messages) {
    if (!isRecord(message) || typeof message.role !== 'string') continue;
    if (api === 'openai' && message.role === 'tool') {
      const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : '';
      out.push(toolMessage(id, names.get(id), textOf(message.content) ?? ''));
      continue;
    }
    if (api === 'anthropic' && message.role === 'user') {
      const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
      // Tool results come first in a user turn (the API requires it); any text after them is the user's.
      for (const block of blocks) {
        if (block.type !== 'tool_result') continue;
        const id = typeof block.tool_use_id === 'string' ? block.tool_use_id : '';
        out.push(toolMessage(id, names.get(id), textOf(block.content) ?? ''));
      }
      const others = Array.isArray(message.content) ? blocks.filter((block) => block.type !== 'tool_result') : undefined;
      if (others === undefined || others.length > 0 || blocks.length === 0) out.push({ role: 'user', content: textOf(others ?? message.content) ?? '' });
      continue;
    }
    const role = (api === 'openai' && message.role === 'developer' ? 'system' : message.role) as Message['role'];
    const turn: Message = { role, content: textOf(message.content) ?? '' };
    const calls = role === 'assistant' ? turnToolCalls(api, message) : [];
    if (calls.length > 0) {
      turn.toolCalls = calls;
      for (const call of calls) names.set(call.id, call.name);
    }
    out.push(turn);
  }
  return out;
}

/**
 * An assistant turn's tool calls (OpenAI `tool_calls`, Anthropic `tool_use` blocks), read as the
 * providers read them in an answer; none when the runner could not read them.
 */
function turnToolCalls(api: Api, message: Record<string, unknown>): ToolCall[] {
  if (api === 'openai') {
    const calls = readChatToolCalls(message.tool_calls);
    return typeof calls === 'string' ? [] : calls;
  }
  const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
  return blocks.filter((block) => block.type === 'tool_use').map(readToolUse).filter((call) => call !== undefined);
}

function toolMessage(id: string, name: string | undefined, content: string): Message {
  const message: Message = { role: 'tool', content, toolCallId: id };
  if (name !== undefined) message.name = name;
  return message;
}

/** Request params as logged: everything but the model, the messages and Anthropic's system. */
export function loggedParams(params: Record<string, unknown>): Record<string, unknown> {
  const { model: _model, messages: _messages, system: _system, ...rest } = params;
  return rest;
}

/**
 * A thrown SDK error as a record error, with the runner's codes (rate_limited, server_error,
 * timeout, connection, auth, client_error, aborted, ...) when the client's class exposes the SDK's
 * error classes, else from the duck-typed `status`. Every secret is scrubbed from the message.
 */
export function callErrorOf(error: unknown, api: Api, client: object, signal: AbortSignal | undefined, secrets: string[]): CallError {
  const classes = sdkErrorClasses(client);
  const label = api === 'openai' ? 'OpenAI' : 'Anthropic';
  if (classes) {
    const failure = mapSdkError(error, { label, signal: signal ?? new AbortController().signal, classes, secrets });
    // mapSdkError scrubbed the whole message; cut it only now.
    return { code: failure.error.code, message: truncate(failure.error.message) };
  }
  return genericCallError(error, secrets, label);
}

/** Any thrown value as a record error (status-based code when there is one), secrets scrubbed. */
export function genericCallError(error: unknown, secrets: string[], label?: string): CallError {
  const status = isRecord(error) && typeof error.status === 'number' ? error.status : undefined;
  const ownCode = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
  const code = status === undefined ? (ownCode ?? 'provider_error')
    : status === 429 ? 'rate_limited'
      : status >= 500 ? 'server_error'
        : status === 401 || status === 403 ? 'auth'
          : 'client_error';
  const text = error instanceof Error ? error.message : isRecord(error) && typeof error.message === 'string' ? error.message : String(error);
  return { code, message: truncate(scrubSecrets(label ? `${label}: ${text}` : text, secrets)) };
}

/** Secret-looking string fields of a client (apiKey, authToken, ...) plus the usual environment keys. */
export function secretsOf(client: object): string[] {
  const secrets = new Set<string>();
  for (const [key, value] of Object.entries(client)) {
    if (typeof value === 'string' && /key|token|secret|password/i.test(key)) secrets.add(value);
  }
  for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']) {
    const value = process.env[name];
    if (value) secrets.add(value);
  }
  return [...secrets];
}

function sdkErrorClasses(client: object): SdkErrorClasses | undefined {
  const ctor = (client as { constructor?: Record<string, unknown> }).constructor;
  if (!ctor) return undefined;
  const names = ['APIError', 'APIUserAbortError', 'APIConnectionError', 'APIConnectionTimeoutError'] as const;
  return names.every((name) => typeof ctor[name] === 'function') ? (ctor as unknown as SdkErrorClasses) : undefined;
}

/** A string, or text parts / content blocks joined. */
function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const parts = content.filter((part): part is { text: string } => isRecord(part) && typeof part.text === 'string');
  return parts.length > 0 ? parts.map((part) => part.text).join('') : null;
}
