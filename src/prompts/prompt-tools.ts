import { type ErrorCode, inputError } from '../errors.js';
import type { ToolChoice, ToolDefinition } from '../tools/types.js';
import { loadYaml } from './lazy.js';
import { toJsonSchema } from './picoschema.js';
import { isRecord } from '../util/record.js';

/**
 * The tools a prompt declares in its front matter (SPEC §2, Dotprompt's shape):
 * - `tools:` a list of definitions `{name, description?, inputSchema}` (JSON Schema or Picoschema),
 *   of names defined in `toolDefs:`, or of `file://<path>` references (a JSON array of definitions,
 *   relative to the prompt file; OpenAI's `{type: function, function: {name, description,
 *   parameters}}` and Anthropic's `input_schema` shapes are read too); `tools: file://<path>` alone
 *   is a one-item list;
 * - `toolDefs:` definitions (or files) that `tools` names;
 * - `toolChoice:` auto, none, required, or `{name: <tool>}`.
 * The front matter is read first (readToolsSpec), the files are read by the caller (from the
 * working tree, or from git at a revision), then resolvePromptTools puts them together.
 */

/** One entry of `tools` / `toolDefs` as written, with its file line. */
export type ToolEntry =
  | { kind: 'definition'; definition: ToolDefinition; line: number }
  | { kind: 'name'; name: string; line: number }
  | { kind: 'file'; ref: string; line: number };

/** The tool keys of a front matter, read but not yet resolved (files unread). */
export interface ToolsSpec {
  tools?: { entries: ToolEntry[]; line: number };
  toolDefs?: { entries: ToolEntry[]; line: number };
  toolChoice?: { value: ToolChoice; line: number };
}

/** A tools file as the caller read it (`path` names it in messages), or why it could not be read. */
export type ToolFileContent = { path: string; text: string } | { path: string; problem: string; code?: ErrorCode };

/** A prompt's tools, resolved. */
export interface ResolvedTools {
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** The files read (their `path`s), in the order first named. */
  toolFiles?: string[];
}

/** Function names both APIs accept. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const FILE_PREFIX = 'file://';
const CHOICES = ['auto', 'none', 'required'] as const;

type Fail = (message: string, ...keys: Array<string | number>) => Error;

/**
 * Reads `tools`, `toolDefs` and `toolChoice` from parsed front matter; undefined when none is given.
 * Throws (through `fail`, naming the key's line) on a shape that is not one of those above.
 */
export function readToolsSpec(data: Record<string, unknown>, fail: Fail, lineOf: (...keys: Array<string | number>) => number): ToolsSpec | undefined {
  const spec: ToolsSpec = {};
  for (const key of ['tools', 'toolDefs'] as const) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
    if (!list) throw fail(`\`${key}\` must be a list of tool definitions${key === 'tools' ? ', tool names from toolDefs' : ''} or file://<path> references`, key);
    const entries = list.map((item, index): ToolEntry => {
      const line = typeof value === 'string' ? lineOf(key) : lineOf(key, index);
      const at = typeof value === 'string' ? [key] : [key, index];
      if (typeof item === 'string' && item.startsWith(FILE_PREFIX)) return { kind: 'file', ref: readFileRef(item, (message) => fail(`${key}: ${message}`, ...at)), line };
      if (typeof item === 'string') {
        if (key === 'toolDefs') throw fail(`toolDefs[${index}]: ${JSON.stringify(item)} is not a tool definition ({name, description?, inputSchema}) or file://<path>`, ...at);
        if (!TOOL_NAME_PATTERN.test(item)) throw fail(`tools[${index}]: ${invalidName(item)}`, ...at);
        return { kind: 'name', name: item, line };
      }
      try {
        return { kind: 'definition', definition: toolDefinitionOf(item, 'inputSchema'), line };
      } catch (error) {
        throw fail(`${key}[${index}]: ${(error as Error).message}`, ...at);
      }
    });
    spec[key] = { entries, line: lineOf(key) };
  }
  if (data.toolChoice !== undefined && data.toolChoice !== null) {
    const value = data.toolChoice;
    const choice = (CHOICES as readonly unknown[]).includes(value)
      ? (value as ToolChoice)
      : isRecord(value) && typeof value.name === 'string' && Object.keys(value).length === 1
        ? { name: value.name }
        : undefined;
    if (!choice) {
      const named = typeof value === 'string' ? ` (to make the model call that tool: toolChoice: {name: ${value}})` : '';
      throw fail(`toolChoice must be auto, none, required or {name: <tool>}, not ${JSON.stringify(value)}${named}`, 'toolChoice');
    }
    spec.toolChoice = { value: choice, line: lineOf('toolChoice') };
  }
  return spec.tools || spec.toolDefs || spec.toolChoice ? spec : undefined;
}

