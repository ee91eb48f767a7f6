import { parseGraderSpec } from '../cases/grader-spec.js';
import type { Assertion } from '../cases/types.js';
import { isPromptgateError } from '../errors.js';
import { definitionNamed } from '../graders/catalog.js';
import { readPromptfooCell } from './promptfoo-cells.js';
import type { Where } from './types.js';

/**
 * Where promptgate reads a promptfoo file differently from promptfoo, `import` rewrites the cell
 * (or the case) so promptgate's verdict is promptfoo's. One entry per rewrite; each converted file
 * that needed one gets a note naming it. (Structural conversions, such as defaultTest or provider
 * defaults, are not listed: they are the conversion itself.)
 */
export const REWRITES = {
  'exact-match': {
    when: 'an `__expected` cell promptfoo reads as an exact match (no promptfoo type prefix) that promptgate would read as a grader or refuse: a promptgate-only type (`rubric:`, `schema:`, `js:`), a `/pattern/flags` literal, a near miss of a type name (`startswith:`)',
    becomes: 'an exact-match cell promptgate would read as a grader is now `equals:<cell>`',
  },
  'missing-var': {
    when: 'a variable the prompt uses that a case does not set: promptfoo renders it as an empty string, promptgate refuses the case',
    becomes: 'a variable the prompt uses and the case lacks is set to "" (promptfoo renders it empty)',
  },
  'var-newline': {
    when: 'a variable ending in a newline: promptfoo removes one trailing `\\n` before rendering',
    becomes: 'one trailing newline is removed from variables, as promptfoo does',
  },
  'var-reference': {
    when: 'a variable whose value holds `{{other}}`: promptfoo replaces it with the other variable\'s value before rendering (up to 5 rounds)',
    becomes: '`{{other}}` inside a variable is replaced by that variable, as promptfoo does',
  },
  'var-file': {
    when: 'a variable `file://x.txt|md|json|yaml|…`: promptfoo reads the file when rendering (text trimmed, YAML as JSON)',
    becomes: 'a `file://` variable holds the file\'s content, as promptfoo renders it',
  },
  'var-list': {
    when: 'a variable given as a list of strings: promptfoo runs the test once per value (every combination of such lists)',
    becomes: 'a list variable became one case per value, as promptfoo runs it',
  },
  'metadata-without-key': {
    when: 'a `__metadata` column without `:<key>`: promptfoo ignores it, promptgate refuses it',
    becomes: 'a `__metadata` column without a key is dropped (promptfoo ignores it)',
  },
  'dunder-variable': {
    when: 'a `__name` column promptfoo passes as a variable and promptgate refuses as an unknown reserved column',
    becomes: 'a `__name` column no prompt reads is dropped (promptfoo passes it as a variable)',
  },
  'expected-column': {
    when: 'a column such as `__expected_answer`: promptfoo reads every column starting `__expected` as an assertion',
    becomes: 'an `__expected…` column is renamed `__expected<N>` (promptfoo reads it as an assertion)',
  },
  'duplicate-case': {
    when: 'two cases with the same variables: promptfoo runs both, promptgate refuses duplicate case ids (a hash of the variables)',
    becomes: 'cases with the same variables get ids `<hash>-2`, … (promptfoo runs each)',
  },
  'value-file': {
    when: 'an assertion value `file://x.txt|json|yaml`: promptfoo reads the file (relative to the config\'s folder) when grading',
    becomes: 'a `file://` assertion value holds the file\'s content (text trimmed, JSON / YAML as data)',
  },
  'file-path': {
    when: 'a `file://x.js|ts|py` assertion: promptfoo reads the path relative to the config\'s folder, promptgate relative to the case file',
    becomes: 'a `file://` code path is named relative to the case file',
  },
} as const;

export type RewriteId = keyof typeof REWRITES;

/** The note a rewrite leaves. */
export function rewriteNote(id: RewriteId): string {
  return `rewritten (${id}): ${REWRITES[id].becomes}`;
}

/** What becomes of one `__expected` cell. */
export type CellOutcome = { cell: string; rewrite?: RewriteId; note?: string } | { problem: string; hint?: string };

