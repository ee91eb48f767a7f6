import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Assertion } from '../cases/types.js';
import { loadYaml } from '../prompts/lazy.js';
import { NunjucksRenderError, analyzeNunjucks, hasNunjucksSyntax, renderNunjucks } from '../prompts/nunjucks-env.js';
import { realPathOutside } from '../util/real-path.js';
import { definitionOf } from './catalog.js';
import { GraderError } from './grader-error.js';

/**
 * Assertion values as promptfoo's `runAssertion` resolves them before the grader runs, for every
 * type: a string value that starts with `file://` is read (`.json`, `.yaml`, `.yml` parsed; `.txt`
 * trimmed), relative to the folder of the case file that holds the assertion; any other string is
 * rendered with the case's variables as a Nunjucks template (`{{topic}}`); in a list, each string
 * item likewise. Object values are used as they are. The type is never re-read from the result (a
 * rendered value is a value, not a new spec); a value whose load-time parse was deferred
 * (`deferParse`) is parsed by its type then.
 */

/** Types whose value is code (or names code): a `file://` value is a script for that grader to run, not data to read. */
export const CODE_GRADER_TYPES: ReadonlySet<string> = new Set(['javascript', 'python', 'js', 'ruby']);

const JS_FILE = /\.(?:js|cjs|mjs|ts|cts|mts)(?::[A-Za-z_$][\w$.]*)?$/i;
const RUBY_FILE = /\.rb(?::[A-Za-z_]\w*)?$/i;

/** The language of a `file://` reference to a script (`file://grader.js`, `file://check.py:get_assert`), or undefined. */
export function scriptKindOf(ref: string): 'javascript' | 'python' | 'ruby' | undefined {
  if (!ref.startsWith('file://')) return undefined;
  const path = ref.slice('file://'.length).trim();
  if (JS_FILE.test(path)) return 'javascript';
  if (path.endsWith('.py') || path.includes('.py:')) return 'python';
  if (RUBY_FILE.test(path)) return 'ruby';
  return undefined;
}

/** Whether a value (a string, or a list of them) holds Nunjucks syntax. */
export function hasTemplateSyntax(value: unknown): boolean {
  if (typeof value === 'string') return hasNunjucksSyntax(value);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && hasNunjucksSyntax(item));
}

/** Whether grading must resolve this assertion's value first (a `file://` or `{{…}}` in it, or a deferred parse). */
export function needsResolving(assertion: Assertion): boolean {
  if (assertion.deferParse) return true;
  return hasDataFileRef(assertion.value, assertion.type) || hasTemplateSyntax(assertion.value);
}

/** Whether a value (a string, or a list of them) names a `file://` this module reads at grade time (not a code grader's script). */
export function hasDataFileRef(value: unknown, type: string): boolean {
  if (typeof value === 'string') return isDataFileRef(value, type);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && isDataFileRef(item, type));
}

export interface ResolveContext {
  vars: Record<string, unknown>;
  rootDir: string;
}

/**
 * The assertion with its value resolved (see the module comment), or the same object when there
 * is nothing to resolve. Throws GraderError: an unreadable or unsupported file, a template that
 * does not render (a syntax error, a variable the case does not have), a value the type refuses.
 */
export async function resolveAssertionValue(assertion: Assertion, context: ResolveContext): Promise<Assertion> {
  if (!needsResolving(assertion)) return assertion;
  const { value } = assertion;
  let resolved: unknown = value;
  if (typeof value === 'string') resolved = await resolveString(value, assertion, context);
  else if (Array.isArray(value)) resolved = await Promise.all(value.map((item) => (typeof item === 'string' ? resolveString(item, assertion, context) : item)));
  const result: Assertion = { ...assertion, value: resolved };
  delete result.deferParse;
  if (assertion.deferParse) {
    const definition = definitionOf(assertion.type);
    if (definition?.parse) {
      const fail = (message: string) => new GraderError(`${assertion.type}: ${message}`);
      const parsed = definition.parse({ value: resolved === '' ? undefined : resolved, threshold: assertion.threshold, fail });
      if (parsed.value === undefined) delete result.value;
      else result.value = parsed.value;
      if (parsed.threshold !== undefined) result.threshold = parsed.threshold;
    }
  }
  return result;
}

async function resolveString(text: string, assertion: Assertion, context: ResolveContext): Promise<unknown> {
  if (isDataFileRef(text, assertion.type)) return readValueFile(text, assertion, context.rootDir);
  if (!hasNunjucksSyntax(text)) return text;
  const { problems } = analyzeNunjucks(text, 'value');
  if (problems.length > 0) throw new GraderError(`cannot render the value: ${problems[0].message}`);
  try {
    return renderNunjucks(text, context.vars, 'value');
  } catch (error) {
    if (error instanceof NunjucksRenderError) throw new GraderError(`cannot render the value ${JSON.stringify(cut(text))}: ${missingVariables(text, context.vars) ?? error.message}`);
    throw error;
  }
}

/** "variable 'x' is not one of the case's variables", when the template reads variables the case lacks. */
function missingVariables(text: string, vars: Record<string, unknown>): string | undefined {
  const missing = analyzeNunjucks(text, 'value').variables.filter((name) => !Object.hasOwn(vars, name) || vars[name] === undefined || vars[name] === null);
  if (missing.length === 0) return undefined;
  return `${missing.length === 1 ? 'variable' : 'variables'} ${missing.map((name) => `'${name}'`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among the case's variables`;
}

/** A `file://` reference this module reads: any, except the scripts of code graders. */
function isDataFileRef(text: string, type: string): boolean {
  return text.startsWith('file://') && !CODE_GRADER_TYPES.has(type);
}

const fileCache = new Map<string, { mtimeMs: number; size: number; value: unknown }>();

/** Reads a `file://` value relative to the case file's folder, as promptfoo's processFileReference does. */
async function readValueFile(ref: string, assertion: Assertion, rootDir: string): Promise<unknown> {
  const given = ref.slice('file://'.length).trim();
  if (scriptKindOf(ref)) {
    throw new GraderError(`${given}: a script's result as the expected value of '${assertion.type}' is not supported (use javascript:/python: graders for scripts)`);
  }
  const extension = extname(given).toLowerCase();
  if (!['.json', '.yaml', '.yml', '.txt'].includes(extension)) {
    throw new GraderError(`${given}: unsupported file type for an assertion value (use .txt, .json, .yaml or .yml)`);
  }
  const root = resolve(rootDir);
  const caseDir = resolve(root, dirname(assertion.source.file));
  const file = resolve(caseDir, given);
  const fromRoot = relative(root, file);
  if (fromRoot === '..' || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) throw new GraderError(`${given} leaves the project folder`);
  const outside = await realPathOutside(file, root);
  if (outside) throw new GraderError(`${given} resolves outside the project, to ${outside}`);
  let info: { mtimeMs: number; size: number };
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GraderError(code === 'ENOENT' ? `file not found: ${given} (relative to ${relative(root, caseDir) || '.'})` : `cannot read ${given}: ${code ?? (error as Error).message}`);
  }
  const cached = fileCache.get(file);
  if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.value;
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    throw new GraderError(`cannot read ${given}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  if (extension === '.txt') {
    value = text.trim();
  } else {
    try {
      value = loadYaml().parse(text, { maxAliasCount: 100 });
    } catch (error) {
      throw new GraderError(`${given} is not valid ${extension === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  fileCache.set(file, { mtimeMs: info.mtimeMs, size: info.size, value });
  return value;
}

function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
