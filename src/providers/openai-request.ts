import type { Message } from '../prompts/types.js';
import type { ToolChoice, ToolDefinition } from '../tools/types.js';
import { translateParams } from './request-setup.js';
import type { ProviderRequest } from './types.js';

/**
 * The Chat Completions request body: params first (so they cannot replace the model or the
 * messages), then the messages (a conversation's assistant tool calls as `tool_calls`, its tool
 * results as role `tool`), the prompt's `tools` (`{type: 'function', function: {name, description,
 * parameters}}`), `tool_choice` (only with tools: the API rejects it alone) and `response_format`
 * (`{type: 'json_schema', json_schema: {name, schema, strict}}`). Each tool field replaces a param
 * of the same name when the prompt declares it.
 */
export function buildChatBody(request: ProviderRequest, fallbackModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...translateParams(request.params, 'openai'),
    model: request.model || fallbackModel,
    messages: request.messages.map(chatMessageOf),
    stream: false,
  };
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(functionToolOf);
    if (request.toolChoice !== undefined) body.tool_choice = toolChoiceOf(request.toolChoice);
  }
  if (request.responseSchema) {
    const { name, schema, strict } = request.responseSchema;
    body.response_format = { type: 'json_schema', json_schema: { name, schema, strict } };
  }
  return body;
}

/** One message as the API takes it: plain turns stay `{role, content}`. */
function chatMessageOf(message: Message): Record<string, unknown> {
  if (message.role === 'tool') {
    const out: Record<string, unknown> = { role: 'tool', content: message.content };
    if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
    return out;
  }
  if (message.role === 'assistant' && message.toolCalls && message.toolCalls.length > 0) {
    return {
      role: 'assistant',
      // The API's own shape for a turn that only called tools.
      content: message.content === '' ? null : message.content,
      tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.rawArguments } })),
    };
  }
  return { role: message.role, content: message.content };
}

function functionToolOf(tool: ToolDefinition): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: tool.name };
  if (tool.description !== undefined) fn.description = tool.description;
  fn.parameters = tool.inputSchema;
  return { type: 'function', function: fn };
}

function toolChoiceOf(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}
