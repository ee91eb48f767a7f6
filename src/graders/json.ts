import type { GradeResult, Grader } from './types.js';
import type { GraderDefinition, ParseInput } from './definition.js';
import { compileSchema, formatSchemaErrors, resolveSchema } from './schema.js';
import { isBlank, verdict } from './values.js';

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

/**
 * `is-json`: the whole trimmed output parses as JSON (strict: a fenced block does not count, use
 * `schema` for that). With a value, the JSON must also match it as a JSON Schema.
 */
export const isJson: Grader = async (output, assertion, context) => {
  const parsed = parseJson(output.trim());
  if (!isBlank(assertion.value)) return matchSchema(parsed, assertion.value, context.rootDir);
  if (parsed.ok) return verdict(true, 'output is valid JSON');
  const hint = findJsonFence(output) !== undefined ? ' (it holds a fenced JSON block; `schema` accepts that)' : '';
  return verdict(false, `output is not valid JSON${hint}: ${parsed.error}`);
};

/** `schema`: the output's JSON (a ```json fenced block, else the whole output) matches the JSON Schema. */
export const schema: Grader = async (output, assertion, context) =>
  matchSchema(extractJson(output), assertion.value, context.rootDir);

/** The schema is resolved and compiled first, so a broken schema is an error whatever the output. */
async function matchSchema(parsed: JsonParse, schemaValue: unknown, rootDir: string): Promise<GradeResult> {
  const validate = await compileSchema(await resolveSchema(schemaValue, rootDir));
  if (!parsed.ok) return verdict(false, `output is not valid JSON: ${parsed.error}`);
  return validate(parsed.value)
    ? verdict(true, 'output matches the schema')
    : verdict(false, `output does not match the schema: ${formatSchemaErrors(validate.errors)}`);
}

/** Inline JSON (starts with `{`) is parsed at load time so a typo fails before any model call; anything else is a path. */
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

async function checkSchema(value: unknown, rootDir: string): Promise<undefined> {
  await compileSchema(await resolveSchema(value, rootDir));
  return undefined;
}

/** `contains-json`: with a schema, the output's JSON must match it (`schema`); without, as `is-json`. */
const containsJson: Grader = (output, assertion, context) => (isBlank(assertion.value) ? isJson(output, assertion, context) : schema(output, assertion, context));

export const jsonDefinitions: readonly GraderDefinition[] = [
  { type: 'is-json', value: 'optional', grade: isJson, parse: parseSchemaValue, check: (a, ctx) => (isBlank(a.value) ? undefined : checkSchema(a.value, ctx.rootDir)) },
  { type: 'contains-json', value: 'optional', grade: containsJson, parse: parseSchemaValue, check: (a, ctx) => (isBlank(a.value) ? undefined : checkSchema(a.value, ctx.rootDir)) },
  { type: 'schema', value: 'required', grade: schema, parse: parseSchemaValue, check: (a, ctx) => checkSchema(a.value, ctx.rootDir) },
];
