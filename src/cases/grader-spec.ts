import { splitList } from '../util/split-list.js';
import { inputError, type SourceLocation } from '../errors.js';
import { findTypeTypo, suggestType } from './grader-typo.js';
import type { Assertion } from './types.js';
import type { GraderDefinition } from '../graders/definition.js';
import { GRADER_DEFINITIONS, definitionNamed, graderNames } from '../graders/catalog.js';
import { PROMPTFOO_TYPES, notRunnableReason, notYetReason } from '../graders/promptfoo-types.js';
import { parseThreshold } from '../graders/threshold.js';
import { hasDataFileRef, hasTemplateSyntax, scriptKindOf } from '../graders/value-source.js';

/** promptfoo's types promptgate does not run yet (those in the catalog run). */
const UNSUPPORTED_TYPES = new Set(PROMPTFOO_TYPES.filter((name) => !definitionNamed(name)));

/**
 * promptfoo's special types: its cell grammar does not know them, so a cell naming one alone
 * (`human`) is an exact match there and here; with a value or `not-` it is refused (a near miss).
 */
const SPECIAL_TYPES = new Set(['select-best', 'max-score', 'human']);

/** promptfoo's legacy cell prefixes: only `fn:`, `eval:`, `file://` and `grade:` exactly; `not-fn:` … are exact text there. */
const LEGACY_NAMES: Record<string, string> = { fn: 'javascript', eval: 'javascript', file: 'javascript', grade: 'llm-rubric' };

const SUPPORTED_HINT = `supported: ${GRADER_DEFINITIONS.map((d) => d.type).join(', ')}, each with an optional not- prefix`;

/** Every type name a cell can mean: promptgate's types and aliases, and promptfoo's that promptgate does not run. */
const KNOWN_NAMES = [...new Set([...graderNames(), ...PROMPTFOO_TYPES])];

/** Names a cell's type may be, longest first (`similar:cosine` before `similar`). */
const CELL_NAMES = [...new Set([...KNOWN_NAMES, 'trajectory:goal-success', 'trajectory:tool-args-match', 'trajectory:step-count', 'trajectory:tool-sequence', 'trajectory:tool-used'])].sort(
  (a, b) => b.length - a.length,
);

/**
 * promptfoo's `assertionFromString` gives these types a threshold when the cell has none: 0.8 for
 * `similar`, 0.75 for the others (a cell `rouge-n:x` is `rouge-n(0.75):x`, `levenshtein:x` allows a
 * distance of 0.75, i.e. none). Applied to the string form only, as there.
 */
const CELL_DEFAULT_THRESHOLD: Record<string, number> = {
  'answer-relevance': 0.75, classifier: 0.75, 'context-faithfulness': 0.75, 'context-recall': 0.75, 'context-relevance': 0.75,
  cost: 0.75, latency: 0.75, levenshtein: 0.75, 'perplexity-score': 0.75, perplexity: 0.75, 'rouge-n': 0.75, 'starts-with': 0.75,
  similar: 0.8, 'similar:cosine': 0.8, 'similar:dot': 0.8, 'similar:euclidean': 0.8,
};

/** Limits, not scores: a cell's value (`latency:2000`) is the limit there, so no default threshold overrides it. */
const LIMIT_TYPES = new Set(['latency', 'cost']);

/** "did you mean" for a near miss of `suggestion` (which may be a promptfoo type promptgate does not run). */
function didYouMean(suggestion: string): string {
  const unsupported = UNSUPPORTED_TYPES.has(suggestion.replace(/^not-/, ''));
  return `did you mean \`${suggestion}\`?${unsupported ? ' (a promptfoo type promptgate does not run)' : ''}`;
}

/** An input error for a type promptgate does not run, with why when it needs a service a user's machine does not have. */
function unsupported(name: string): { message: string; hint: string } {
  const later = notYetReason(name);
  if (later) return { message: `grader type '${name}' is not supported yet: ${later}`, hint: 'remove the assertion, or grade the same property with another type' };
  const why = notRunnableReason(name);
  return why
    ? { message: `grader type '${name}' cannot run here: ${why}`, hint: 'remove the assertion, or grade the same property with another type' }
    : { message: `unknown grader type '${name}'`, hint: SUPPORTED_HINT };
}

