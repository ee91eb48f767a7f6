import { splitList } from '../util/split-list.js';
import { inputError, type SourceLocation } from '../errors.js';
import { readRegexLiteral } from '../graders/regex.js';
import { findTypeTypo, suggestType } from './grader-typo.js';
import type { Assertion, GraderType } from './types.js';

/** Spec type names (with aliases) → grader type. `contains-json` is handled apart. */
const TYPE_NAMES: Record<string, GraderType> = {
  equals: 'equals',
  contains: 'contains',
  icontains: 'icontains',
  'contains-any': 'contains-any',
  'contains-all': 'contains-all',
  'starts-with': 'starts-with',
  regex: 'regex',
  'is-json': 'is-json',
  schema: 'schema',
  rubric: 'rubric',
  'llm-rubric': 'rubric',
  grade: 'rubric',
  js: 'js',
  javascript: 'js',
  latency: 'latency',
  cost: 'cost',
};

/** Types whose spec needs a value after `:`. */
const NEEDS_VALUE = new Set<GraderType>(['equals', 'contains', 'icontains', 'contains-any', 'contains-all', 'starts-with', 'regex', 'schema', 'rubric', 'js']);

/**
 * promptfoo assertion types (and legacy prefixes) promptgate does not run. A spec using one is an
 * input error rather than a silent exact match, so a promptfoo CSV never passes by accident.
 */
const UNSUPPORTED_TYPES = new Set([
  'python', 'fn', 'eval', 'file', 'webhook', 'similar', 'levenshtein', 'rouge-n', 'bleu', 'gleu', 'meteor',
  'perplexity', 'perplexity-score', 'classifier', 'moderation', 'factuality', 'model-graded-closedqa',
  'model-graded-factuality', 'answer-relevance', 'context-faithfulness', 'context-recall', 'context-relevance',
  'conversation-relevance', 'select-best', 'max-score', 'g-eval', 'search-rubric', 'human', 'pi', 'guardrails',
  'is-html', 'contains-html', 'is-sql', 'contains-sql', 'is-xml', 'contains-xml', 'is-refusal',
  'icontains-any', 'icontains-all', 'is-valid-function-call', 'is-valid-openai-function-call',
  'is-valid-openai-tools-call', 'tool-call-f1', 'finish-reason', 'word-count', 'ruby', 'f-score',
  'trace-span-count', 'trace-span-duration', 'trace-error-spans',
]);

const SUPPORTED_HINT =
  'supported: equals, contains, icontains, contains-any, contains-all, starts-with, regex, is-json, schema, contains-json, rubric, js, latency(<ms>), cost(<usd>), each with an optional not- prefix';

/** Every type name a cell can mean: promptgate's types and aliases, and promptfoo's that promptgate does not run. */
const KNOWN_NAMES = [...Object.keys(TYPE_NAMES), 'contains-json', ...UNSUPPORTED_TYPES];

/** "did you mean" for a near miss of `suggestion` (which may be a promptfoo type promptgate does not run). */
function didYouMean(suggestion: string): string {
  const unsupported = UNSUPPORTED_TYPES.has(suggestion.replace(/^not-/, ''));
  return `did you mean \`${suggestion}\`?${unsupported ? ' (a promptfoo type promptgate does not run)' : ''}`;
}

/** `[not-]<type>[(<threshold>)][:<value>]` */
const SPEC_PATTERN = /^(not-)?([a-z][a-z0-9-]*)(?:\(([^)]*)\))?(?::([\s\S]*))?$/;

/**
 * Parses a grader spec string (a CSV `__expected` cell, a JSONL `expected`, a suite `assert`
 * entry) with promptfoo's grammar `[not-]<type>[(<threshold>)][:<value>]`. A `/pattern/flags`
 * cell (a JS regex literal) is a regex; a cell that names no type (`Paris`, `Answer: yes`) is an
 * exact match. Throws GRADER_INVALID naming `source` for an unsupported promptfoo type, a near miss
 * of a type name (`startswith:ship`, see grader-typo.ts), a missing value, a threshold that is not
 * a number, or invalid inline schema JSON.
 */
export function parseGraderSpec(spec: string, source: SourceLocation): Assertion {
  const text = spec.trim();
  const fail = (message: string, hint?: string) => inputError('GRADER_INVALID', message, source, hint);
  if (text === '') throw fail('empty grader spec');
  if (readRegexLiteral(text)) return { type: 'regex', negate: false, value: text, weight: 1, source, spec: text };

  const match = SPEC_PATTERN.exec(text);
  const exact = (): Assertion => {
    const typo = findTypeTypo(text, KNOWN_NAMES);
    if (typo) throw fail(`unknown grader type '${typo.written}'`, `${didYouMean(typo.suggestion)} To match the whole cell as text, write equals:${text}`);
    return { type: 'equals', negate: false, value: text, weight: 1, source, spec: text };
  };
  if (!match) return exact();
  const [, not, name, thresholdText, rawValue] = match;
  const decorated = not !== undefined || thresholdText !== undefined || rawValue !== undefined;

  if (UNSUPPORTED_TYPES.has(name)) {
    // A bare word ("python", "human") is more likely an expected answer than a grader.
    if (!decorated && !name.includes('-')) return exact();
    throw fail(`unknown grader type '${name}'`, SUPPORTED_HINT);
  }
  const known = name === 'contains-json' || Object.hasOwn(TYPE_NAMES, name);
  if (!known) return exact();
  const type = name === 'contains-json' ? (rawValue?.trim() ? 'schema' : 'is-json') : TYPE_NAMES[name];
  // "contains" or "regex" alone reads as an answer, not as a grader missing its value.
  if (!decorated && (NEEDS_VALUE.has(type) || type === 'latency' || type === 'cost')) return exact();

  const threshold = thresholdText === undefined ? undefined : parseThreshold(thresholdText, fail);
  const value = rawValue === undefined ? undefined : rawValue.trim();
  return build({ type, negate: not !== undefined, value, threshold, weight: 1, source, spec: text, fail });
}

