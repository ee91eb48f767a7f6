import type { ValidateFunction } from 'ajv';
import type { Assertion } from '../cases/types.js';
import type { ExpectedToolCall, ToolCall, ToolDefinition } from '../tools/types.js';
import { partialMismatch } from '../tools/match.js';
import { checkUnitThreshold, type GraderDefinition, type ParseInput } from './definition.js';
import { GraderError } from './grader-error.js';
import { readSchemaRef } from './json.js';
import { compileSchema, formatSchemaErrors, resolveSchema } from './schema.js';
import type { GradeResult, Grader, GraderContext } from './types.js';
import { isBlank, isTemplate, quote, verdict } from './values.js';
import { isRecord } from '../util/record.js';

/**
 * Graders of the tool calls a model made (`context.toolCalls`, every step's for a multi-step case):
 * `tool-call`, `tool-call-count`, `tool-args-schema`, and promptfoo's `is-valid-openai-tools-call`
 * and `tool-call-f1`. A call whose arguments are not valid JSON (`argumentsError`) fails with that
 * reason wherever its arguments are read.
 */

/** A tool name in a cell: what the OpenAI and Anthropic APIs accept, and dots. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const TOOL_CALL_HINT = 'write tool-call:<tool name>, or tool-call:<tool name> {"key": value} for partial arguments (JSON)';

function calls(context: GraderContext): ToolCall[] {
  return context.toolCalls ?? [];
}

/** `"a", "b"` (the tools called, in order, repeats once), or `no tool`. */
function calledList(list: ToolCall[]): string {
  if (list.length === 0) return 'no tool';
  return [...new Set(list.map((call) => call.name))].map((name) => quote(name)).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Why a call's arguments could not be read (`argumentsError`; absent arguments with no reason too). */
function unreadable(call: ToolCall): string | undefined {
  if (call.argumentsError !== undefined) return call.argumentsError;
  return isRecord(call.arguments) ? undefined : 'the arguments were not parsed';
}

// ---------------------------------------------------------------------------------------------
// tool-call[:<name>[ <json partial arguments>]]

/** The value of `tool-call`: `<name>`, `<name> <JSON object>`, a JSON `{name, arguments?}` text, or that object. */
function parseExpectedCall(value: unknown, fail: ParseInput['fail']): ExpectedToolCall | undefined {
  if (isBlank(value)) return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('{')) return parseExpectedCall(parseJsonText(text, 'the value', fail), fail);
    const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text);
    const name = match?.[1] ?? '';
    if (!TOOL_NAME.test(name)) throw fail(`${JSON.stringify(name)} is not a tool name`, TOOL_CALL_HINT);
    const argsText = match?.[2]?.trim();
    if (!argsText) return { name };
    const args = parseJsonText(argsText, 'the partial arguments', fail);
    if (!isRecord(args)) throw fail('the partial arguments must be a JSON object', TOOL_CALL_HINT);
    return { name, arguments: args };
  }
  if (!isRecord(value)) throw fail("tool-call's value must be a tool name or {name, arguments?}", TOOL_CALL_HINT);
  const unknown = Object.keys(value).find((key) => key !== 'name' && key !== 'arguments');
  if (unknown !== undefined) throw fail(`unknown key '${unknown}' in tool-call's value (allowed: name, arguments)`, TOOL_CALL_HINT);
  if (typeof value.name !== 'string' || value.name.trim() === '') throw fail("tool-call's value needs a `name` (the tool's name)", TOOL_CALL_HINT);
  if (value.arguments === undefined || value.arguments === null) return { name: value.name };
  if (!isRecord(value.arguments)) throw fail("tool-call's `arguments` must be an object (the arguments to match partially)", TOOL_CALL_HINT);
  return { name: value.name, arguments: value.arguments };
}

function parseJsonText(text: string, what: string, fail: ParseInput['fail'], hint = TOOL_CALL_HINT): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(`invalid JSON in ${what}: ${(error as Error).message}`, hint);
  }
}

