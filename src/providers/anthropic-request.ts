import type { Message } from '../prompts/types.js';
import type { ToolChoice, ToolDefinition } from '../tools/types.js';
import { providerFailure } from './failure.js';
import { translateParams } from './request-setup.js';
import { isRecord } from './shape.js';
import type { ProviderFailure, ProviderRequest } from './types.js';

/** `max_tokens` sent when neither the model config nor the prompt sets one (the API requires it). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

/**
 * How structured output is asked of the Messages API: a tool whose input is the answer, which the
 * model is made to call. `wrapped`: the schema is not an object schema (the API takes only those
 * as a tool's input), so the tool's input is `{value: <answer>}` and the answer is its `value`.
 */
export interface StructuredOutputTool {
  name: string;
  wrapped: boolean;
}

/** Description of the structured-output tool, as the model sees it. */
export const STRUCTURED_OUTPUT_DESCRIPTION = 'Give your final answer by calling this tool: its input is the answer, in the required JSON structure.';

/**
 * The structured-output tool of a request, when it asks for structured output: named after the
 * schema (`responseSchema.name`; `_output`, `_output2`, … appended while a declared tool has that name).
 */
export function structuredOutputToolOf(request: Pick<ProviderRequest, 'tools' | 'responseSchema'>): StructuredOutputTool | undefined {
  const schema = request.responseSchema;
  if (!schema) return undefined;
  const taken = new Set((request.tools ?? []).map((tool) => tool.name));
  let name = schema.name;
  for (let n = 1; taken.has(name); n++) {
    const suffix = n === 1 ? '_output' : `_output${n}`;
    name = schema.name.slice(0, 64 - suffix.length) + suffix;
  }
  return { name, wrapped: schema.schema.type !== 'object' };
}

/**
 * The Messages API request body: params first, so they cannot replace the model or messages.
 * System messages are joined into `system`; a conversation's assistant tool calls become
 * `tool_use` blocks and its tool results `tool_result` blocks of a user turn (consecutive results
 * in one turn). Tools are `{name, description, input_schema}`; `toolChoice` maps to `auto` / `any`
 * (required) / `none` / `{type: 'tool', name}`. Structured output is a forced tool (see
 * structuredToolChoice). A conversation this API cannot take (tool call arguments that are not a
 * JSON object) is a `client_error`, not sent.
 */
export function buildMessagesBody(request: ProviderRequest, fallbackModel: string): Record<string, unknown> {
  const built = buildMessagesRequest(request, fallbackModel);
  if (!('body' in built)) throw new Error(built.error.message);
  return built.body;
}

/** buildMessagesBody, with a conversation it cannot send returned as a failure (providers never throw). */
export function buildMessagesRequest(request: ProviderRequest, fallbackModel: string): { body: Record<string, unknown> } | ProviderFailure {
  const params = translateParams(request.params, 'anthropic');
  const system = joinSystem(request.messages, params.system);
  const messages = conversationOf(request.messages);
  if (typeof messages === 'string') return providerFailure('client_error', `Anthropic: ${messages}`, false);
  const body: Record<string, unknown> = {
    ...params,
    model: request.model || fallbackModel,
    messages,
    max_tokens: params.max_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    stream: false,
  };
  if (system === undefined) delete body.system;
  else body.system = system;
  const declared = request.tools ?? [];
  const structured = structuredOutputToolOf(request);
  const tools = declared.map(toolOf);
  if (structured && request.responseSchema) {
    const schema = request.responseSchema.schema;
    const inputSchema = structured.wrapped ? { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false } : schema;
    tools.push({ name: structured.name, description: STRUCTURED_OUTPUT_DESCRIPTION, input_schema: inputSchema });
  }
  if (tools.length > 0) body.tools = tools;
  if (structured) body.tool_choice = structuredToolChoice(structured.name, declared.length > 0, request.toolChoice);
  else if (declared.length > 0 && request.toolChoice !== undefined) body.tool_choice = toolChoiceOf(request.toolChoice);
  return { body };
}

/**
 * The tool choice of a request asking for structured output. Without declared tools the output
 * tool is forced. With declared tools: `none` forces the output tool (no declared tool may be
 * called); a named tool is forced as the prompt says (that turn has no structured answer); `auto`,
 * `required` or none given is `any` — the model must call a tool: a declared one, or the output
 * tool to answer.
 */
function structuredToolChoice(outputTool: string, hasDeclared: boolean, choice: ToolChoice | undefined): Record<string, unknown> {
  if (!hasDeclared || choice === 'none') return { type: 'tool', name: outputTool };
  if (typeof choice === 'object') return { type: 'tool', name: choice.name };
  return { type: 'any' };
}

function toolOf(tool: ToolDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) out.description = tool.description;
  out.input_schema = tool.inputSchema;
  return out;
}

function toolChoiceOf(choice: ToolChoice): Record<string, unknown> {
  if (typeof choice === 'object') return { type: 'tool', name: choice.name };
  return { type: choice === 'required' ? 'any' : choice };
}

/** The non-system messages as the API takes them: plain turns stay `{role, content}` with text content. */
function conversationOf(messages: Message[]): Array<Record<string, unknown>> | string {
  const out: Array<Record<string, unknown>> = [];
  let results: Array<Record<string, unknown>> | undefined;
  for (const message of messages) {
    if (message.role === 'system') continue;
    if (message.role === 'tool') {
      const block: Record<string, unknown> = { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content };
      if (results) {
        results.push(block);
      } else {
        results = [block];
        out.push({ role: 'user', content: results });
      }
      continue;
    }
    results = undefined;
    if (message.role === 'assistant' && message.toolCalls && message.toolCalls.length > 0) {
      const content: Array<Record<string, unknown>> = message.content === '' ? [] : [{ type: 'text', text: message.content }];
      for (const call of message.toolCalls) {
        const input = inputOf(call.arguments, call.rawArguments);
        if (input === undefined) return `the conversation's tool call ${JSON.stringify(call.name)} (${call.id}) has arguments that are not a JSON object; the Messages API takes only an object as a tool_use input`;
        content.push({ type: 'tool_use', id: call.id, name: call.name, input });
      }
      out.push({ role: 'assistant', content });
      continue;
    }
    out.push({ role: message.role, content: message.content });
  }
  return out;
}

/** A tool call's input object: its parsed arguments, else its raw text when that is a JSON object. */
function inputOf(parsed: unknown, raw: string): Record<string, unknown> | undefined {
  if (isRecord(parsed)) return parsed;
  try {
    const value: unknown = JSON.parse(raw);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function joinSystem(messages: Message[], fromParams: unknown): string | undefined {
  const parts = messages.filter((m) => m.role === 'system').map((m) => m.content);
  if (typeof fromParams === 'string' && fromParams) parts.unshift(fromParams);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