/**
 * Parses a grader spec string (a CSV `__expected` cell, a JSONL `expected`, a suite `assert`
 * entry) as promptfoo's `assertionFromString` reads it:
 * 1. the legacy prefixes `javascript:`, `fn:`, `eval:`, `file://<x>.js|.ts…` (javascript),
 *    `grade:`, `llm-rubric:` (the rubric), `python:`, `file://<x>.py` (python);
 * 2. `[not-]<type>[(<threshold>)][:<value>]` where `<type>` is a known type name, the longest that
 *    fits (`similar:cosine(0.8):text`); a bare name (`is-json`, `moderation`) is that type, and a
 *    type that needs a value refuses the bare name (promptfoo would run it without one and error);
 * 3. anything else is an exact match of the whole trimmed cell (`Paris`, `Answer: 42`, `/usr/bin/`:
 *    promptfoo has no `/pattern/flags` rule), unless its prefix is a near miss of a type name
 *    (`startswith:ship`, see grader-typo.ts), which promptfoo would silently compare as text.
 * Throws GRADER_INVALID naming `source` for an unsupported type, a near miss, a missing value, a
 * threshold that is not a number, or a value the type's load-time parse refuses.
 */
export function parseGraderSpec(spec: string, source: SourceLocation): Assertion {
  const text = spec.trim();
  const fail = (message: string, hint?: string) => inputError('GRADER_INVALID', message, source, hint);
  if (text === '') throw fail('empty grader spec');

  const legacy = readLegacyPrefix(text);
  if (legacy) return fromName(legacy.name, { negate: false, value: legacy.value, threshold: undefined, source, spec: text, fail });

  const typed = readTypedSpec(text);
  if (!typed) return exactMatch(text, source, fail);
  const { not, name, thresholdText, value } = typed;
  const decorated = not || thresholdText !== undefined || value !== undefined;
  if (SPECIAL_TYPES.has(name) && !decorated) return exactMatch(text, source, fail);
  if (Object.hasOwn(LEGACY_NAMES, name) && !definitionNamed(name)) {
    if (!decorated) return exactMatch(text, source, fail);
    const meant = `${not ? 'not-' : ''}${LEGACY_NAMES[name]}`;
    throw fail(`'${text.slice(0, text.indexOf(name) + name.length)}' is not a grader type (promptfoo would compare the whole cell as text)`, `write ${meant}:… , or equals:${text} to match the text`);
  }
  const threshold = thresholdText === undefined ? undefined : parseThreshold(thresholdText, fail);
  return fromName(name, { negate: not, value, threshold, source, spec: text, fail, cellDefaults: true });
}

/** promptfoo's legacy prefixes, read before the typed grammar. */
function readLegacyPrefix(text: string): { name: string; value: string } | undefined {
  for (const prefix of ['javascript:', 'fn:', 'eval:']) {
    if (text.startsWith(prefix)) return { name: 'javascript', value: text.slice(prefix.length).trim() };
  }
  // `file://grader.js` (also `file://grader.js:check`): promptfoo keeps the `file://` in the value.
  if (scriptKindOf(text) === 'javascript') return { name: 'javascript', value: text };
  if (text.startsWith('grade:')) return { name: 'llm-rubric', value: text.slice('grade:'.length).trim() };
  if (text.startsWith('llm-rubric:')) return { name: 'llm-rubric', value: text.slice('llm-rubric:'.length).trim() };
  if (text.startsWith('python:')) return { name: 'python', value: text.slice('python:'.length).trim() };
  if (scriptKindOf(text) === 'python') return { name: 'python', value: text };
  // Any other `file://…` cell is an exact match of the file's content (read when the case is graded).
  if (text.startsWith('file://')) return { name: 'equals', value: text };
  return undefined;
}

interface TypedSpec {
  not: boolean;
  name: string;
  thresholdText?: string;
  value?: string;
}

/** `[not-]<known name>[(<threshold>)][:<value>]`, the longest known name that fits; undefined when none does. */
function readTypedSpec(text: string): TypedSpec | undefined {
  for (const not of text.startsWith('not-') ? [true, false] : [false]) {
    const rest = not ? text.slice(4) : text;
    for (const name of CELL_NAMES) {
      if (!rest.startsWith(name)) continue;
      const tail = rest.slice(name.length);
      const match = /^(?:\(([^)]*)\))?(?::([\s\S]*))?$/.exec(tail);
      if (!match) continue;
      return { not, name, thresholdText: match[1], value: match[2]?.trim() };
    }
  }
  return undefined;
}

