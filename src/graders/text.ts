import { isDeepStrictEqual } from 'node:util';
import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';
import type { CheckProblem, GraderDefinition, ParseInput } from './definition.js';
import { GraderError } from './grader-error.js';
import { quote, verdict } from './values.js';

/**
 * The text graders with promptfoo's semantics (its `equals`, `contains*`, `starts-with` handlers):
 * no trimming of the output, case folding by `toLowerCase()` for the `i` forms.
 */

/**
 * `equals`: the output is exactly the value, as promptfoo compares (`String(value) === output`):
 * nothing is trimmed, so an output with a trailing newline does not equal a cell without one. An
 * object or array value (JSONL, config) is compared with the output parsed as JSON
 * (`isDeepStrictEqual`); an output that is not JSON then fails.
 */
export const equals: Grader = async (output, assertion) => {
  const { value } = assertion;
  if (value !== null && typeof value === 'object') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch (error) {
      return verdict(false, `output is not valid JSON: ${(error as Error).message}`);
    }
    return isDeepStrictEqual(value, parsed)
      ? verdict(true, 'output equals the expected JSON')
      : verdict(false, `output JSON ${quote(JSON.stringify(parsed))} differs from the expected JSON ${quote(JSON.stringify(value))}`);
  }
  if (value === undefined) throw new GraderError('equals needs a value');
  const expected = String(value);
  return output === expected ? verdict(true, `output equals ${quote(expected)}`) : verdict(false, `output ${quote(output)} does not equal ${quote(expected)}`);
};

/** The needle of `contains` / `icontains`: a non-empty string or a number (promptfoo refuses anything else). */
function needleOf(assertion: Assertion): string {
  const { value } = assertion;
  if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && !Number.isNaN(value))) return String(value);
  throw new GraderError(`${assertion.type} needs a text value (e.g. ${assertion.type}:text)`);
}

/** The prefix of `starts-with`: a non-empty string (a number is read as its text). */
function prefixOf(assertion: Assertion): string {
  const { value } = assertion;
  if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  throw new GraderError('starts-with needs a text value (e.g. starts-with:The answer)');
}

/** `contains`: the output contains the value (case-sensitive). */
export const contains: Grader = async (output, assertion) => {
  const needle = needleOf(assertion);
  return output.includes(needle) ? verdict(true, `output contains ${quote(needle)}`) : verdict(false, `output does not contain ${quote(needle)}`);
};

/** `icontains`: the output contains the value, both lower-cased. */
export const icontains: Grader = async (output, assertion) => {
  const needle = needleOf(assertion);
  return output.toLowerCase().includes(needle.toLowerCase())
    ? verdict(true, `output contains ${quote(needle)} (ignoring case)`)
    : verdict(false, `output does not contain ${quote(needle)} (ignoring case)`);
};

/** `starts-with`: the output starts with the value (nothing trimmed). */
export const startsWith: Grader = async (output, assertion) => {
  const prefix = prefixOf(assertion);
  return output.startsWith(prefix) ? verdict(true, `output starts with ${quote(prefix)}`) : verdict(false, `output does not start with ${quote(prefix)}`);
};

/**
 * Splits a `contains-any` / `contains-all` cell as promptfoo does: fields separated by commas, the
 * whitespace around them and repeated commas skipped; an unquoted field runs to the next comma and
 * is trimmed; a field in double quotes keeps its commas and spaces, with `\"`, `\\` and `""` as
 * escapes, and must be followed by a comma or the end. Throws (with why) on an unterminated quote
 * or text after a closing quote.
 */
