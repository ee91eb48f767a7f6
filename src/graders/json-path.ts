import { createRequire } from 'node:module';
import type { Assertion } from '../cases/types.js';
import { stableStringify } from '../util/hash.js';
import type { GraderDefinition, ParseInput } from './definition.js';
import { GraderError } from './grader-error.js';
import { extractJson } from './json.js';
import type { Grader } from './types.js';
import { isBlank, isTemplate, verdict } from './values.js';

/**
 * `json-path:<path> [<op> <JSON value>]`: assertions on structured output. The output's JSON (a
 * ```` ```json ```` block when there is one, else the whole output, as `schema` reads it) is queried
 * with an RFC 9535 JSONPath (`$.customer.tier`, `$.items[*].qty`, `$.items[?@.sku == "A"].qty`);
 * every value the path selects must compare with the value by the operator (`=`, `!=`, `<`, `<=`,
 * `>`, `>=`); without an operator (or with `exists`), the path must select something.
 * - a path that selects nothing fails, saying so (`not-json-path:$.error` passes then);
 * - an output that is not JSON fails closed: `not-` cannot turn it into a pass (a negated structural
 *   assertion never passes on an answer that has no structure);
 * - `<`, `<=`, `>`, `>=` compare two numbers or two strings (code-unit order); anything else fails.
 * The path is parsed when the case file is read: a bad one is exit 2 naming file:line.
 */

declare const PROMPTGATE_BUNDLE: boolean | undefined;
const bundled = typeof PROMPTGATE_BUNDLE !== 'undefined' && PROMPTGATE_BUNDLE;
const requireHere = bundled ? undefined : createRequire(import.meta.url);

type JsonPathModule = typeof import('jsonpath-rfc9535');
let jsonPathModule: JsonPathModule | undefined;

/** jsonpath-rfc9535, required on first use (parsing a spec is synchronous), as prompts/lazy.ts does. */
function loadJsonPath(): JsonPathModule {
  jsonPathModule ??= (requireHere ? requireHere('jsonpath-rfc9535') : require('jsonpath-rfc9535')) as JsonPathModule;
  return jsonPathModule;
}

const OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'exists'] as const;
type Operator = (typeof OPERATORS)[number];

/** The parsed value of `json-path`. */
interface JsonPathValue {
  path: string;
  op: Operator;
  /** The JSON value compared with (absent for `exists`). */
  value?: unknown;
}

const HINT = 'write json-path:<path> <op> <JSON value>, e.g. json-path:$.customer.tier = "pro" (ops =, !=, <, <=, >, >=), or json-path:<path> for "the path exists"';

/**
 * Splits `<path> <op> <value>`: the path runs to the first space or operator character outside
 * brackets, parentheses and quotes (so `$['a b']` and `$[?@.n > 1]` are one path).
 */
function splitSpec(text: string): { path: string; rest: string } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '(') depth++;
    else if (char === ']' || char === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && /[\s=!<>]/.test(char)) return { path: text.slice(0, i), rest: text.slice(i).trim() };
  }
  return { path: text, rest: '' };
}

function parseSpecText(text: string, fail: ParseInput['fail']): JsonPathValue {
  const { path, rest } = splitSpec(text.trim());
  if (rest === '') return { path: checkPath(path, fail), op: 'exists' };
  const match = /^(==|=|!=|<=|>=|<|>|exists\b)\s*([\s\S]*)$/.exec(rest);
  if (!match) throw fail(`expected an operator after the path ${JSON.stringify(path)}, found ${JSON.stringify(rest.slice(0, 20))}`, HINT);
  const op: Operator = match[1] === '==' ? '=' : (match[1] as Operator);
  const valueText = match[2].trim();
  if (op === 'exists') {
    if (valueText !== '') throw fail('`exists` takes no value', HINT);
    return { path: checkPath(path, fail), op };
  }
  if (valueText === '') throw fail(`the operator ${op} needs a JSON value after it`, HINT);
  let value: unknown;
  try {
    value = JSON.parse(valueText);
  } catch {
    throw fail(`the value ${JSON.stringify(valueText)} is not JSON`, `write strings in double quotes: json-path:${path} ${op} ${JSON.stringify(valueText)}`);
  }
  return { path: checkPath(path, fail), op, value };
}

/** The object form `{path, op?, value?}`: op defaults to `=` with a value, `exists` without. */
function parseObject(input: Record<string, unknown>, fail: ParseInput['fail']): JsonPathValue {
  const unknown = Object.keys(input).find((key) => key !== 'path' && key !== 'op' && key !== 'value');
  if (unknown !== undefined) throw fail(`unknown key '${unknown}' in json-path's value (allowed: path, op, value)`, HINT);
  if (typeof input.path !== 'string' || input.path.trim() === '') throw fail("json-path's value needs a `path` (a JSONPath such as $.customer.tier)", HINT);
  const op = input.op === undefined ? (Object.hasOwn(input, 'value') ? '=' : 'exists') : input.op === '==' ? '=' : input.op;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) throw fail(`unknown operator ${JSON.stringify(input.op)} (use ${OPERATORS.join(', ')})`, HINT);
  if (op === 'exists') {
    if (input.value !== undefined) throw fail('`exists` takes no value', HINT);
    return { path: checkPath(input.path.trim(), fail), op };
  }
  if (input.value === undefined) throw fail(`the operator ${op} needs a value`, HINT);
  return { path: checkPath(input.path.trim(), fail), op: op as Operator, value: input.value };
}