/** `file://tools/x.json` → `tools/x.json` (relative to the prompt file; never absolute). */
function readFileRef(text: string, fail: (message: string) => Error): string {
  const ref = text.slice(FILE_PREFIX.length).trim();
  if (ref === '') throw fail(`${JSON.stringify(text)} names no file (file://<path relative to the prompt file>)`);
  if (/^(?:[\\/]|[A-Za-z]:)/.test(ref) || ref.includes('\u0000')) throw fail(`${JSON.stringify(text)}: the path must be relative to the prompt file`);
  return ref;
}

/** The file references of a spec, in order (tools, then toolDefs), each once: the order they are hashed in. */
export function toolFileRefs(spec: ToolsSpec | undefined): string[] {
  const refs: string[] = [];
  for (const entry of [...(spec?.tools?.entries ?? []), ...(spec?.toolDefs?.entries ?? [])]) {
    if (entry.kind === 'file' && !refs.includes(entry.ref)) refs.push(entry.ref);
  }
  return refs;
}

interface Located {
  definition: ToolDefinition;
  at: { file: string; line: number };
}

/**
 * Resolves a prompt's tools: files are read from `files` (by reference), names through `toolDefs`.
 * Throws PROMPT_INVALID naming the prompt's (or the tools file's) file and line for a file that
 * is missing or malformed, a name toolDefs lacks, a duplicate tool name, `toolDefs` without
 * `tools`, and a `toolChoice` without tools or naming a tool the prompt does not declare.
 */
export function resolvePromptTools(spec: ToolsSpec, files: ReadonlyMap<string, ToolFileContent> | undefined, promptPath: string): ResolvedTools {
  const fromFile = (entry: Extract<ToolEntry, { kind: 'file' }>): Located[] => {
    const content = files?.get(entry.ref);
    if (!content) {
      throw inputError('PROMPT_INVALID', `tools file file://${entry.ref} cannot be read here (the prompt was read without its folder)`, { file: promptPath, line: entry.line }, 'inline the tool definitions in the front matter');
    }
    if ('problem' in content) throw inputError(content.code ?? 'FILE_MISSING', content.problem, { file: promptPath, line: entry.line });
    return parseToolsFile(content);
  };
  const expand = (entry: ToolEntry, named: (entry: Extract<ToolEntry, { kind: 'name' }>) => Located): Located[] => {
    if (entry.kind === 'file') return fromFile(entry);
    if (entry.kind === 'name') return [named(entry)];
    return [{ definition: entry.definition, at: { file: promptPath, line: entry.line } }];
  };

  const defs = new Map<string, Located>();
  for (const entry of spec.toolDefs?.entries ?? []) {
    for (const located of expand(entry, () => { throw new Error('unreachable: toolDefs holds no names'); })) {
      noDuplicate(defs, located);
      defs.set(located.definition.name, located);
    }
  }
  if (spec.toolDefs && !spec.tools) {
    throw inputError('PROMPT_INVALID', '`toolDefs` defines tools but `tools` does not list any to send', { file: promptPath, line: spec.toolDefs.line }, `add tools: [${[...defs.keys()].join(', ')}]`);
  }
  const tools = new Map<string, Located>();
  for (const entry of spec.tools?.entries ?? []) {
    const named = (ref: Extract<ToolEntry, { kind: 'name' }>): Located => {
      const found = defs.get(ref.name);
      if (found) return { definition: found.definition, at: { file: promptPath, line: ref.line } };
      const known = defs.size > 0 ? `toolDefs has ${[...defs.keys()].join(', ')}` : 'there is no toolDefs';
      throw inputError('PROMPT_INVALID', `tool '${ref.name}' is not defined (${known})`, { file: promptPath, line: ref.line }, 'give its definition {name, description, inputSchema} in tools or toolDefs');
    };
    for (const located of expand(entry, named)) {
      noDuplicate(tools, located);
      tools.set(located.definition.name, located);
    }
  }

  const out: ResolvedTools = {};
  if (tools.size > 0) out.tools = [...tools.values()].map((located) => located.definition);
  // Every file was read by now (a missing one threw): name them in the order they are hashed.
  const read = toolFileRefs(spec).map((ref) => files!.get(ref)!.path);
  if (read.length > 0) out.toolFiles = [...new Set(read)];
  const choice = spec.toolChoice;
  if (choice) {
    if (tools.size === 0) throw inputError('PROMPT_INVALID', 'toolChoice is set but the prompt declares no tools', { file: promptPath, line: choice.line }, 'declare them in `tools`, or remove toolChoice');
    if (typeof choice.value === 'object' && !tools.has(choice.value.name)) {
      throw inputError('PROMPT_INVALID', `toolChoice names '${choice.value.name}', which is not one of the prompt's tools (${[...tools.keys()].join(', ')})`, { file: promptPath, line: choice.line });
    }
    out.toolChoice = choice.value;
  }
  return out;
}

function noDuplicate(seen: Map<string, Located>, located: Located): void {
  const first = seen.get(located.definition.name);
  if (!first) return;
  throw inputError('PROMPT_INVALID', `duplicate tool name '${located.definition.name}' (first at ${first.at.file}:${first.at.line})`, located.at, 'each tool a prompt sends needs its own name');
}