export function parseContainsList(text: string): string[] {
  const fields: string[] = [];
  const isSpace = (char: string | undefined) => char !== undefined && /\s/.test(char);
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (isSpace(text[i]) || text[i] === ',')) i++;
    if (i >= text.length) break;
    if (text[i] !== '"') {
      const end = text.indexOf(',', i);
      const stop = end === -1 ? text.length : end;
      fields.push(text.slice(i, stop).trim());
      i = stop;
      continue;
    }
    let field = '';
    let closed = false;
    i++;
    while (i < text.length) {
      const char = text[i];
      const next = text[i + 1];
      if (char === '\\' && (next === '"' || next === '\\')) {
        field += next;
        i += 2;
      } else if (char === '"' && next === '"') {
        field += '"';
        i += 2;
      } else if (char === '"') {
        i++;
        closed = true;
        break;
      } else {
        field += char;
        i++;
      }
    }
    if (!closed) throw new Error('a quoted item has no closing quote');
    fields.push(field);
    while (i < text.length && isSpace(text[i])) i++;
    if (i < text.length && text[i] !== ',') throw new Error('a quoted item must be followed by a comma');
  }
  return fields;
}

/** The items of a list value: an array (each item as text, as promptfoo's `String(v)`), or a comma-separated string. */
function listOf(assertion: Assertion): string[] {
  const { value } = assertion;
  let items: string[];
  if (Array.isArray(value)) items = value.map((item) => String(item));
  else if (typeof value === 'string') {
    try {
      items = parseContainsList(value);
    } catch (error) {
      throw new GraderError(`${assertion.type}: ${(error as Error).message}`);
    }
  } else throw new GraderError(`${assertion.type} needs a comma-separated list or an array of values`);
  if (items.length === 0) throw new GraderError(`${assertion.type} needs a comma-separated list of values`);
  return items;
}

function listGrader(mode: 'any' | 'all', fold: boolean): Grader {
  const caseNote = fold ? ' (ignoring case)' : '';
  return async (output, assertion) => {
    const needles = listOf(assertion);
    const haystack = fold ? output.toLowerCase() : output;
    const has = (needle: string) => haystack.includes(fold ? needle.toLowerCase() : needle);
    const list = needles.map((needle) => quote(needle)).join(', ');
    if (mode === 'any') {
      const found = needles.find(has);
      return found !== undefined ? verdict(true, `output contains ${quote(found)}${caseNote}`) : verdict(false, `output contains none of ${list}${caseNote}`);
    }
    const missing = needles.filter((needle) => !has(needle));
    return missing.length === 0
      ? verdict(true, `output contains all of ${list}${caseNote}`)
      : verdict(false, `output does not contain ${missing.map((needle) => quote(needle)).join(', ')}${caseNote}`);
  };
}

/** A list cell is split at load time, so a bad quote is exit 2 naming the cell. */
function parseList({ value, fail }: ParseInput, type: string): { value?: unknown } {
  if (typeof value !== 'string') return { value };
  try {
    return { value: parseContainsList(value) };
  } catch (error) {
    throw fail(`'${type}': ${(error as Error).message}`, 'quote an item that holds commas: "a, b",c');
  }
}

/** `check` runs the grader's own value reading, so whatever it would refuse is exit 2 first. */
function checkWith(read: (assertion: Assertion) => unknown) {
  return (assertion: Assertion): CheckProblem | undefined => {
    read(assertion);
    return undefined;
  };
}

function listDefinition(type: string, mode: 'any' | 'all', fold: boolean): GraderDefinition {
  return { type, value: 'required', grade: listGrader(mode, fold), parse: (input) => parseList(input, type), check: checkWith(listOf) };
}

export const textDefinitions: readonly GraderDefinition[] = [
  { type: 'equals', value: 'required', grade: equals, check: (a) => (a.value === undefined || a.value === null ? { why: 'equals needs a value' } : undefined) },
  { type: 'contains', value: 'required', grade: contains, check: checkWith(needleOf) },
  { type: 'icontains', value: 'required', grade: icontains, check: checkWith(needleOf) },
  { type: 'starts-with', value: 'required', grade: startsWith, check: checkWith(prefixOf) },
  listDefinition('contains-any', 'any', false),
  listDefinition('icontains-any', 'any', true),
  listDefinition('contains-all', 'all', false),
  listDefinition('icontains-all', 'all', true),
];
