import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Assertion } from '../cases/types.js';
import type { GradeResult, Grader } from './types.js';
import type { GraderDefinition, ParseInput } from './definition.js';
import { loadYaml } from '../prompts/lazy.js';
import { realPathOutside } from '../util/real-path.js';
import { GraderError } from './grader-error.js';
import { findJsonObjects } from './json-objects.js';
import { compileSchema, formatSchemaErrors, resolveSchema } from './schema.js';
import { isBlank, isTemplate, verdict } from './values.js';

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses text as JSON, as a value instead of a throw. */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The body of the first Markdown fenced block tagged `json` or untagged (```` ```json ````), or
 * undefined. Fences are paired line by line, so a ```` ```python ```` block before it is skipped whole.
 */
export function findJsonFence(output: string): string | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,})\s*([\w+-]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const close = lines.findIndex((line, j) => j > i && line.trim().startsWith(open[1]) && /^`+$/.test(line.trim()));
    if (close === -1) return undefined;
    if (open[2] === '' || open[2].toLowerCase() === 'json') return lines.slice(i + 1, close).join('\n');
    i = close;
  }
  return undefined;
}

/** JSON from the first ```json fenced block when the output has one, else from the whole trimmed output. */
export function extractJson(output: string): JsonParse {
  return parseJson((findJsonFence(output) ?? output).trim());
}

const SCHEMA_HINT = 'give a JSON Schema: inline JSON or YAML, or file://<path> relative to the case file';

/**
 * The JSON Schema of `is-json` / `contains-json`, as promptfoo takes it: an object (JSONL, config),
 * `file://<path>` (JSON or YAML, relative to the case file's folder, inside the project), or inline
 * JSON or YAML text. Undefined when the assertion has none. Throws GraderError for anything else.
 */
async function schemaOf(assertion: Assertion, rootDir: string): Promise<ValidateFunction | undefined> {
  const { value } = assertion;
  if (isBlank(value)) return undefined;
  if (typeof value === 'string' && value.startsWith('file://')) return compileSchema(await readSchemaRef(value, assertion.source.file, rootDir));
  if (typeof value === 'string') return compileSchema(inlineSchema(value, (message) => new GraderError(message)));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return compileSchema(value);
  throw new GraderError(`${assertion.type}'s value is not a JSON Schema (${SCHEMA_HINT})`);
}

/** Inline schema text (JSON is YAML) as an object, or `fail`. */
function inlineSchema(text: string, fail: (message: string, hint?: string) => Error): object {
  let parsed: unknown;
  try {
    parsed = loadYaml().parse(text, { logLevel: 'error' });
  } catch (error) {
    throw fail(`invalid inline schema: ${(error as Error).message.split('\n')[0]}`, SCHEMA_HINT);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw fail(`the value ${JSON.stringify(text)} is not a JSON Schema`, 'write a schema file as file://<path>, relative to the case file, or the schema itself as JSON or YAML');
  }
  return parsed;
}

const schemaRefs = new Map<string, Promise<object>>();

/** A `file://` schema, read once per process: relative to the case file's folder, never outside the project. */
export async function readSchemaRef(ref: string, caseFile: string, rootDir: string): Promise<object> {
  const written = ref.slice('file://'.length);
  const file = resolve(rootDir, dirname(caseFile), written);
  const fromRoot = relative(rootDir, file);
  if (fromRoot.startsWith('..') || isAbsolute(fromRoot)) throw new GraderError(`schema ${ref} leaves the project root`);
  let pending = schemaRefs.get(file);
  if (!pending) {
    pending = (async () => {
      const outside = await realPathOutside(file, rootDir);
      if (outside) throw new GraderError(`schema ${ref} resolves outside the project, to ${outside}`);
      let text: string;
      try {
        text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new GraderError(code === 'ENOENT' ? `schema file not found: ${fromRoot}` : `cannot read schema file ${fromRoot}: ${code ?? (error as Error).message}`);
      }
      if (extname(file).toLowerCase() === '.json') {
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
        } catch {
          throw new GraderError(`schema file ${fromRoot} is not valid JSON`);
        }
        throw new GraderError(`schema file ${fromRoot} is not a JSON object`);
      }
      return inlineSchema(text, (message) => new GraderError(`schema file ${fromRoot}: ${message}`));
    })();
    schemaRefs.set(file, pending);
  }
  return pending;
}

/**
 * `is-json`: the whole output parses as JSON (`JSON.parse`, which allows surrounding whitespace;
 * a fenced block does not count). With a schema, the JSON must also match it.
 */
export const isJson: Grader = async (output, assertion, context) => {
  const validate = await schemaOf(assertion, context.rootDir);
  const parsed = parseJson(output);
  if (!parsed.ok) {
    const hint = findJsonFence(output) !== undefined ? ' (it holds a fenced JSON block; `contains-json` or `schema` accept that)' : '';
    return verdict(false, `output is not valid JSON${hint}: ${parsed.error}`);
  }
  if (!validate) return verdict(true, 'output is valid JSON');
  return validate(parsed.value) ? verdict(true, 'output is JSON matching the schema') : verdict(false, `output JSON does not match the schema: ${formatSchemaErrors(validate.errors)}`);
};

/**
 * `contains-json`: the output holds a JSON object somewhere, found as promptfoo finds it (see
 * findJsonObjects: in prose, in a fenced block, with comments or unquoted keys); with a schema, one
 * of the objects found matches it.
 */
export const containsJson: Grader = async (output, assertion, context) => {
  const validate = await schemaOf(assertion, context.rootDir);
  const objects = findJsonObjects(output);
  if (objects.length === 0) return verdict(false, 'output contains no JSON object');
  if (!validate) return verdict(true, `output contains ${objects.length === 1 ? 'a JSON object' : `${objects.length} JSON objects`}`);
  let errors = '';
  for (const object of objects) {
    if (validate(object)) return verdict(true, 'output contains a JSON object matching the schema');
    errors = formatSchemaErrors(validate.errors);
  }
  return verdict(false, `no JSON object in the output matches the schema (the last one: ${errors})`);
};

/** `schema`: the output's JSON (a ```json fenced block, else the whole output) matches the JSON Schema. */
export const schema: Grader = async (output, assertion, context) => matchSchema(extractJson(output), assertion.value, context.rootDir);

/** The schema is resolved and compiled first, so a broken schema is an error whatever the output. */
async function matchSchema(parsed: JsonParse, schemaValue: unknown, rootDir: string): Promise<GradeResult> {
  const validate = await compileSchema(await resolveSchema(schemaValue, rootDir));
  if (!parsed.ok) return verdict(false, `output is not valid JSON: ${parsed.error}`);
  return validate(parsed.value)
    ? verdict(true, 'output matches the schema')
    : verdict(false, `output does not match the schema: ${formatSchemaErrors(validate.errors)}`);
}

/** `schema`: inline JSON (starts with `{`) is parsed at load time so a typo fails before any model call; anything else is a path. */
function parseSchemaValue({ value, fail }: ParseInput): { value?: unknown } {
  if (isBlank(value)) return {};
  if (typeof value !== 'string') return { value };
  if (!value.startsWith('{') && !value.startsWith('[')) return { value };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw fail(`invalid JSON in inline schema: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('an inline schema must be a JSON object');
  return { value: parsed };
}

/** `is-json` / `contains-json`: an inline schema (JSON or YAML) is read at load time; `file://` stays a reference. */
function parseJsonSchemaOption({ value, fail }: ParseInput): { value?: unknown } {
  if (isBlank(value)) return {};
  if (typeof value !== 'string' || value.startsWith('file://') || isTemplate(value)) return { value };
  return { value: inlineSchema(value, fail) };
}

async function checkSchemaOption(assertion: Assertion, rootDir: string): Promise<undefined> {
  if (!isTemplate(assertion.value)) await schemaOf(assertion, rootDir);
  return undefined;
}

export const jsonDefinitions: readonly GraderDefinition[] = [
  { type: 'is-json', value: 'optional', grade: isJson, parse: parseJsonSchemaOption, check: (a, ctx) => checkSchemaOption(a, ctx.rootDir) },
  { type: 'contains-json', value: 'optional', grade: containsJson, parse: parseJsonSchemaOption, check: (a, ctx) => checkSchemaOption(a, ctx.rootDir) },
  {
    type: 'schema',
    value: 'required',
    grade: schema,
    parse: parseSchemaValue,
    check: async (a, ctx) => {
      await compileSchema(await resolveSchema(a.value, ctx.rootDir));
      return undefined;
    },
  },
];