/** A grader spec as an object (JSONL `assert`, suite `assert`). Same aliases and checks as the string form. */
export interface AssertionInput {
  type: string;
  value?: unknown;
  weight?: number;
  threshold?: number;
  metric?: string;
}

/** The keys of an assertion object (JSONL `assert` entries, suite `assert`). */
const ASSERTION_KEYS = new Set(['type', 'value', 'weight', 'threshold', 'metric']);

/**
 * Builds an assertion from an object `{type, value?, weight?, threshold?, metric?}`. `type` may
 * carry `not-` and the aliases of the string form. Throws GRADER_INVALID naming `source` for an
 * unknown type, a missing value, or a weight / threshold that is not a number ≥ 0.
 */
export function assertionFromConfig(input: AssertionInput, source: SourceLocation): Assertion {
  const fail = (message: string, hint?: string) => inputError('GRADER_INVALID', message, source, hint);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw fail('an assertion must be an object {type, value?, weight?, threshold?}');
  // A misspelt key (`thresold`) would otherwise be ignored without a word.
  const unknown = Object.keys(input).find((key) => !ASSERTION_KEYS.has(key));
  if (unknown !== undefined) throw fail(`unknown key '${unknown}' in an assertion (allowed: ${[...ASSERTION_KEYS].join(', ')})`);
  if (typeof input.type !== 'string' || input.type.trim() === '') throw fail('an assertion needs a `type`', SUPPORTED_HINT);
  const negate = input.type.startsWith('not-');
  const name = (negate ? input.type.slice(4) : input.type).trim();
  const hasValue = input.value !== undefined && input.value !== null && input.value !== '';
  let type: GraderType;
  if (name === 'contains-json') type = hasValue ? 'schema' : 'is-json';
  else if (Object.hasOwn(TYPE_NAMES, name)) type = TYPE_NAMES[name];
  else {
    const suggestion = suggestType(input.type.trim(), KNOWN_NAMES);
    throw fail(`unknown grader type '${name}'`, suggestion ? didYouMean(suggestion) : SUPPORTED_HINT);
  }

  const weight = input.weight === undefined ? 1 : input.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw fail(`weight ${JSON.stringify(input.weight)} is not a number ≥ 0`);
  if (input.threshold !== undefined && (typeof input.threshold !== 'number' || !Number.isFinite(input.threshold) || input.threshold < 0)) {
    throw fail(`threshold ${JSON.stringify(input.threshold)} is not a number ≥ 0`);
  }
  if (input.metric !== undefined && typeof input.metric !== 'string') throw fail('metric must be a string');
  const valueText = typeof input.value === 'string' ? input.value : input.value === undefined ? '' : JSON.stringify(input.value);
  const spec = `${input.type}${input.threshold !== undefined ? `(${input.threshold})` : ''}${valueText ? `:${valueText}` : ''}`;
  const value = typeof input.value === 'string' ? input.value.trim() : input.value === null ? undefined : input.value;
  const assertion = build({ type, negate, value, threshold: input.threshold, weight, source, spec, fail });
  if (input.metric !== undefined) assertion.metric = input.metric;
  return assertion;
}

/** A suite `assert` entry: a spec string or an object. */
export function toAssertion(entry: string | AssertionInput, source: SourceLocation): Assertion {
  return typeof entry === 'string' ? parseGraderSpec(entry, source) : assertionFromConfig(entry, source);
}

interface Parts {
  type: GraderType;
  negate: boolean;
  value: unknown;
  threshold?: number;
  weight: number;
  source: SourceLocation;
  spec: string;
  fail: (message: string, hint?: string) => Error;
}

function build({ type, negate, value, threshold, weight, source, spec, fail }: Parts): Assertion {
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (NEEDS_VALUE.has(type) && empty) throw fail(`'${type}' needs a value (${type}:<value>)`);
  const assertion: Assertion = { type, negate, weight, source, spec };
  if (type === 'contains-any' || type === 'contains-all') {
    const items = Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))) : splitList(String(value));
    if (items.length === 0) throw fail(`'${type}' needs a comma-separated list of values`);
    assertion.value = items;
  } else if (type === 'schema' || type === 'is-json') {
    if (!empty) assertion.value = typeof value === 'string' ? parseSchemaValue(value, fail) : value;
  } else if (type === 'latency' || type === 'cost') {
    if (threshold === undefined && !empty) threshold = parseThreshold(String(value), fail);
    if (threshold === undefined) throw fail(`'${type}' needs a limit: ${type}(<${type === 'latency' ? 'ms' : 'usd'}>)`);
  } else if (!empty) {
    assertion.value = value;
  }
  if (threshold !== undefined) assertion.threshold = threshold;
  return assertion;
}

function parseThreshold(text: string, fail: (message: string) => Error): number {
  const trimmed = text.trim();
  const number = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(number) || number < 0) throw fail(`threshold '${text}' is not a number ≥ 0`);
  return number;
}

/** Inline JSON (starts with `{`) is parsed here so a typo fails before any model call; anything else is a path. */
function parseSchemaValue(text: string, fail: (message: string) => Error): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fail(`invalid JSON in inline schema: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('an inline schema must be a JSON object');
  return parsed;
}

export { splitList };
