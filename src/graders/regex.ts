import { Script, createContext, type Context } from 'node:vm';
import type { Grader } from './types.js';
import { GraderError } from './grader-error.js';
import { requireText, verdict } from './values.js';

/** How long one regex match may run before the grader gives up (catastrophic backtracking). */
export const REGEX_TIMEOUT_MS = 100;

export interface RegexSpec {
  pattern: string;
  flags: string;
}

/** `/pattern/flags` or a plain pattern (no flags). */
export function parseRegexSpec(text: string): RegexSpec {
  const match = /^\/([\s\S]+)\/([dgimsuvy]*)$/.exec(text);
  return match ? { pattern: match[1], flags: match[2] } : { pattern: text, flags: '' };
}

export function renderRegexSpec(spec: RegexSpec): string {
  return `/${spec.pattern}/${spec.flags}`;
}

/** The syntax error of a pattern, or undefined when it compiles. Compiling never backtracks. */
export function regexSyntaxError(spec: RegexSpec): string | undefined {
  try {
    new RegExp(spec.pattern, spec.flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

let realm: Context | undefined;
const matchScript = new Script('new RegExp(pattern, flags).test(input)');

/**
 * Tests `input` against the pattern with a time bound. The match runs in a `node:vm` context with a
 * `timeout`: V8 interrupts a running regex there (the watchdog terminates the execution), so
 * `(a+)+$` against `aaaa…!` stops after `timeoutMs` instead of hanging the run. A fresh RegExp per
 * call, so `g`/`y` flags carry no `lastIndex` between cases. Throws GraderError on bad syntax or
 * a timeout.
 */
export function testRegex(spec: RegexSpec, input: string, timeoutMs = REGEX_TIMEOUT_MS): boolean {
  const syntaxError = regexSyntaxError(spec);
  if (syntaxError) throw new GraderError(`invalid regex ${renderRegexSpec(spec)}: ${syntaxError}`);
  realm ??= createContext(Object.create(null));
  realm.pattern = spec.pattern;
  realm.flags = spec.flags;
  realm.input = input;
  try {
    return matchScript.runInContext(realm, { timeout: timeoutMs }) === true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new GraderError(`regex timed out after ${timeoutMs} ms`);
    }
    throw error;
  } finally {
    realm.input = undefined;
  }
}

/** `regex`: the output matches the pattern (`/pattern/flags` or a plain pattern). */
export const regex: Grader = async (output, assertion) => {
  const spec = parseRegexSpec(requireText(assertion));
  return testRegex(spec, output)
    ? verdict(true, `output matches ${renderRegexSpec(spec)}`)
    : verdict(false, `output does not match ${renderRegexSpec(spec)}`);
};
