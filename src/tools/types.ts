/**
 * Tools, tool calls and structured output: the shapes shared by prompt files, providers, the
 * runner, graders and reports (issue 17). Provider-neutral: each provider maps them to its API.
 */

/** A tool a prompt declares (Dotprompt's ToolDefinition): what the model may call. */
export interface ToolDefinition {
  /** The function name the model calls (`lookup_order`): letters, digits, `_` and `-`. */
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema; Picoschema in front matter is converted). */
  inputSchema: Record<string, unknown>;
}

/**
 * Which tool the model may or must call: `auto` (the model decides), `none` (no tool), `required`
 * (some tool), or `{ name }` (that tool).
 */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/**
 * Structured output asked of the provider (front matter `output.format: json` with `output.schema`):
 * OpenAI `response_format: {type: 'json_schema', json_schema: {name, schema, strict}}`; Anthropic a
 * forced tool whose input is the answer (see providers/anthropic.ts).
 */
export interface ResponseSchema {
  /** The schema's name sent to the API (the prompt id, made API-safe). */
  name: string;
  schema: Record<string, unknown>;
  /** OpenAI strict mode (every object closed, every property required). */
  strict: boolean;
}

/** One tool call the model made, as recorded in calls.jsonl and run.json. */
export interface ToolCall {
  /** The provider's call id (`call_…`, `toolu_…`). */
  id: string;
  name: string;
  /** The arguments as the model sent them (OpenAI sends a JSON string; Anthropic an object, stringified). */
  rawArguments: string;
  /** The parsed arguments; absent when `rawArguments` is not valid JSON (`argumentsError` says why). */
  arguments?: unknown;
  /** Why `rawArguments` could not be parsed (invalid JSON): graders fail the call with this reason. */
  argumentsError?: string;
}

/** A call a case expects (`expected_tool_calls`): the tool, and arguments matched partially. */
export interface ExpectedToolCall {
  name: string;
  /** A partial object: every key given must match (recursively); keys not given are not checked. */
  arguments?: Record<string, unknown>;
}

/** Why a multi-step case (one with canned `tool_results`) stopped calling the model. */
export type StepStopReason =
  /** The model answered without calling a tool. */
  | 'answered'
  /** The model called a tool the case has no canned result for: graded on what it has. */
  | 'no_tool_result'
  /** The bound on steps (default 5) was reached. */
  | 'max_steps';
