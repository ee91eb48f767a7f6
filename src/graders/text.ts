import { isDeepStrictEqual } from 'node:util';
import type { Grader } from './types.js';
import type { GraderDefinition, ParseInput } from './definition.js';
import { splitList } from '../util/split-list.js';
import { extractJson } from './json.js';
import { GraderError } from './grader-error.js';
import { quote, requireList, requireText, valueText, verdict } from './values.js';

/**
 * `equals`: exact match. Trailing whitespace and newlines are trimmed from both the output and the
 * expected text first (models and CSV cells often end in a newline nobody meant). When the value is
 * an object or array (JSONL), the output is parsed as JSON (a ```json fenced block if there is one)
 * and compared deeply.
 */
export const equals: Grader = async (output, assertion) => {
  if (assertion.value !== null && typeof assertion.value === 'object') {
    const parsed = extractJson(output);
    if (!parsed.ok) return verdict(false, `output is not valid JSON: ${parsed.error}`);
    return isDeepStrictEqual(parsed.value, assertion.value)
      ? verdict(true, 'output equals the expected JSON')
      : verdict(false, `output JSON ${quote(JSON.stringify(parsed.value))} differs from the expected JSON`);
  }
  const expected = valueText(assertion.value)?.trimEnd();
  if (expected === undefined) throw new GraderError('equals needs a value');
  const actual = output.trimEnd();
  return actual === expected
    ? verdict(true, `output equals ${quote(expected)}`)
    : verdict(false, `output ${quote(actual)} does not equal ${quote(expected)}`);
};

/** `contains`: the output contains the value (case-sensitive). */
export const contains: Grader = async (output, assertion) => {
  const needle = requireText(assertion);
  return output.includes(needle)
    ? verdict(true, `output contains ${quote(needle)}`)
    : verdict(false, `output does not contain ${quote(needle)}`);
};

/** `icontains`: the output contains the value, ignoring case. */
export const icontains: Grader = async (output, assertion) => {
  const needle = requireText(assertion);
  return output.toLowerCase().includes(needle.toLowerCase())
    ? verdict(true, `output contains ${quote(needle)} (ignoring case)`)
    : verdict(false, `output does not contain ${quote(needle)} (ignoring case)`);
};

/** `starts-with`: the output starts with the value (no trimming). */
export const startsWith: Grader = async (output, assertion) => {
  const prefix = requireText(assertion);
  return output.startsWith(prefix)
    ? verdict(true, `output starts with ${quote(prefix)}`)
    : verdict(false, `output does not start with ${quote(prefix)}`);
};

/** `contains-any`: the output contains at least one of the values (case-sensitive). */
export const containsAny: Grader = async (output, assertion) => {
  const needles = requireList(assertion);
  const found = needles.find((needle) => output.includes(needle));
  return found !== undefined
    ? verdict(true, `output contains ${quote(found)}`)
    : verdict(false, `output contains none of ${needles.map((needle) => quote(needle)).join(', ')}`);
};

/** `contains-all`: the output contains every value (case-sensitive). */
export const containsAll: Grader = async (output, assertion) => {
  const needles = requireList(assertion);
  const missing = needles.filter((needle) => !output.includes(needle));
  return missing.length === 0
    ? verdict(true, `output contains all of ${needles.map((needle) => quote(needle)).join(', ')}`)
    : verdict(false, `output does not contain ${missing.map((needle) => quote(needle)).join(', ')}`);
};

/** `contains-any` / `contains-all` lists: an array, or a comma-separated cell (`"a, b",c` keeps the comma). */
function parseList({ value, fail }: ParseInput, type: string): { value: string[] } {
  const items = Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))) : splitList(String(value));
  if (items.length === 0) throw fail(`'${type}' needs a comma-separated list of values`);
  return { value: items };
}

function textCheck(assertion: Parameters<typeof requireText>[0]): undefined {
  requireText(assertion);
  return undefined;
}

function listCheck(assertion: Parameters<typeof requireList>[0]): undefined {
  requireList(assertion);
  return undefined;
}

export const textDefinitions: readonly GraderDefinition[] = [
  { type: 'equals', value: 'required', grade: equals, check: (a) => (valueText(a.value) === undefined ? { why: 'equals needs a value' } : undefined) },
  { type: 'contains', value: 'required', grade: contains, check: textCheck },
  { type: 'icontains', value: 'required', grade: icontains, check: textCheck },
  { type: 'starts-with', value: 'required', grade: startsWith, check: textCheck },
  { type: 'contains-any', value: 'required', grade: containsAny, parse: (input) => parseList(input, 'contains-any'), check: listCheck },
  { type: 'contains-all', value: 'required', grade: containsAll, parse: (input) => parseList(input, 'contains-all'), check: listCheck },
];
