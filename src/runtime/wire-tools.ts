import { isRecord } from '../providers/shape.js';
import type { RequestExtras } from '../tools/request.js';
import type { ResponseSchema, ToolChoice, ToolDefinition } from '../tools/types.js';
import type { Api } from './response.js';

/**
 * A prompt's tools, tool choice and structured output in the SDKs' own params, and back: what
 * `prompt.openai(vars)` / `.anthropic(vars)` add to the params, and what `traced()` records from a
 * request in provider-neutral form (CallRecord `tools`, `toolChoice`, `responseSchema`).
 *
 * OpenAI: `tools: [{type: 'function', function: {name, description, parameters}}]`, `tool_choice`
 * (`auto` / `none` / `required` / `{type: 'function', function: {name}}`), `response_format:
 * {type: 'json_schema', json_schema: {name, schema, strict}}`.
 * Anthropic: `tools: [{name, description, input_schema}]`, `tool_choice` (`{type: 'auto' | 'any' |
 * 'none'}` / `{type: 'tool', name}`); structured output is a forced tool named as the schema
 * (the answer tool), whose input is the answer: the model's call of it is the output, not a tool
 * call. With tools besides it, `tool_choice` is the prompt's (`auto`: the model may answer in
 * text), else `any` (some tool: the answer tool or another); `none` and a named tool force the
 * answer tool or that tool.
 */

/** The SDK params for a prompt's extras (none for a prompt without tools or structured output). */
export function sdkParamsOf(api: Api, extras: RequestExtras): Record<string, unknown> {
  return api === 'openai' ? openaiParamsOf(extras) : anthropicParamsOf(extras);
}

function openaiParamsOf(extras: RequestExtras): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (extras.tools) {
    out.tools = extras.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description !== undefined && { description: tool.description }), parameters: tool.inputSchema },
    }));
  }
  if (extras.toolChoice !== undefined) {
    out.tool_choice = typeof extras.toolChoice === 'string' ? extras.toolChoice : { type: 'function', function: { name: extras.toolChoice.name } };
  }
  if (extras.responseSchema) {
    const { name, schema, strict } = extras.responseSchema;
    out.response_format = { type: 'json_schema', json_schema: { name, schema, strict } };
  }
  return out;
}

/** The description of Anthropic's answer tool (structured output). */
export const ANSWER_TOOL_DESCRIPTION = 'Give your answer by calling this tool: its input is the answer, in the required structure.';

function anthropicParamsOf(extras: RequestExtras): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tools: Array<Record<string, unknown>> = (extras.tools ?? []).map((tool) => ({
    name: tool.name, ...(tool.description !== undefined && { description: tool.description }), input_schema: tool.inputSchema,
  }));
  const answer = extras.responseSchema;
  if (answer) tools.push({ name: answer.name, description: ANSWER_TOOL_DESCRIPTION, input_schema: answer.schema });
  if (tools.length > 0) out.tools = tools;
  const choice = extras.toolChoice;
  if (answer) {
    const others = (extras.tools ?? []).length > 0;
    if (!others || choice === 'none') out.tool_choice = { type: 'tool', name: answer.name };
    else out.tool_choice = choice === undefined ? { type: 'any' } : anthropicChoice(choice);
  } else if (choice !== undefined) {
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
  /** Anthropic: the answer tool's name (its call is the structured output, not a tool call). */
  answerTool?: string;
}

/**
 * Reads a request's tools, tool choice and structured output in neutral form. A field in a shape
 * this does not map (OpenAI `custom` tools, `json_object`, Anthropic server tools, ...) stays in
 * `rest` as sent. `answer` names the structured output the prompt asked for (Anthropic: a tool of
 * that name is the answer tool, not one of the tools).
 */
export function readRequestTools(api: Api, params: Record<string, unknown>, answer?: ResponseSchema): RequestTools {
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
    const answerTool = answer ? tools.find((tool) => tool.name === answer.name) : undefined;
    if (answer && answerTool) {
      out.answerTool = answer.name;
      out.responseSchema = { name: answer.name, schema: answerTool.inputSchema, strict: answer.strict };
    }
    const others = tools.filter((tool) => tool !== answerTool);
    if (others.length > 0) out.tools = others;
    delete rest.tools;
  }
  const choice = anthropicChoiceOf(params.tool_choice);
  if (choice !== undefined) {
    // Forcing the answer tool is how structured output is asked for, not a choice among the tools.
    if (!(out.answerTool && typeof choice === 'object' && choice.name === out.answerTool)) out.toolChoice = choice;
    delete rest.tool_choice;
  }
  const native = anthropicOutputFormat(params.output_config);
  if (native && !out.responseSchema) {
    out.responseSchema = { name: answer?.name ?? 'output', schema: native, strict: true };
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
