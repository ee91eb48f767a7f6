import type { Document, LineCounter, Pair, YAMLMap } from 'yaml';
import { inputError } from '../errors.js';
import { loadYaml, validSemver } from './lazy.js';
import type { ToolChoice, ToolDefinition } from '../tools/types.js';
import { toJsonSchema } from './picoschema.js';

/** The front matter keys promptgate reads (SPEC §2); other keys are ignored, as in Dotprompt. */
export interface FrontMatter {
  version: string;
  model?: string;
  config: Record<string, unknown>;
  inputSchema?: unknown;
  outputFormat?: 'json' | 'text';
  outputSchema?: unknown;
  /** `template: nunjucks`: the body is a Nunjucks template (promptfoo's); absent or `handlebars`: Handlebars (Dotprompt). */
  template?: 'handlebars' | 'nunjucks';
  /** `tools`: definitions given inline (`{name, description?, inputSchema}`). */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** `output.strict`. */
  outputStrict?: boolean;
}

/** The template languages a prompt body may be written in (front matter `template`). */
export const TEMPLATE_ENGINES = ['handlebars', 'nunjucks'] as const;

export interface SplitSource {
  /** YAML between the `---` lines. */
  yaml: string;
  /** Everything after the closing `---` line. */
  body: string;
  /** File line (1-based) of the body's first line. */
  bodyLine: number;
}

/** Splits normalised source (LF only) into front matter and body; throws PROMPT_INVALID naming line 1. */
export function splitFrontMatter(source: string, file: string): SplitSource {
  const lines = source.split('\n');
  if (lines[0].trimEnd() !== '---') {
    throw inputError('PROMPT_INVALID', 'missing front matter: a .prompt file starts with a "---" line, YAML with at least `version`, and another "---" line', { file, line: 1 });
  }
  const close = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  if (close === -1) {
    throw inputError('PROMPT_INVALID', 'front matter is not closed: no "---" line after the YAML', { file, line: 1 });
  }
  return { yaml: lines.slice(1, close).join('\n'), body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}

/** Front matter starts on file line 2; YAML line n is file line n + 1. */
const YAML_LINE_OFFSET = 1;

/** Parses and validates the front matter YAML. Errors name the file line of the offending key. */
export function readFrontMatter(yaml: string, file: string): FrontMatter {
  const { LineCounter, isMap, parseDocument } = loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter });
  const [yamlError] = doc.errors;
  if (yamlError) {
    const message = yamlError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const line = (yamlError.linePos?.[0].line ?? 1) + YAML_LINE_OFFSET;
    throw inputError('PROMPT_INVALID', `front matter YAML: ${message}`, { file, line });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw inputError('PROMPT_INVALID', 'front matter must be YAML `key: value` pairs', { file, line: 2 });
  }
  const lineOf = (...keys: string[]) => keyLine(doc, lineCounter, keys);
  const fail = (message: string, ...keys: string[]) => inputError('PROMPT_INVALID', message, { file, line: lineOf(...keys) });

  let data: Record<string, unknown>;
  try {
    data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw inputError('PROMPT_INVALID', `front matter YAML: ${(error as Error).message}`, { file, line: 2 });
  }

  const version = readVersion(doc, data.version, file, lineOf('version'));
  if (data.model !== undefined && data.model !== null && (typeof data.model !== 'string' || data.model === '')) throw fail('`model` must be a model name (a string)', 'model');
  if (data.config !== undefined && data.config !== null && !isRecord(data.config)) throw fail('`config` must be a mapping of model params (temperature: 0, ...)', 'config');
  const input = data.input ?? {};
  const output = data.output ?? {};
  if (!isRecord(input)) throw fail('`input` must be a mapping (input: { schema: ... })', 'input');
  if (!isRecord(output)) throw fail('`output` must be a mapping (output: { format: json, schema: ... })', 'output');
  if (output.format !== undefined && output.format !== 'json' && output.format !== 'text') {
    throw fail(`output.format must be json or text, not ${JSON.stringify(output.format)}`, 'output', 'format');
  }
  if (data.template !== undefined && data.template !== null && !(TEMPLATE_ENGINES as readonly unknown[]).includes(data.template)) {
    throw fail(`template must be ${TEMPLATE_ENGINES.join(' or ')}, not ${JSON.stringify(data.template)}`, 'template');
  }
  const schema = (value: unknown, key: 'input' | 'output') => {
    try {
      return toJsonSchema(value);
    } catch (error) {
      throw fail(`${key}.schema: ${(error as Error).message}`, key, 'schema');
    }
  };
  if (output.strict !== undefined && typeof output.strict !== 'boolean') throw fail('output.strict must be true or false', 'output', 'strict');
  const tools = readTools(data.tools, data.toolChoice, fail);
  return {
    ...tools,
    ...(typeof output.strict === 'boolean' ? { outputStrict: output.strict } : {}),
    version,
    model: typeof data.model === 'string' ? data.model : undefined,
    config: isRecord(data.config) ? data.config : {},
    inputSchema: schema(input.schema, 'input'),
    outputFormat: output.format as FrontMatter['outputFormat'],
    outputSchema: schema(output.schema, 'output'),
    ...(data.template === 'nunjucks' || data.template === 'handlebars' ? { template: data.template } : {}),
  };
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_CHOICES = ['auto', 'none', 'required'];