function exactMatch(text: string, source: SourceLocation, fail: (message: string, hint?: string) => Error): Assertion {
  const typo = findTypeTypo(text, KNOWN_NAMES);
  if (typo) throw fail(`unknown grader type '${typo.written}'`, `${didYouMean(typo.suggestion)} To match the whole cell as text, write equals:${text}`);
  return { type: 'equals', negate: false, value: text, weight: 1, source, spec: text };
}

interface NamedParts {
  negate: boolean;
  value: string | undefined;
  threshold: number | undefined;
  source: SourceLocation;
  spec: string;
  fail: (message: string, hint?: string) => Error;
  /** Apply promptfoo's cell default thresholds (CELL_DEFAULT_THRESHOLD). */
  cellDefaults?: boolean;
}

function fromName(name: string, parts: NamedParts): Assertion {
  const definition = definitionNamed(name);
  if (!definition) {
    const { message, hint } = unsupported(name);
    throw parts.fail(message, hint);
  }
  let { threshold } = parts;
  const fallback = parts.cellDefaults ? CELL_DEFAULT_THRESHOLD[name] : undefined;
  if (threshold === undefined && fallback !== undefined && !(LIMIT_TYPES.has(name) && parts.value !== undefined && parts.value !== '')) threshold = fallback;
  return build({ definition, negate: parts.negate, value: parts.value, threshold, weight: 1, source: parts.source, spec: parts.spec, fail: parts.fail });
}

/** A grader spec as an object (JSONL `assert`, suite `assert`). Same aliases and checks as the string form. */
export interface AssertionInput {
  type: string;
  value?: unknown;
  weight?: number;
  threshold?: number;
  metric?: string;
  /** promptfoo's assertion `config`, for code graders (`context.config`). */
  config?: Record<string, unknown>;
}

/** The keys of an assertion object (JSONL `assert` entries, suite `assert`). */
const ASSERTION_KEYS = new Set(['type', 'value', 'weight', 'threshold', 'metric', 'config']);

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
  if (input.config !== undefined && (input.config === null || typeof input.config !== 'object' || Array.isArray(input.config))) throw fail('config must be an object');
  const valueText = typeof input.value === 'string' ? input.value : input.value === undefined ? '' : JSON.stringify(input.value);
  const spec = `${input.type}${input.threshold !== undefined ? `(${input.threshold})` : ''}${valueText ? `:${valueText}` : ''}`;
  // As promptfoo: an object's value is used as written (`equals` with "Paris\n" keeps its newline); cells are trimmed.
  const value = input.value === null ? undefined : input.value;
  const assertion = build({ definition, negate, value, threshold: input.threshold, weight, source, spec, fail });
  if (input.metric !== undefined) assertion.metric = input.metric;
  if (input.config !== undefined) assertion.config = input.config;
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

function build({ definition, negate, value, threshold, weight, source, spec, fail }: Parts): Assertion {
  const { type } = definition;
  const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
  if (definition.value === 'required' && empty) throw fail(`'${type}' needs a value (${type}:<value>)`);
  const assertion: Assertion = { type, negate, weight, source, spec };
  const given = empty ? undefined : value;
  let parsed: { value?: unknown; threshold?: number };
  if (hasDataFileRef(given, type)) {
    // `file://…` is read, and `{{var}}` rendered, when the case is graded: the type's parse runs on the result then.
    parsed = { value: given, threshold };
    assertion.deferParse = true;
  } else if (!hasTemplateSyntax(given)) {
    parsed = definition.parse ? definition.parse({ value: given, threshold, fail }) : { value: given, threshold };
  } else {
    // A value with {{var}} in it is rendered first and parsed then (an inline schema, a number), as
    // promptfoo's handlers read the rendered text; only a list is split first (promptfoo splits
    // contains-any cells before rendering each item).
    let list: { value?: unknown; threshold?: number } | undefined;
    try {
      const attempt = definition.parse ? definition.parse({ value: given, threshold, fail }) : undefined;
      if (Array.isArray(attempt?.value)) list = attempt;
    } catch {
      // parsed again once rendered
    }
    parsed = list ?? { value: given, threshold };
    if (!list && definition.parse) assertion.deferParse = true;
  }
  if (parsed.value !== undefined && definition.value !== 'none') assertion.value = parsed.value;
  const finalThreshold = parsed.threshold ?? threshold;
  if (finalThreshold !== undefined) assertion.threshold = finalThreshold;
  return assertion;
}

export { splitList };
