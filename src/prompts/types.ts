import type { ToolCall, ToolChoice, ToolDefinition } from '../tools/types.js';

/**
 * A chat message in provider-neutral form. A template renders `system`, `user` and `assistant`
 * messages; a case's conversation (`messages`) may also hold an assistant's tool calls and `tool`
 * results, which each provider maps to its API (OpenAI `tool_calls` / role `tool`; Anthropic
 * `tool_use` / `tool_result` blocks).
 */
/** The roles a template's `{{role}}` markers give (a `tool` turn only comes from a case's conversation). */
export type TemplateRole = 'system' | 'user' | 'assistant';

export interface Message {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text ('' for an assistant turn that only called tools). For `tool`: the result, as text (JSON for an object). */
  content: string;
  /** `assistant`: the tool calls made in this turn. */
  toolCalls?: ToolCall[];
  /** `tool`: the id of the call this is the result of. */
  toolCallId?: string;
  /** `tool`: the tool's name (Anthropic needs only the id; kept for reports). */
  name?: string;
}

/** One parsed `.prompt` file (Dotprompt format, SPEC §2). */
export interface PromptFile {
  /** File name without extension. */
  id: string;
  /** Path as given (relative to the project root when it came from the project). */
  path: string;
  /** Semver from the front matter (validated). */
  version: string;
  /** First 12 hex digits of sha256 over the file's normalised bytes (LF line ends, no BOM). */
  hash: string;
  /** Default model name (a key of `models` in the config). */
  model?: string;
  /** Model params from the front matter `config` (temperature, max_tokens, ...). */
  config: Record<string, unknown>;
  inputSchema?: unknown;
  outputFormat?: 'json' | 'text';
  outputSchema?: unknown;
  /**
   * Front matter `output.strict` (OpenAI strict structured output). Absent: strict when the schema
   * allows it (every object closed, every property required), else not strict.
   */
  outputStrict?: boolean;
  /**
   * Front matter `tools` (definitions, or names resolved through `toolDefs`, or `file://…` read
   * relative to the prompt file): sent with every call. A tools file's bytes are part of `hash`.
   */
  tools?: ToolDefinition[];
  /** Front matter `toolChoice`. */
  toolChoice?: ToolChoice;
  /**
   * Project-relative paths of the files `tools: file://…` (or `toolDefs`) read, in hash order (their
   * bytes are part of `hash`); for a prompt read from git, `<rev>:<repo path>`.
   */
  toolFiles?: string[];
  /** The template body after the front matter (Handlebars, or Nunjucks with `templateEngine: 'nunjucks'`). */
  template: string;
  /**
   * Front matter `template: nunjucks`: the body is a Nunjucks template, as promptfoo's prompts are
   * (absent: Handlebars, Dotprompt's). The front matter is part of the content hash, so is this.
   */
  templateEngine?: 'nunjucks';
  /** File line (1-based) of the body's first line: template errors name file lines. */
  bodyLine?: number;
  /** Root-level variables the template reads (strict variables: each must be in a case's vars). */
  variables: string[];
  /**
   * Whether a case's values can make rendering fail (a `{{role}}` whose name is a variable).
   * Every other render failure is found when the prompt is parsed, or by rendering any one case.
   */
  renderDependsOnData: boolean;
  /**
   * The template reads the root context as a whole (`{{json this}}`, `{{#each this}}`, `@root`),
   * so `variables` is not every name it can use (no "unused column" warnings then).
   */
  readsWholeContext?: boolean;
  /** Normalised source text. */
  source: string;
}
