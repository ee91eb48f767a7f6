import { isRecord } from '../providers/shape.js';
import type { RequestExtras } from '../tools/request.js';
import type { ResponseSchema, ToolChoice, ToolDefinition } from '../tools/types.js';
import type { Api } from './response.js';

/**
 * A prompt's tools, tool choice and structured output in the SDKs' own params, and back: what
 * `prompt.openai(vars)` / `.anthropic(vars)` add to the params, and what `traced()` records from a
 * request in provider-neutral form (CallRecord `tools`, `toolChoice`, `responseSchema`). The same
 * wire shapes as the runner's providers (providers/openai.ts, anthropic.ts):
 *
 * OpenAI: `tools: [{type: 'function', function: {name, description, parameters}}]`, `tool_choice`
 * (with tools only: `auto` / `none` / `required` / `{type: 'function', function: {name}}`),
 * `response_format: {type: 'json_schema', json_schema: {name, schema, strict}}`.
 * Anthropic: `tools: [{name, description, input_schema}]`, `tool_choice` (with tools only:
 * `{type: 'auto' | 'any' | 'none'}` / `{type: 'tool', name}`); structured output is the answer
 * tool (answerToolOf), whose input is the answer: the model's call of it is the output, not a tool
 * call. Without declared tools it is forced; with them, `none` forces it, a named tool is forced as
 * the prompt says, and otherwise `tool_choice` is `any` (a declared tool, or the answer tool).
 */

/** The SDK params for a prompt's extras (none for a prompt without tools or structured output). */
export function sdkParamsOf(api: Api, extras: RequestExtras): Record<string, unknown> {
  return api === 'openai' ? openaiParamsOf(extras) : anthropicParamsOf(extras);
}

function openaiParamsOf(extras: RequestExtras): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (extras.tools && extras.tools.length > 0) {
    out.tools = extras.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description !== undefined && { description: tool.description }), parameters: tool.inputSchema },
    }));
    if (extras.toolChoice !== undefined) {
      out.tool_choice = typeof extras.toolChoice === 'string' ? extras.toolChoice : { type: 'function', function: { name: extras.toolChoice.name } };
    }
  }
  if (extras.responseSchema) {
    const { name, schema, strict } = extras.responseSchema;
    out.response_format = { type: 'json_schema', json_schema: { name, schema, strict } };
  }
  return out;
}

/** The description of Anthropic's answer tool (structured output), as the model sees it. */
export const ANSWER_TOOL_DESCRIPTION = 'Give your final answer by calling this tool: its input is the answer, in the required JSON structure.';

/**
 * Anthropic's answer tool for a prompt's structured output: named as the schema (`_output`,
 * `_output2`, … appended while a declared tool has that name). `wrapped`: the schema is not an
 * object schema (a tool's input must be an object), so the input is `{value: <answer>}`.
 */
export interface AnswerTool {
  name: string;
  wrapped: boolean;
}

export function answerToolOf(extras: RequestExtras): AnswerTool | undefined {
  const schema = extras.responseSchema;
  if (!schema) return undefined;
  const taken = new Set((extras.tools ?? []).map((tool) => tool.name));
  let name = schema.name;
  for (let n = 1; taken.has(name); n++) {
    const suffix = n === 1 ? '_output' : `_output${n}`;
    name = schema.name.slice(0, 64 - suffix.length) + suffix;
  }
  return { name, wrapped: schema.schema.type !== 'object' };
}

function anthropicParamsOf(extras: RequestExtras): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = extras.tools ?? [];
  const tools: Array<Record<string, unknown>> = declared.map((tool) => ({
    name: tool.name, ...(tool.description !== undefined && { description: tool.description }), input_schema: tool.inputSchema,
  }));
  const answer = answerToolOf(extras);
  if (answer && extras.responseSchema) {
    const schema = extras.responseSchema.schema;
    const input = answer.wrapped ? { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false } : schema;
    tools.push({ name: answer.name, description: ANSWER_TOOL_DESCRIPTION, input_schema: input });
  }
  if (tools.length > 0) out.tools = tools;
  const choice = extras.toolChoice;
  if (answer) {
    if (declared.length === 0 || choice === 'none') out.tool_choice = { type: 'tool', name: answer.name };
    else if (typeof choice === 'object') out.tool_choice = { type: 'tool', name: choice.name };
    else out.tool_choice = { type: 'any' };
  } else if (declared.length > 0 && choice !== undefined) {
    out.tool_choice = anthropicChoice(choice);
  }
  return out;
}

function anthropicChoice(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}

/** What a request asked for besides messages, in neutral form, and the params left over. */
export interface RequestTools extends RequestExtras {
  /** The params without the fields read into `tools` / `toolChoice` / `responseSchema`. */
  rest: Record<string, unknown>;
  /** Anthropic: the answer tool sent (its call is the structured output, not a tool call). */
  answerTool?: AnswerTool;
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
    const answer = prompt ? answerToolOf(prompt) : undefined;
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