/**
 * Reads a non-empty `__expected` cell as promptfoo and as promptgate do, and returns the cell that
 * makes promptgate's verdict promptfoo's: unchanged, `equals:<cell>` (exact-match), or a problem
 * when promptgate cannot run what promptfoo reads (a type promptgate does not run, a bad value).
 */
export function rewriteExpectedCell(cell: string, where: Where): CellOutcome {
  const text = cell.trim();
  const promptfoo = readPromptfooCell(text);
  const read = readWithPromptgate(text, where);
  if (promptfoo.exact) {
    if (!('error' in read) && read.assertion.type === 'equals' && !read.assertion.negate && read.assertion.value === text) return { cell };
    const rewritten = `equals:${text}`;
    const check = readWithPromptgate(rewritten, where);
    if ('error' in check || check.assertion.value !== text) return { problem: `promptfoo reads this cell as an exact match of ${JSON.stringify(text)}, which promptgate cannot express` };
    const typo = 'error' in read && /did you mean/.test(read.hint ?? '') ? ` (promptgate would refuse it: ${read.error}; if a grader was meant, fix the type name)` : '';
    return { cell: rewritten, rewrite: 'exact-match', note: typo ? `${rewriteNote('exact-match')}${typo}` : undefined };
  }
  if ('error' in read) return { problem: read.error, hint: read.hint };
  const expected = definitionNamed(promptfoo.type)?.type;
  if (expected !== read.assertion.type || promptfoo.negate !== read.assertion.negate) {
    return { problem: `promptfoo reads this cell as ${promptfoo.negate ? 'not-' : ''}${promptfoo.type}, promptgate as ${read.assertion.negate ? 'not-' : ''}${read.assertion.type}` };
  }
  return { cell };
}

function readWithPromptgate(text: string, where: Where): { assertion: Assertion } | { error: string; hint?: string } {
  try {
    return { assertion: parseGraderSpec(text, where) };
  } catch (error) {
    if (!isPromptgateError(error)) throw error;
    return { error: error.message, hint: error.hint };
  }
}

/** The root names a `{{ name }}` reference may use (what promptfoo's resolveVariables matches). */
const REFERENCE = /\{\{\s*(\w+)\s*\}\}/;

/**
 * promptfoo's resolveVariables: a string variable holding `{{other}}` gets the other variable's
 * value, first reference of each variable per round, up to 5 rounds; unknown names stay.
 * Returns the variables changed (a new object) and whether anything was substituted.
 */
export function resolveVariableReferences(vars: Record<string, unknown>): { vars: Record<string, unknown>; changed: boolean } {
  const out = { ...vars };
  let changed = false;
  for (let round = 0; round < 5; round++) {
    let resolved = true;
    for (const key of Object.keys(out)) {
      const value = out[key];
      if (typeof value !== 'string') continue;
      const match = REFERENCE.exec(value);
      if (!match || out[match[1]] === undefined) continue;
      out[key] = value.replace(match[0], String(out[match[1]]));
      resolved = false;
      changed = true;
    }
    if (resolved) break;
  }
  return { vars: out, changed };
}

/** promptfoo removes one trailing `\n` from every string variable before rendering. */
export function stripTrailingNewlines(vars: Record<string, unknown>): { vars: Record<string, unknown>; changed: boolean } {
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value === 'string' && value.endsWith('\n')) {
      out[key] = value.slice(0, -1);
      changed = true;
    } else {
      out[key] = value;
    }
  }
  return { vars: out, changed };
}

/**
 * promptfoo's var expansion: a variable whose value is a list of strings runs the test once per
 * item (every combination over several such variables); other lists are one value.
 */
export function expandVariableLists(vars: Record<string, unknown>): Array<Record<string, unknown>> {
  let combinations: Array<Record<string, unknown>> = [{}];
  for (const [key, value] of Object.entries(vars)) {
    const values = Array.isArray(value) && typeof value[0] === 'string' ? value : [value];
    combinations = combinations.flatMap((combination) => values.map((item) => ({ ...combination, [key]: item })));
  }
  return combinations;
}