/**
 * A tools file: a JSON array of tool definitions. Errors name the file and the line of the entry
 * (or of the JSON syntax error).
 */
export function parseToolsFile(content: { path: string; text: string }): Located[] {
  const text = content.text.replace(/^\uFEFF/, '');
  const file = content.path;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw inputError('PROMPT_INVALID', `tools file is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '')}`, { file, line: jsonErrorLine(message, text) });
  }
  if (!Array.isArray(data)) throw inputError('PROMPT_INVALID', 'a tools file holds a JSON array of tool definitions', { file, line: 1 }, '[{"name": "…", "description": "…", "inputSchema": {"type": "object", …}}]');
  const lines = itemLines(text);
  return data.map((item, index) => {
    const line = lines[index] ?? 1;
    try {
      // JSON files hold JSON Schema (OpenAI's and Anthropic's files have no Picoschema).
      return { definition: toolDefinitionOf(item, 'json-schema'), at: { file, line } };
    } catch (error) {
      throw inputError('PROMPT_INVALID', `[${index}]: ${(error as Error).message}`, { file, line });
    }
  });
}

/** File line (1-based) of each item of the top-level JSON array (JSON is YAML: its parser gives the ranges). */
function itemLines(text: string): number[] {
  const { LineCounter, isSeq, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  if (!isSeq(doc.contents)) return [];
  return doc.contents.items.map((item) => {
    const range = (item as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  });
}

/** Line of a JSON.parse error: V8 says "position N" (Node 20) or "line N column M" (newer). */
function jsonErrorLine(message: string, text: string): number {
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  return position ? text.slice(0, Number(position[1])).split('\n').length : 1;
}

const SCHEMA_KEYS = ['inputSchema', 'input_schema', 'parameters'] as const;

/**
 * A tool definition in any of the shapes read: Dotprompt's `{name, description?, inputSchema}`,
 * Anthropic's `input_schema`, OpenAI's `parameters` (also wrapped as `{type: 'function', function:
 * {...}}`). `inputSchema` in front matter may be Picoschema (`picoschema: 'inputSchema'`). No schema:
 * a tool without arguments. Throws Error with a one-line reason.
 */
export function toolDefinitionOf(value: unknown, picoschema: 'inputSchema' | 'json-schema'): ToolDefinition {
  if (!isRecord(value)) throw new Error('a tool definition is a mapping {name, description?, inputSchema}');
  if (value.type === 'function' && isRecord(value.function)) {
    const extra = Object.keys(value).find((key) => key !== 'type' && key !== 'function');
    if (extra !== undefined) throw new Error(`unknown key '${extra}' beside "function" (allowed: type, function)`);
    return definitionFrom(value.function, ['name', 'description', 'parameters'], 'json-schema');
  }
  if (value.type !== undefined && value.type !== 'function') throw new Error(`type ${JSON.stringify(value.type)}: only function tools can be sent (type: function, or no type)`);
  return definitionFrom(value, ['name', 'description', 'type', ...SCHEMA_KEYS], picoschema);
}

function definitionFrom(record: Record<string, unknown>, allowed: string[], picoschema: 'inputSchema' | 'json-schema'): ToolDefinition {
  const { name } = record;
  if (typeof name !== 'string' || name === '') throw new Error('a tool definition needs a name (a string)');
  if (!TOOL_NAME_PATTERN.test(name)) throw new Error(invalidName(name));
  const label = `tool ${name}`;
  const unknown = Object.keys(record).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new Error(`${label}: unknown key ${JSON.stringify(unknown)} (allowed: ${allowed.join(', ')})`);
  if (record.description !== undefined && typeof record.description !== 'string') throw new Error(`${label}: description must be a string`);
  const given = SCHEMA_KEYS.filter((key) => record[key] !== undefined);
  if (given.length > 1) throw new Error(`${label}: give one schema, not ${given.join(' and ')}`);
  const key = given[0];
  let schema: unknown = { type: 'object', properties: {} };
  if (key !== undefined) {
    schema = record[key];
    if (key === 'inputSchema' && picoschema === 'inputSchema') {
      try {
        schema = toJsonSchema(schema);
      } catch (error) {
        throw new Error(`${label}: inputSchema: ${(error as Error).message}`);
      }
    }
    if (!isRecord(schema) || schema.type !== 'object') {
      const got = isRecord(schema) ? (schema.type === undefined ? 'a schema without `type: object`' : `type ${JSON.stringify(schema.type)}`) : JSON.stringify(schema ?? null);
      throw new Error(`${label}: ${key} must be an object schema (type: object, with properties), not ${got}`);
    }
    if (schema.properties !== undefined && !isRecord(schema.properties)) throw new Error(`${label}: ${key}.properties must be a mapping of argument names to schemas`);
  }
  const definition: ToolDefinition = { name, inputSchema: schema as Record<string, unknown> };
  if (typeof record.description === 'string' && record.description !== '') definition.description = record.description;
  return definition;
}

function invalidName(name: string): string {
  return `tool name ${JSON.stringify(name)} is not valid (1 to 64 letters, digits, "_" or "-")`;
}

