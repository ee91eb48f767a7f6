import { structuredOutputToolOf, type StructuredOutputTool } from '../providers/anthropic-request.js';
import { isRecord } from '../providers/shape.js';
import type { RequestExtras } from '../tools/request.js';
import type { ResponseSchema, ToolChoice, ToolDefinition } from '../tools/types.js';
import type { Api } from './response.js';

/**
 * What `traced()` records of a request's tools, tool choice and structured output, in
 * provider-neutral form (CallRecord `tools`, `toolChoice`, `responseSchema`): the reverse of the
 * runner's request builders (providers/openai-request.ts, anthropic-request.ts), which also make
 * the params of `prompt.openai(vars)` / `.anthropic(vars)`. Anthropic's structured output is the
 * forced answer tool of structuredOutputToolOf: its call is the output, not a tool call.
 */

/** What a request asked for besides messages, in neutral form, and the params left over. */
export interface RequestTools extends RequestExtras {
  /** The params without the fields read into `tools` / `toolChoice` / `responseSchema`. */
  rest: Record<string, unknown>;
  /** Anthropic: the answer tool sent (its call is the structured output, not a tool call). */
  answerTool?: StructuredOutputTool;
}

/**
 * Reads a request's tools, tool choice and structured output in neutral form. A field in a shape
 * this does not map (OpenAI `custom` tools, `json_object`, Anthropic server tools, ...) stays in
 * `rest` as sent. `prompt`: what the prompt that made the params asks for (Anthropic: its answer
 * tool, when sent, is the structured output, not one of the tools).
 */
export function readRequestTools(api: Api, params: Record<string, unknown>, prompt?: RequestExtras): RequestTools {
  const rest = { ...params };
  const out: RequestTools = { rest };
  if (api === 'openai') {
    const tools = openaiTools(params.tools);
    if (tools) {
      if (tools.length > 0) out.tools = tools;
      delete rest.tools;
    }
    const choice = openaiChoice(params.tool_choice);
    if (choice !== undefined) {
      out.toolChoice = choice;
      delete rest.tool_choice;
    }
    const schema = openaiResponseSchema(params.response_format);
    if (schema) {
      out.responseSchema = schema;
      delete rest.response_format;
    }
    return out;
  }
  const tools = anthropicTools(params.tools);
  if (tools) {
    const answer = prompt ? structuredOutputToolOf(prompt) : undefined;
    const sent = answer ? tools.find((tool) => tool.name === answer.name) : undefined;
    if (answer && sent && prompt?.responseSchema) {
      out.answerTool = answer;
      const properties = sent.inputSchema.properties as Record<string, unknown> | undefined;
      const schema = answer.wrapped && isRecord(properties?.value) ? properties.value : sent.inputSchema;
      out.responseSchema = { name: prompt.responseSchema.name, schema, strict: prompt.responseSchema.strict };
    }
    const others = tools.filter((tool) => tool !== sent);
    if (others.length > 0) out.tools = others;
    delete rest.tools;
  }
  const choice = anthropicChoiceOf(params.tool_choice);
  if (choice !== undefined) {
    // Forcing the answer tool is how structured output is asked for, not a choice among the tools.
    if (!(out.answerTool && typeof choice === 'object' && choice.name === out.answerTool.name)) out.toolChoice = choice;
    delete rest.tool_choice;
  }
  const native = anthropicOutputFormat(params.output_config);
  if (native && !out.responseSchema) {
    out.responseSchema = { name: prompt?.responseSchema?.name ?? 'output', schema: native, strict: true };
    const { format: _format, ...config } = params.output_config as Record<string, unknown>;
    if (Object.keys(config).length > 0) rest.output_config = config;
    else delete rest.output_config;
  }
  return out;
}

/** OpenAI function tools in neutral form; undefined when `tools` is absent or holds another kind. */
function openaiTools(value: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tools: ToolDefinition[] = [];
  for (const tool of value) {
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function) || typeof tool.function.name !== 'string') return undefined;
    const fn = tool.function;
    tools.push({
      name: fn.name as string,
      ...(typeof fn.description === 'string' && { description: fn.description }),
      inputSchema: isRecord(fn.parameters) ? fn.parameters : {},
    });
  }
  return tools;
}

function openaiChoice(value: unknown): ToolChoice | undefined {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  if (isRecord(value) && value.type === 'function' && isRecord(value.function) && typeof value.function.name === 'string') {
    return { name: value.function.name };
  }
  return undefined;
}

function openaiResponseSchema(value: unknown): ResponseSchema | undefined {
  if (!isRecord(value) || value.type !== 'json_schema' || !isRecord(value.json_schema)) return undefined;
  const spec = value.json_schema;
  if (typeof spec.name !== 'string' || !isRecord(spec.schema)) return undefined;
  return { name: spec.name, schema: spec.schema, strict: spec.strict === true };
}

/** Anthropic client tools in neutral form; undefined when absent or holding a server tool. */
function anthropicTools(value: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const tools: ToolDefinition[] = [];
  for (const tool of value) {
    if (!isRecord(tool) || typeof tool.name !== 'string' || !isRecord(tool.input_schema)) return undefined;
    if (tool.type !== undefined && tool.type !== 'custom') return undefined;
    tools.push({ name: tool.name, ...(typeof tool.description === 'string' && { description: tool.description }), inputSchema: tool.input_schema });
  }
  return tools;
}

function anthropicChoiceOf(value: unknown): ToolChoice | undefined {
  // `disable_parallel_tool_use` and other keys have no neutral form: such a choice stays in the params.
  if (!isRecord(value) || Object.keys(value).some((key) => key !== 'type' && key !== 'name')) return undefined;
  if (value.type === 'auto') return 'auto';
  if (value.type === 'none') return 'none';
  if (value.type === 'any') return 'required';
  if (value.type === 'tool' && typeof value.name === 'string') return { name: value.name };
  return undefined;
}

function anthropicOutputFormat(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value) || !isRecord(value.format) || value.format.type !== 'json_schema' || !isRecord(value.format.schema)) return undefined;
  return value.format.schema;
}