function expectedCallOf(assertion: Assertion): ExpectedToolCall | undefined {
  return parseExpectedCall(assertion.value, (message, hint) => new GraderError(`tool-call: ${message}${hint ? ` (${hint})` : ''}`));
}

/**
 * `tool-call`: the model called some tool; `tool-call:<name>`: it called that tool; with partial
 * arguments, one of its calls to that tool has them (matchesPartial). A call to the tool whose
 * arguments are not valid JSON, when no call matched, fails with that reason and fails closed: a
 * `not-tool-call:<name> {…}` cannot pass on arguments it could not read.
 */
const toolCall: Grader = async (_output, assertion, context) => {
  const expected = expectedCallOf(assertion);
  const all = calls(context);
  if (!expected) {
    if (all.length === 0) return verdict(false, 'the model called no tool');
    return unreadableCalls(all, 'the model called tools whose arguments are not valid JSON') ?? verdict(true, `the model called ${calledList(all)}`);
  }
  const named = all.filter((call) => call.name === expected.name);
  if (named.length === 0) return verdict(false, `no call to ${quote(expected.name)} (the model called ${calledList(all)})`);
  if (expected.arguments === undefined) {
    // A call the app could not read is no call: invalid JSON arguments fail even when none are expected.
    return unreadableCalls(named, `the call to ${quote(expected.name)} has arguments that are not valid JSON`)
      ?? verdict(true, `the model called ${quote(expected.name)}${named.length > 1 ? ` ${named.length} times` : ''}`);
  }
  let mismatch: string | undefined;
  let invalid: string | undefined;
  for (const call of named) {
    const why = unreadable(call);
    if (why !== undefined) {
      invalid ??= why;
      continue;
    }
    const differs = partialMismatch(call.arguments, expected.arguments);
    if (differs === undefined) return verdict(true, `the model called ${quote(expected.name)} with matching arguments`);
    mismatch ??= differs;
  }
  if (invalid !== undefined) {
    return { pass: false, score: 0, reason: `the call to ${quote(expected.name)} has arguments that are not valid JSON: ${invalid}`, failClosed: true };
  }
  const head = named.length === 1 ? `the call to ${quote(expected.name)}` : `none of the ${named.length} calls to ${quote(expected.name)} matches; the first`;
  return verdict(false, `${head}: arguments ${mismatch}`);
};

/** A fail (closed) when no call of `list` has readable arguments, with the first reason; undefined when one has. */
function unreadableCalls(list: ToolCall[], head: string): GradeResult | undefined {
  const reasons = list.map(unreadable);
  if (reasons.some((why) => why === undefined)) return undefined;
  return { pass: false, score: 0, reason: `${head}: ${reasons[0]}`, failClosed: true };
}

// ---------------------------------------------------------------------------------------------
// tool-call-count(n)[:<name>]

const COUNT_HINT = 'write tool-call-count(<n>) for n calls in all, or tool-call-count(<n>):<tool name>';

/** `tool-call-count(n)[:<name>]`: n in the threshold (or a numeric object value), an optional tool name. */
function parseCount({ value, threshold, fail }: ParseInput): { value?: unknown; threshold?: number } {
  let n = threshold;
  let name: string | undefined;
  if (typeof value === 'number' && n === undefined) n = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    name = value.trim();
    if (!TOOL_NAME.test(name)) throw fail(`${JSON.stringify(name)} is not a tool name`, COUNT_HINT);
  } else if (!isBlank(value)) throw fail("tool-call-count's value is the tool's name", COUNT_HINT);
  if (n === undefined) throw fail("'tool-call-count' needs the number of calls", COUNT_HINT);
  if (!Number.isInteger(n) || n < 0) throw fail(`the number of calls ${n} is not a whole number ≥ 0`, COUNT_HINT);
  return { value: name, threshold: n };
}

