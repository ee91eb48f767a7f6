import type { Message } from '../prompts/types.js';
import { scrubSecrets, truncate } from '../providers/failure.js';
import { mapSdkError, type SdkErrorClasses } from '../providers/sdk-errors.js';
import { isRecord } from '../providers/shape.js';
import { tokenUsageOf } from '../providers/usage.js';
import type { CallError, Usage } from '../run-record/types.js';
import { parseToolArguments } from '../tools/arguments.js';
import type { ToolCall } from '../tools/types.js';
import type { StructuredOutputTool } from '../providers/anthropic-request.js';

/** The two SDK call shapes `traced()` understands. */
export type Api = 'openai' | 'anthropic';

/** What a response says, read without trusting its shape (a compatible server may differ). */
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
 * Completions or Messages response, as the runner's providers read them: a refusal (OpenAI
 * `message.refusal` or a `content_filter` finish; Anthropic stop_reason `refusal`) is an answer
 * with output ''. `answerTool` (Anthropic structured output, wire-tools.ts): its input is the
 * answer, given as the output's JSON text (text beside it is the model thinking aloud).
 */
export function readResponse(api: Api, body: unknown, answerTool?: StructuredOutputTool): ResponseFacts {
  const facts: ResponseFacts = { output: null, finishReason: null, usage: null, modelReported: null };
  if (!isRecord(body)) return facts;
  if (typeof body.model === 'string') facts.modelReported = body.model;
  const usage = isRecord(body.usage) ? body.usage : undefined;
  if (api === 'openai') {
    const choice = Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : undefined;
    const message = choice && isRecord(choice.message) ? choice.message : undefined;
    if (message) {
      facts.output = textOf(message.content);
      const calls = openaiToolCalls(message.tool_calls);
      if (calls.length > 0) facts.toolCalls = calls;
      const refused = typeof message.refusal === 'string' && message.refusal !== '';
      if (refused || choice?.finish_reason === 'content_filter') {
        facts.refusal = refused ? (message.refusal as string) : 'blocked by the content filter';
        facts.output = '';
      }
      if (facts.output === null && facts.toolCalls) facts.output = '';
    }
    if (typeof choice?.finish_reason === 'string') facts.finishReason = choice.finish_reason;
    if (usage) {
      facts.usage = tokenUsageOf(usage.prompt_tokens, usage.completion_tokens) ?? null;
    }
  } else {
    facts.output = textOf(body.content);
    const blocks = Array.isArray(body.content) ? body.content.filter(isRecord) : [];
    const answer = answerTool === undefined ? undefined : blocks.find((block) => block.type === 'tool_use' && block.name === answerTool.name);
    const calls = anthropicToolCalls(blocks.filter((block) => block !== answer));
    if (calls.length > 0) facts.toolCalls = calls;
    if (answer) {
      const input = answer.input;
      facts.output = JSON.stringify(answerTool?.wrapped && isRecord(input) && 'value' in input ? input.value : (input ?? {}));
    }
    if (typeof body.stop_reason === 'string') facts.finishReason = body.stop_reason;
    if (body.stop_reason === 'refusal') {
      facts.refusal = (textOf(body.content) ?? '').trim() || 'the model refused (stop_reason "refusal")';
      facts.output = '';
    }
    if (facts.output === null && facts.toolCalls) facts.output = '';
    if (usage) {
      facts.usage = tokenUsageOf(usage.input_tokens, usage.output_tokens) ?? null;
    }
  }
  return facts;
}

/** OpenAI `tool_calls` (function calls) in neutral form. */
function openaiToolCalls(value: unknown): ToolCall[] {
  if (!Array.isArray(value)) return [];
  const calls: ToolCall[] = [];
  for (const call of value) {
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string') continue;
    const raw = typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments ?? null);
    calls.push(toolCallOf(typeof call.id === 'string' ? call.id : '', call.function.name, raw));
  }
  return calls;
}

/** Anthropic `tool_use` blocks in neutral form (the object input stringified as the raw arguments). */
function anthropicToolCalls(blocks: Array<Record<string, unknown>>): ToolCall[] {
  return blocks
    .filter((block) => block.type === 'tool_use' && typeof block.name === 'string')
    .map((block) => toolCallOf(typeof block.id === 'string' ? block.id : '', block.name as string, JSON.stringify(block.input ?? {})));
}

function toolCallOf(id: string, name: string, rawArguments: string): ToolCall {
  return { id, name, rawArguments, ...parseToolArguments(rawArguments) };
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
  const remember = (calls: ToolCall[]) => {
    for (const call of calls) names.set(call.id, call.name);
  };
  for (const message of params.messages) {
    if (!isRecord(message) || typeof message.role !== 'string') continue;
    if (api === 'openai') {
      if (message.role === 'tool') {
        const id = typeof message.tool_call_id === 'string' ? message.tool_call_id : '';
        out.push(toolMessage(id, names.get(id), textOf(message.content) ?? ''));
        continue;
      }
      const role = (message.role === 'developer' ? 'system' : message.role) as Message['role'];
      const turn: Message = { role, content: textOf(message.content) ?? '' };
      const calls = role === 'assistant' ? openaiToolCalls(message.tool_calls) : [];
      if (calls.length > 0) {
        turn.toolCalls = calls;
        remember(calls);
      }
      out.push(turn);
      continue;
    }
    const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
    if (message.role === 'user') {
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
    const turn: Message = { role: message.role as Message['role'], content: textOf(message.content) ?? '' };
    const calls = message.role === 'assistant' ? anthropicToolCalls(blocks) : [];
    if (calls.length > 0) {
      turn.toolCalls = calls;
      remember(calls);
    }
    out.push(turn);
  }
  return out;
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