/** A path RFC 9535 accepts, without the regex functions (their running time depends on the pattern). */
function checkPath(path: string, fail: ParseInput['fail']): string {
  if (!path.startsWith('$')) throw fail(`the path ${JSON.stringify(path)} does not start with $`, HINT);
  try {
    loadJsonPath().query(null, path);
  } catch (error) {
    throw fail(`invalid JSONPath ${JSON.stringify(path)}: ${(error as Error).message}`, 'RFC 9535 syntax: $.a.b, $.items[0], $.items[*].qty, $..name, $.items[?@.qty > 1]');
  }
  if (/\b(?:match|search)\s*\(/.test(withoutQuoted(path))) {
    throw fail(`the JSONPath ${JSON.stringify(path)} uses match()/search(): regular expressions are not run in paths`, 'select the value with a path and compare it, or use a regex grader');
  }
  return path;
}

/** The path with its quoted strings emptied, to look for function names. */
function withoutQuoted(path: string): string {
  return path.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

function parseValue({ value, fail }: ParseInput): { value?: unknown } {
  if (isBlank(value)) throw fail("'json-path' needs a path", HINT);
  if (typeof value === 'string') return { value: parseSpecText(value, fail) };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { value: parseObject(value as Record<string, unknown>, fail) };
  throw fail("json-path's value must be a path expression or {path, op?, value?}", HINT);
}

function specOf(assertion: Assertion): JsonPathValue {
  const value = assertion.value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as JsonPathValue).path === 'string' && (OPERATORS as readonly unknown[]).includes((value as JsonPathValue).op)) {
    return value as JsonPathValue;
  }
  return parseValue({ value, fail: (message, hint) => new GraderError(`json-path: ${message}${hint ? ` (${hint})` : ''}`) }).value as JsonPathValue;
}

const SHOWN = 60;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/** Why `actual` does not compare with `expected` by `op`, or undefined when it does. */
function compare(actual: unknown, op: Exclude<Operator, 'exists'>, expected: unknown): string | undefined {
  if (op === '=' || op === '!=') {
    const equal = stableStringify(actual) === stableStringify(expected);
    return equal === (op === '=') ? undefined : `is ${show(actual)}, expected ${op} ${show(expected)}`;
  }
  const comparable = (typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string');
  if (!comparable) return `is ${show(actual)}, which cannot be compared with ${show(expected)} (${op} compares two numbers or two strings)`;
  const a = actual as number | string;
  const b = expected as number | string;
  const holds = op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  return holds ? undefined : `is ${show(actual)}, expected ${op} ${show(expected)}`;
}

/** A normalized path for reasons: `$['items'][0]['qty']`. */
function normalizedPath(segments: Array<string | number>): string {
  return `$${segments.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`)).join('')}`;
}

const jsonPath: Grader = async (output, assertion) => {
  const spec = specOf(assertion);
  const parsed = extractJson(output);
  if (!parsed.ok) return { pass: false, score: 0, reason: `output is not valid JSON, so ${spec.path} cannot be read: ${parsed.error}`, failClosed: true };
  const found: Array<{ value: unknown; at: Array<string | number> }> = [];
  loadJsonPath().exec(parsed.value as Parameters<JsonPathModule['exec']>[0], spec.path, (value, at) => found.push({ value, at: [...at] }));
  if (found.length === 0) return verdict(false, `${spec.path} selects nothing in the output's JSON`);
  if (spec.op === 'exists') return verdict(true, `${spec.path} selects ${found.length === 1 ? 'a value' : `${found.length} values`}`);
  for (const { value, at } of found) {
    const why = compare(value, spec.op, spec.value);
    if (why !== undefined) {
      const where = found.length === 1 ? spec.path : `${normalizedPath(at)} (of ${found.length} values ${spec.path} selects)`;
      return verdict(false, `${where} ${why}`);
    }
  }
  const head = found.length === 1 ? `${spec.path} is ${show(found[0].value)}` : `the ${found.length} values ${spec.path} selects are`;
  return verdict(true, `${head}: ${spec.op} ${show(spec.value)}`);
};

export const jsonPathDefinitions: readonly GraderDefinition[] = [
  {
    type: 'json-path',
    value: 'required',
    grade: jsonPath,
    parse: parseValue,
    check: (assertion) => {
      if (!isTemplate(assertion.value)) specOf(assertion);
      return undefined;
    },
  },
];
