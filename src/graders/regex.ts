import type { AST } from '@eslint-community/regexpp';
import type { Grader } from './types.js';
import type { CheckProblem, GraderDefinition } from './definition.js';
import type { JsFlags } from './regex-translate.js';
import { GraderError } from './grader-error.js';
import { setBounded } from '../util/bounded-cache.js';
import { requireText, verdict } from './values.js';

export interface RegexSpec {
  pattern: string;
  flags: string;
}

/** A leading `(?flags)` group: JavaScript's flags for the rest of the pattern. */
const INLINE_FLAGS = /^\(\?([dgimsuvy]+)\)/;

/**
 * A `regex` value is the pattern as written, as promptfoo's `new RegExp(value)` reads it:
 * `/api/v1/` matches that text, slashes included, and `/foo/i` is the pattern "/foo/i". Flags are
 * written as a leading group of JavaScript flag letters, `(?i)^yes$` or `(?ms)^a.b$`: JavaScript
 * has no such group (it is a syntax error there), so no pattern promptfoo runs changes meaning.
 */
export function parseRegexSpec(text: string): RegexSpec {
  const inline = INLINE_FLAGS.exec(text);
  return inline ? { pattern: text.slice(inline[0].length), flags: inline[1] } : { pattern: text, flags: '' };
}

/** The pattern as a `regex` value writes it: `(?flags)pattern`. */
export function renderRegexSpec(spec: RegexSpec): string {
  return spec.flags ? `(?${spec.flags})${spec.pattern}` : spec.pattern;
}

/** The syntax error of a pattern as V8 reports it, or undefined when it compiles. Compiling never backtracks. */
export function regexSyntaxError(spec: RegexSpec): string | undefined {
  try {
    new RegExp(spec.pattern, spec.flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Why a pattern is refused: invalid syntax, or V8 would be needed and it is not provably linear. */
export class RegexRefusal extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RegexRefusal';
  }
}

export interface CompiledRegex {
  /** `re2`: linear-time engine with JS semantics; `v8`: JS's own engine, for a pattern proven linear. */
  engine: 're2' | 'v8';
  /** Why V8 runs it (the construct RE2 has no exact form for). */
  construct?: string;
  test(input: string): boolean;
}

const compiled = new Map<string, Promise<CompiledRegex>>();
const MAX_CACHED = 2000;

/**
 * Compiles a pattern for grading. Every pattern the linear-time engine (re2js) can run with JS's
 * exact verdicts runs there (see regex-translate.ts); any other runs on V8 only when regex-safety.ts
 * proves it linear. Neither has a timeout, so no verdict depends on how busy the machine is.
 * Rejects with RegexRefusal for invalid syntax or an unprovable pattern. Cached per pattern.
 */
export function compileRegex(spec: RegexSpec): Promise<CompiledRegex> {
  const key = `${spec.flags}/${spec.pattern}`;
  let entry = compiled.get(key);
  if (!entry) {
    entry = compileUncached(spec);
    setBounded(compiled, key, entry, MAX_CACHED);
  }
  return entry;
}

async function compileUncached(spec: RegexSpec): Promise<CompiledRegex> {
  const linear = await compileLinear(spec);
  if (linear.ok) return { engine: 're2', test: linear.test };
  const { proveLinear } = await import('./regex-safety.js');
  const proof = await proveLinear(linear.ast, linear.flags);
  if (!proof.safe) {
    throw new RegexRefusal(
      `regex ${renderRegexSpec(spec)} needs the backtracking engine (it uses ${linear.construct}) and ${proof.why}`,
      'rewrite it without backreferences and lookaheads (those run on a linear-time engine), or so that no two ways can match the same text',
    );
  }
  const v8 = new RegExp(spec.pattern, spec.flags);
  return {
    engine: 'v8',
    construct: linear.construct,
    test: (input) => {
      v8.lastIndex = 0;
      return v8.test(input);
    },
  };
}

type Linear = { ok: true; test(input: string): boolean } | { ok: false; construct: string; ast: AST.Pattern; flags: JsFlags };

/**
 * The linear-time matcher (re2js with the translated pattern) for a valid pattern, or the construct
 * it cannot run exactly, with what the safety proof needs. Rejects with RegexRefusal on bad syntax.
 */
export async function compileLinear(spec: RegexSpec): Promise<Linear> {
  const syntaxError = regexSyntaxError(spec);
  if (syntaxError) throw new RegexRefusal(`invalid regex ${renderRegexSpec(spec)}: ${syntaxError}`);
  const [{ RegExpParser }, { RE2JS }, translate] = await Promise.all([import('@eslint-community/regexpp'), import('re2js'), import('./regex-translate.js')]);
  const flags = translate.readFlags(spec.flags);
  let ast: AST.Pattern;
  try {
    ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(spec.pattern, 0, spec.pattern.length, { unicode: flags.unicode, unicodeSets: flags.unicodeSets });
  } catch (error) {
    throw new RegexRefusal(`regex ${renderRegexSpec(spec)} cannot be analysed: ${(error as Error).message}`, 'write it without the newest RegExp syntax');
  }
  try {
    const { source, lookbehinds } = translate.translatePattern(ast, flags);
    let re2: InstanceType<typeof RE2JS>;
    try {
      re2 = RE2JS.compile(source, lookbehinds ? RE2JS.LOOKBEHINDS : 0);
    } catch {
      throw new translate.NeedsBacktracking('repeats beyond the limits of the linear-time engine');
    }
    const unicode = flags.unicode || flags.unicodeSets;
    return { ok: true, test: (input) => re2.test(translate.mapInput(input, unicode)) };
  } catch (error) {
    if (!(error instanceof translate.NeedsBacktracking)) throw error;
    return { ok: false, construct: error.construct, ast, flags };
  }
}

/** Tests `input` against the pattern; a refused pattern throws GraderError (`check` refuses it first). */
export async function testRegex(spec: RegexSpec, input: string): Promise<boolean> {
  let matcher: CompiledRegex;
  try {
    matcher = await compileRegex(spec);
  } catch (error) {
    if (error instanceof RegexRefusal) throw new GraderError(error.message);
    throw error;
  }
  return matcher.test(input);
}

/** `regex`: the output matches the pattern (the value as written, flags in a leading `(?flags)`). */
export const regex: Grader = async (output, assertion) => {
  const spec = parseRegexSpec(requireText(assertion));
  return (await testRegex(spec, output))
    ? verdict(true, `output matches ${renderRegexSpec(spec)}`)
    : verdict(false, `output does not match ${renderRegexSpec(spec)}`);
};

/** `check`: compiles the pattern as the grader will; invalid syntax and patterns not provably linear are refused. */
async function checkRegex(text: string): Promise<CheckProblem | undefined> {
  try {
    await compileRegex(parseRegexSpec(text));
    return undefined;
  } catch (error) {
    if (error instanceof RegexRefusal) return { why: error.message, hint: error.hint };
    throw error;
  }
}

export const regexDefinitions: readonly GraderDefinition[] = [{ type: 'regex', value: 'required', grade: regex, check: (assertion) => checkRegex(requireText(assertion)) }];