/** `tool-call-count(n)`: exactly n tool calls; with `:<name>`, exactly n calls to that tool. */
const toolCallCount: Grader = async (_output, assertion, context) => {
  const { value, threshold } = parseCount({ value: assertion.value, threshold: assertion.threshold, fail: (message) => new GraderError(`tool-call-count: ${message}`) });
  const name = value as string | undefined;
  const n = threshold as number;
  const counted = name === undefined ? calls(context) : calls(context).filter((call) => call.name === name);
  const what = name === undefined ? plural(counted.length, 'tool call') : `${plural(counted.length, 'call')} to ${quote(name)}`;
  return verdict(counted.length === n, `${what}, expected ${n}`);
};

// ---------------------------------------------------------------------------------------------
// tool-args-schema[:<name>[ <schema or path>]]

const ARGS_SCHEMA_HINT =
  'write tool-args-schema (every call against its declared tool), tool-args-schema:<tool name>, or tool-args-schema:<tool name> <schema: inline JSON, file://<path> relative to the case file, or a path relative to the project root>';

interface ArgsSchemaValue {
  name: string;
  /** A schema object, `file://<path>` (relative to the case file) or a path relative to the project root. */
  schema?: unknown;
}

function parseArgsSchema(value: unknown, fail: ParseInput['fail']): ArgsSchemaValue | undefined {
  if (isBlank(value)) return undefined;
  if (typeof value === 'string') {
    const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(value.trim());
    const name = match?.[1] ?? '';
    if (!TOOL_NAME.test(name)) throw fail(`${JSON.stringify(name)} is not a tool name`, ARGS_SCHEMA_HINT);
    const schemaText = match?.[2]?.trim();
    if (!schemaText) return { name };
    if (!schemaText.startsWith('{')) return { name, schema: schemaText };
    const parsed = parseJsonText(schemaText, 'inline schema', fail, ARGS_SCHEMA_HINT);
    if (!isRecord(parsed)) throw fail('an inline schema must be a JSON object', ARGS_SCHEMA_HINT);
    return { name, schema: parsed };
  }
  if (!isRecord(value)) throw fail("tool-args-schema's value must be a tool name or {name, schema?}", ARGS_SCHEMA_HINT);
  const unknown = Object.keys(value).find((key) => key !== 'name' && key !== 'schema');
  if (unknown !== undefined) throw fail(`unknown key '${unknown}' in tool-args-schema's value (allowed: name, schema)`, ARGS_SCHEMA_HINT);
  if (typeof value.name !== 'string' || value.name.trim() === '') throw fail("tool-args-schema's value needs a `name` (the tool's name)", ARGS_SCHEMA_HINT);
  if (value.schema === undefined || value.schema === null) return { name: value.name };
  if (!isRecord(value.schema) && (typeof value.schema !== 'string' || value.schema.trim() === '')) {
    throw fail("tool-args-schema's `schema` must be a JSON Schema object or a path", ARGS_SCHEMA_HINT);
  }
  return { name: value.name, schema: value.schema };
}

function argsSchemaOf(assertion: Assertion): ArgsSchemaValue | undefined {
  return parseArgsSchema(assertion.value, (message, hint) => new GraderError(`tool-args-schema: ${message}${hint ? ` (${hint})` : ''}`));
}

/** The validator of a schema given in the assertion: an object, `file://` relative to the case file, or a path relative to the root. */
async function givenSchema(schema: unknown, assertion: Assertion, rootDir: string): Promise<ValidateFunction> {
  if (typeof schema === 'string' && schema.startsWith('file://')) return compileSchema(await readSchemaRef(schema, assertion.source.file, rootDir));
  return compileSchema(await resolveSchema(schema, rootDir));
}

