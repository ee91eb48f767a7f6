import type { Document, LineCounter, Pair, YAMLMap } from 'yaml';
import { inputError } from '../errors.js';
import { loadYaml, validSemver } from './lazy.js';
import { toJsonSchema } from './picoschema.js';
import { type ToolsSpec, readToolsSpec } from './prompt-tools.js';
import { strictModeGaps } from '../tools/request.js';

/** The front matter keys promptgate reads (SPEC §2); other keys are ignored, as in Dotprompt. */
export interface FrontMatter {
  version: string;
  model?: string;
  config: Record<string, unknown>;
  inputSchema?: unknown;
  outputFormat?: 'json' | 'text';
  outputSchema?: unknown;
  /** `output.strict`: OpenAI strict structured output (absent: strict when the schema allows it). */
  outputStrict?: boolean;
  /** `tools`, `toolDefs` and `toolChoice`, read but not resolved (files are read by the caller: see prompt-tools.ts). */
  tools?: ToolsSpec;
  /** `template: nunjucks`: the body is a Nunjucks template (promptfoo's); absent or `handlebars`: Handlebars (Dotprompt). */
  template?: 'handlebars' | 'nunjucks';
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
  const lineOf = (...keys: Array<string | number>) => keyLine(doc, lineCounter, keys);
  const fail = (message: string, ...keys: Array<string | number>) => inputError('PROMPT_INVALID', message, { file, line: lineOf(...keys) });

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
  const outputSchema = schema(output.schema, 'output');
  const outputStrict = readOutputStrict(output, outputSchema, fail);
  const tools = readToolsSpec(data, fail, lineOf);
  return {
    version,
    model: typeof data.model === 'string' ? data.model : undefined,
    config: isRecord(data.config) ? data.config : {},
    inputSchema: schema(input.schema, 'input'),
    outputFormat: output.format as FrontMatter['outputFormat'],
    outputSchema,
    ...(outputStrict === undefined ? {} : { outputStrict }),
    ...(tools ? { tools } : {}),
    ...(data.template === 'nunjucks' || data.template === 'handlebars' ? { template: data.template } : {}),
  };
}

/**
 * `output.strict`: a boolean, for an `output.schema`; `true` with a schema OpenAI's strict mode
 * cannot take (an object not closed, a property not required) is refused here rather than by the API.
 */
function readOutputStrict(output: Record<string, unknown>, outputSchema: unknown, fail: (message: string, ...keys: string[]) => Error): boolean | undefined {
  const strict = output.strict;
  if (strict === undefined || strict === null) return undefined;
  if (typeof strict !== 'boolean') throw fail(`output.strict must be true or false, not ${JSON.stringify(strict)}`, 'output', 'strict');
  if (outputSchema === undefined || output.format !== 'json') {
    throw fail('output.strict is for structured output: it needs output.format: json and an output.schema', 'output', 'strict');
  }
  if (strict) {
    const gaps = strictModeGaps(outputSchema);
    if (gaps.length > 0) {
      throw fail(`output.strict: true, but the schema cannot be strict: ${gaps.slice(0, 3).join('; ')}${gaps.length > 3 ? ` (+${gaps.length - 3} more)` : ''}`, 'output', 'strict');
    }
  }
  return strict;
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

/**
 * File line of the deepest of `keys` present (e.g. output → schema; a number is an item of a list:
 * tools → 1), else line 1 (the opening ---).
 */
function keyLine(doc: Document, lineCounter: LineCounter, keys: Array<string | number>): number {
  const { isMap, isScalar, isSeq } = loadYaml();
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!isSeq(node)) break;
      const item = node.items[key] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      if (item.range) offset = item.range[0];
      node = item;
      continue;
    }
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