/**
 * Front matter `tools` (a list of `{name, description?, inputSchema}`, inputSchema in JSON Schema
 * or Picoschema) and `toolChoice` (auto / none / required / `{name}` of a declared tool).
 * Minimal reading for the wire tests of issue 17 (area A); names resolved through `toolDefs` and
 * `tools: file://…` are area B's.
 */
function readTools(
  value: unknown,
  choice: unknown,
  fail: (message: string, ...keys: string[]) => Error,
): Pick<FrontMatter, 'tools' | 'toolChoice'> {
  const out: Pick<FrontMatter, 'tools' | 'toolChoice'> = {};
  if (value !== undefined && value !== null) {
    if (!Array.isArray(value)) throw fail('`tools` must be a list of {name, description?, inputSchema}', 'tools');
    const tools: ToolDefinition[] = [];
    for (const [index, item] of value.entries()) {
      const at = `tools[${index}]`;
      if (!isRecord(item)) throw fail(`${at} must be a mapping {name, description?, inputSchema}`, 'tools');
      if (typeof item.name !== 'string' || !TOOL_NAME.test(item.name)) throw fail(`${at}.name must be 1-64 letters, digits, "_" or "-"`, 'tools');
      if (tools.some((tool) => tool.name === item.name)) throw fail(`${at}: tool "${item.name}" is declared twice`, 'tools');
      if (item.description !== undefined && typeof item.description !== 'string') throw fail(`${at}.description must be text`, 'tools');
      let inputSchema: unknown;
      try {
        inputSchema = toJsonSchema(item.inputSchema ?? { type: 'object', properties: {} });
      } catch (error) {
        throw fail(`${at}.inputSchema: ${(error as Error).message}`, 'tools');
      }
      if (!isRecord(inputSchema) || inputSchema.type !== 'object') throw fail(`${at}.inputSchema must be an object schema (the arguments are a JSON object)`, 'tools');
      tools.push({ name: item.name, ...(typeof item.description === 'string' ? { description: item.description } : {}), inputSchema });
    }
    if (tools.length > 0) out.tools = tools;
  }
  if (choice !== undefined && choice !== null) {
    if (typeof choice === 'string' && TOOL_CHOICES.includes(choice)) out.toolChoice = choice as ToolChoice;
    else if (isRecord(choice) && typeof choice.name === 'string') {
      if (!out.tools?.some((tool) => tool.name === choice.name)) throw fail(`toolChoice names "${choice.name}", which is not a declared tool`, 'toolChoice');
      out.toolChoice = { name: choice.name };
    } else throw fail('toolChoice must be auto, none, required or {name: <a declared tool>}', 'toolChoice');
  }
  return out;
}

function readVersion(doc: Document, value: unknown, file: string, line: number): string {
  if (value === undefined || value === null || value === '') {
    throw inputError('PROMPT_INVALID', 'missing `version` in the front matter (semver, e.g. version: 1.0.0)', { file, line });
  }
  // Quote what the user wrote: YAML reads `version: 1.10` as the number 1.1.
  const { isMap, isScalar } = loadYaml();
  const node = isMap(doc.contents) ? findPair(doc.contents, 'version')?.value : undefined;
  const written = isScalar(node) && typeof node.source === 'string' ? node.source : String(value);
  const version = typeof value === 'string' || typeof value === 'number' ? validSemver(String(value)) : null;
  if (!version) {
    throw inputError('PROMPT_INVALID', `version ${JSON.stringify(written)} is not semver (use MAJOR.MINOR.PATCH, e.g. "1.2.0")`, { file, line });
  }
  return version;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  const { isScalar } = loadYaml();
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

/** File line of the deepest of `keys` present (e.g. output → schema), else line 1 (the opening ---). */
function keyLine(doc: Document, lineCounter: LineCounter, keys: string[]): number {
  const { isMap, isScalar } = loadYaml();
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of keys) {
    if (!isMap(node)) break;
    const pair = findPair(node, key);
    if (!pair) break;
    if (isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    node = pair.value;
  }
  return offset === undefined ? 1 : lineCounter.linePos(offset).line + YAML_LINE_OFFSET;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