/** The validator of a declared tool's inputSchema, or undefined when the prompt declares no such tool. */
async function declaredSchema(tools: readonly ToolDefinition[] | undefined, name: string): Promise<ValidateFunction | undefined> {
  const tool = tools?.find((candidate) => candidate.name === name);
  if (!tool) return undefined;
  try {
    return await compileSchema(tool.inputSchema);
  } catch (error) {
    throw new GraderError(`the inputSchema of the prompt's tool ${quote(name)} is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/**
 * `tool-args-schema:<name> [<schema>]`: every call to the tool has arguments valid against the
 * schema given, else against the tool's inputSchema as the prompt declares it (none declared: a
 * grader error). `tool-args-schema` alone: every call the model made, each against its tool's
 * declared inputSchema (a call to a tool the prompt does not declare fails). No call to check
 * fails. A call whose arguments are not valid JSON fails with that reason.
 */
const toolArgsSchema: Grader = async (_output, assertion, context) => {
  const value = argsSchemaOf(assertion);
  const declared = context.prompt.tools;
  const all = calls(context);
  // The schema is resolved before the calls are read, so a broken one is an error whatever the model did.
  let fixed: ValidateFunction | undefined;
  if (value?.schema !== undefined) fixed = await givenSchema(value.schema, assertion, context.rootDir);
  else if (value) {
    fixed = await declaredSchema(declared, value.name);
    if (!fixed) {
      throw new GraderError(`the prompt declares no tool ${quote(value.name)} to check its arguments against (declare it in the prompt's tools, or give a schema: tool-args-schema:${value.name} <schema>)`);
    }
  } else if (!declared || declared.length === 0) {
    throw new GraderError("the prompt declares no tools to check the calls' arguments against (declare tools, or name a tool and give a schema: tool-args-schema:<tool> <schema>)");
  }
  const targets = value ? all.filter((call) => call.name === value.name) : all;
  if (targets.length === 0) return verdict(false, value ? `no call to ${quote(value.name)} (the model called ${calledList(all)})` : 'the model called no tool');
  for (const call of targets) {
    const validate = fixed ?? (await declaredSchema(declared, call.name));
    if (!validate) return verdict(false, `the model called ${quote(call.name)}, which the prompt does not declare`);
    const problem = unreadable(call);
    if (problem !== undefined) return verdict(false, `the call to ${quote(call.name)} has arguments that are not valid JSON: ${problem}`);
    if (!validate(call.arguments)) return verdict(false, `the arguments of the call to ${quote(call.name)} do not match the schema: ${formatSchemaErrors(validate.errors)}`);
  }
  const what = value ? `${plural(targets.length, 'call')} to ${quote(value.name)}` : plural(targets.length, 'tool call');
  return verdict(true, `the arguments of ${targets.length === 1 ? 'the' : 'all'} ${what} match ${fixed ? 'the schema' : 'their tools\' schemas'}`);
};

async function checkArgsSchema(assertion: Assertion, rootDir: string): Promise<undefined> {
  if (isTemplate(assertion.value)) return undefined;
  const value = argsSchemaOf(assertion);
  if (value?.schema !== undefined) await givenSchema(value.schema, assertion, rootDir);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// promptfoo's is-valid-openai-tools-call

/**
 * promptfoo's `is-valid-openai-tools-call`: the model made tool calls, and each names a tool the
 * prompt declares and has arguments (valid JSON) that match that tool's inputSchema. No tool call
 * fails; a prompt without tools is a grader error (promptfoo fails that, also under `not-`).
 */
const isValidToolsCall: Grader = async (_output, _assertion, context) => {
  const all = calls(context);
  if (all.length === 0) return verdict(false, 'the model made no tool calls');
  const declared = context.prompt.tools;
  if (!declared || declared.length === 0) {
    throw new GraderError('the prompt declares no tools: is-valid-openai-tools-call checks each call against the tools in its front matter');
  }
  for (const call of all) {
    const validate = await declaredSchema(declared, call.name);
    if (!validate) return verdict(false, `called ${quote(call.name)}, but the prompt declares no tool with that name`);
    const problem = unreadable(call);
    if (problem !== undefined) return verdict(false, `the call to ${quote(call.name)} has arguments that are not valid JSON: ${problem}`);
    if (!validate(call.arguments)) return verdict(false, `the call to ${quote(call.name)} does not match its schema: ${formatSchemaErrors(validate.errors)}`);
  }
  return verdict(true, `${all.length === 1 ? 'the tool call is' : `all ${all.length} tool calls are`} valid against the declared tools`);
};

// ---------------------------------------------------------------------------------------------
// promptfoo's tool-call-f1

const F1_HINT = 'list the expected tool names: tool-call-f1:lookup_order,escalate (or a JSONL list)';

/** The expected tool names: a comma-separated text or a list, trimmed, blanks dropped (as promptfoo). */
function parseF1({ value, fail }: ParseInput): { value?: unknown } {
  let names: string[];
  if (Array.isArray(value)) names = value.map((item) => String(item).trim());
  else if (typeof value === 'string') names = value.split(',').map((item) => item.trim());
  else throw fail("'tool-call-f1' needs the expected tool names", F1_HINT);
  names = names.filter(Boolean);
  if (names.length === 0) throw fail("'tool-call-f1' needs at least one expected tool name", F1_HINT);
  return { value: names };
}

function formatRatio(value: number): string {
  return value.toFixed(3);
}

/**
 * promptfoo's `tool-call-f1`: F1 of the set of tools called against the set expected (order and
 * repeats do not count); passes when F1 ≥ the threshold (default 1, every expected tool and no
 * other). Scores the F1, also under `not-` (promptfoo keeps it).
 */
const toolCallF1: Grader = async (_output, assertion, context) => {
  const expected = new Set(parseF1({ value: assertion.value, fail: (message) => new GraderError(`tool-call-f1: ${message}`) }).value as string[]);
  const actual = new Set(calls(context).map((call) => call.name));
  const intersection = [...expected].filter((name) => actual.has(name)).length;
  const precision = actual.size > 0 ? intersection / actual.size : 0;
  const recall = intersection / expected.size;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const threshold = assertion.threshold ?? 1;
  const pass = f1 >= threshold;
  const lists = `expected [${[...expected].sort().join(', ')}], called [${[...actual].sort().join(', ') || '(none)'}]`;
  const reason = `tool call F1 ${formatRatio(f1)} ${pass ? '≥' : '<'} ${threshold} (precision ${formatRatio(precision)}, recall ${formatRatio(recall)}): ${lists}`;
  return { pass, score: f1, reason, negatedScore: f1 } satisfies GradeResult;
};

// ---------------------------------------------------------------------------------------------

export const toolCallDefinitions: readonly GraderDefinition[] = [
  {
    type: 'tool-call',
    value: 'optional',
    bare: true,
    grade: toolCall,
    parse: ({ value, fail }) => ({ value: parseExpectedCall(value, fail) }),
    check: (assertion) => {
      if (!isTemplate(assertion.value)) expectedCallOf(assertion);
      return undefined;
    },
  },
  {
    type: 'tool-call-count',
    value: 'optional',
    bare: true,
    grade: toolCallCount,
    parse: parseCount,
    check: (assertion) => {
      parseCount({ value: assertion.value, threshold: assertion.threshold, fail: (message) => new GraderError(message) });
      return undefined;
    },
  },
  {
    type: 'tool-args-schema',
    value: 'optional',
    bare: true,
    grade: toolArgsSchema,
    parse: ({ value, fail }) => ({ value: parseArgsSchema(value, fail) }),
    check: (assertion, context) => checkArgsSchema(assertion, context.rootDir),
  },
  { type: 'is-valid-openai-tools-call', value: 'none', bare: true, grade: isValidToolsCall },
  {
    type: 'tool-call-f1',
    value: 'required',
    grade: toolCallF1,
    parse: (input) => ({ ...parseF1(input), threshold: input.threshold }),
    check: (assertion) => checkUnitThreshold(assertion.threshold),
  },
];
