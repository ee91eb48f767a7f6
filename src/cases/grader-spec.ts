import { splitList } from '../util/split-list.js';
import { inputError, type SourceLocation } from '../errors.js';
import { readRegexLiteral } from '../graders/regex.js';
import { findTypeTypo, suggestType } from './grader-typo.js';
import type { Assertion } from './types.js';
import type { GraderDefinition } from '../graders/definition.js';
import { GRADER_DEFINITIONS, definitionNamed, graderNames } from '../graders/catalog.js';
import { PROMPTFOO_TYPES, notRunnableReason } from '../graders/promptfoo-types.js';
import { parseThreshold } from '../graders/threshold.js';

/** promptfoo's types promptgate does not run yet (those in the catalog run). */
const UNSUPPORTED_TYPES = new Set(PROMPTFOO_TYPES.filter((name) => !definitionNamed(name)));

const SUPPORTED_HINT = `supported: ${GRADER_DEFINITIONS.map((d) => d.type).join(', ')}, each with an optional not- prefix`;

/** Every type name a cell can mean: promptgate's types and aliases, and promptfoo's that promptgate does not run. */
const KNOWN_NAMES = [...new Set([...graderNames(), ...PROMPTFOO_TYPES])];

/** "did you mean" for a near miss of `suggestion` (which may be a promptfoo type promptgate does not run). */
function didYouMean(suggestion: string): string {
  const unsupported = UNSUPPORTED_TYPES.has(suggestion.replace(/^not-/, ''));
  return `did you mean \`${suggestion}\`?${unsupported ? ' (a promptfoo type promptgate does not run)' : ''}`;
}

/** An input error for a type promptgate does not run, with why when it needs a service a user's machine does not have. */
function unsupported(name: string): { message: string; hint: string } {
  const why = notRunnableReason(name);
  return why
    ? { message: `grader type '${name}' cannot run here: ${why}`, hint: 'remove the assertion, or grade the same property with another type' }
    : { message: `unknown grader type '${name}'`, hint: SUPPORTED_HINT };
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

  const definition = definitionNamed(name);
  if (!definition) {
    if (!UNSUPPORTED_TYPES.has(name)) return exact();
    // A bare word ("python", "human") is more likely an expected answer than a grader.
    if (!decorated && !name.includes('-')) return exact();
    const { message, hint } = unsupported(name);
    throw fail(message, hint);
  }
  // "contains" or "regex" alone reads as an answer, not as a grader missing its value.
  if (!decorated && !isBare(definition)) return exact();

  const threshold = thresholdText === undefined ? definition.cellThreshold : parseThreshold(thresholdText, fail);
  const value = rawValue === undefined ? undefined : rawValue.trim();
  return build({ definition, negate: not !== undefined, value, threshold, weight: 1, source, spec: text, fail });
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
  const definition = definitionNamed(name);
  if (!definition) {
    if (UNSUPPORTED_TYPES.has(name) || notRunnableReason(name)) {
      const { message, hint } = unsupported(name);
      throw fail(message, hint);
    }
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
  // As promptfoo: an object's value is used as written (`equals` with "Paris\n" keeps its newline); cells are trimmed.
  const value = input.value === null ? undefined : input.value;
  const assertion = build({ definition, negate, value, threshold: input.threshold, weight, source, spec, fail });
  if (input.metric !== undefined) assertion.metric = input.metric;
  return assertion;
}

/** A suite `assert` entry: a spec string or an object. */
export function toAssertion(entry: string | AssertionInput, source: SourceLocation): Assertion {
  return typeof entry === 'string' ? parseGraderSpec(entry, source) : assertionFromConfig(entry, source);
}

interface Parts {
  definition: GraderDefinition;
  negate: boolean;
  value: unknown;
  threshold?: number;
  weight: number;
  source: SourceLocation;
  spec: string;
  fail: (message: string, hint?: string) => Error;
}

/** A bare cell naming the type is that type unless the type needs a value (`contains` alone is an answer). */
function isBare(definition: GraderDefinition): boolean {
  return definition.bare ?? definition.value !== 'required';
}

function build({ definition, negate, value, threshold, weight, source, spec, fail }: Parts): Assertion {
  const { type } = definition;
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (definition.value === 'required' && empty) throw fail(`'${type}' needs a value (${type}:<value>)`);
  const assertion: Assertion = { type, negate, weight, source, spec };
  const parsed = definition.parse ? definition.parse({ value: empty ? undefined : value, threshold, fail }) : { value: empty ? undefined : value, threshold };
  if (parsed.value !== undefined && definition.value !== 'none') assertion.value = parsed.value;
  const finalThreshold = parsed.threshold ?? threshold;
  if (finalThreshold !== undefined) assertion.threshold = finalThreshold;
  return assertion;
}

export { splitList };
