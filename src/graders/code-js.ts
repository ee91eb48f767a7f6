import { readFile, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import vm from 'node:vm';
import type { Assertion } from '../cases/types.js';
import type { CheckContext, CheckProblem, GraderDefinition } from './definition.js';
import type { Grader } from './types.js';
import { graderTimeoutMs, jsFileReference, resolveCodeFile, scriptContext, type FileReference } from './code-context.js';
import { readScriptResult } from './code-result.js';
import { GraderError } from './grader-error.js';
import { requireText } from './values.js';

/** How long user code may run (PROMPTGATE_GRADER_TIMEOUT_MS overrides it). */
const DEFAULT_TIMEOUT_MS = 60_000;

type ScriptFunction = (output: string, context: unknown, process?: unknown) => unknown;

/**
 * `javascript` (legacy `fn:`, `eval:`): promptfoo's inline JavaScript. The value is a function body
 * with `output` and `context` in scope: one line is an expression (`output.length < 50`; one that
 * starts with `const`/`let`/`var` returns its last statement), several lines are a body that
 * `return`s. `file://path.js|.ts[:function]` calls a function of a module instead (the default export
 * or the module itself when no function is named; TypeScript through jiti). The result is read as
 * promptfoo reads it (code-result.ts). The code runs in this process with the project's privileges.
 * A throw, a rejection or a timeout (synchronous loops included) is a GraderError: never a pass.
 */
const javascript: Grader = async (output, assertion, context) => {
  const value = requireText(assertion);
  const file = jsFileReference(value);
  const timeoutMs = graderTimeoutMs(context.env, DEFAULT_TIMEOUT_MS);
  const fn = file ? await loadFunction(file, assertion, context.rootDir) : inlineFunction(value);
  const label = file ? value.slice('file://'.length) : 'javascript';
  const returned = await runUserFunction(fn, [output, scriptContext(output, assertion, context), process], timeoutMs, label, context.signal);
  return readScriptResult(returned, { language: 'javascript', threshold: assertion.threshold, label });
};

/**
 * The function body for a value, as promptfoo builds it: several lines are the body as written; one
 * line is `return <line>`, except a line that starts with a declaration, whose last statement is
 * returned (`const n = output.length; n < 50` → `const n = output.length; return n < 50`).
 */
export function functionBody(code: string): string {
  const text = code.trimEnd();
  if (text.includes('\n')) return text;
  const line = text.trim().replace(/;+\s*$/, '');
  if (!/^(const|let|var)\s/.test(line)) return `return ${line}`;
  // The last `;` that ends a statement: the first candidate from the end that compiles. A `;`
  // inside a string, regex, template or comment leaves the inserted `return (` inside that literal
  // and its closing `)` unmatched, so it never compiles.
  for (let at = line.lastIndexOf(';'); at > 0; at = line.lastIndexOf(';', at - 1)) {
    const rest = line.slice(at + 1).trim();
    if (rest === '') continue;
    const candidate = `${line.slice(0, at + 1)} return (${rest}\n);`;
    if (compiles(candidate)) return candidate;
  }
  return line;
}

function compiles(body: string): boolean {
  try {
    new Function('output', 'context', 'process', body);
    return true;
  } catch {
    return false;
  }
}

/** Inline code compiled to a function, or why it does not compile (`SyntaxError: …`). */
type Compiled = { fn: ScriptFunction } | { error: string };

const inlineCache = new Map<string, Compiled>();

/** Inline code as a function, kept per text: grading and `check` compile it the same way, once. */
function compileInline(code: string): Compiled {
  let compiled = inlineCache.get(code);
  if (!compiled) {
    try {
      compiled = { fn: new Function('output', 'context', 'process', functionBody(code)) as ScriptFunction };
    } catch (error) {
      compiled = { error: `${(error as Error).name}: ${(error as Error).message}` };
    }
    if (inlineCache.size > 1000) inlineCache.clear();
    inlineCache.set(code, compiled);
  }
  return compiled;
}

function inlineFunction(code: string): ScriptFunction {
  const compiled = compileInline(code);
  if ('error' in compiled) throw new GraderError(`javascript does not compile: ${compiled.error}`);
  return compiled.fn;
}

/** A reusable context for the timeout wrapper: it only calls the function, which runs in this realm. */
let callSandbox: vm.Context | undefined;
const CALL = new vm.Script('fn(...args)');

/**
 * Calls user code with a timeout: a synchronous run is stopped by V8 at the timeout (vm's
 * `timeout`), a promise that is still pending then is abandoned with a GraderError.
 */
async function runUserFunction(fn: ScriptFunction, args: unknown[], timeoutMs: number, label: string, signal?: AbortSignal): Promise<unknown> {
  let returned: unknown;
  try {
    callSandbox ??= vm.createContext({});
    callSandbox.fn = fn;
    callSandbox.args = args;
    returned = CALL.runInContext(callSandbox, { timeout: timeoutMs });
  } catch (error) {
    throw failure(error, label, timeoutMs);
  } finally {
    if (callSandbox) {
      callSandbox.fn = undefined;
      callSandbox.args = undefined;
    }
  }
  if (!isThenable(returned)) return returned;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      returned,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GraderError(`${label} timed out after ${timeoutMs} ms`)), timeoutMs);
        if (signal) {
          onAbort = () => reject(new GraderError(`${label} was interrupted`));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
    ]);
  } catch (error) {
    throw failure(error, label, timeoutMs);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function failure(error: unknown, label: string, timeoutMs: number): GraderError {
  if (error instanceof GraderError) return error;
  if ((error as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return new GraderError(`${label} timed out after ${timeoutMs} ms`);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new GraderError(`${label} threw ${message}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** Loaded modules by path, size and modification time (a file edited between runs of one process is loaded again). */
const modules = new Map<string, Promise<unknown>>();

async function loadModule(path: string): Promise<unknown> {
  const { size, mtimeMs } = await stat(path);
  const key = `${path}\u0000${size}\u0000${mtimeMs}`;
  let loaded = modules.get(key);
  if (!loaded) {
    loaded = (async () => {
      const { importProjectModule } = await import('../config/import-module.js');
      return importProjectModule(path, await readFile(path, 'utf8'));
    })();
    modules.set(key, loaded);
    loaded.catch(() => modules.delete(key));
  }
  return loaded;
}

/**
 * The function a `file://` value names: `file://x.js:name` is the export `name`; `file://x.js` is the
 * default export, or the module itself (CommonJS `module.exports = function`). A missing file, a
 * module that throws while loading, or no such function is a GraderError.
 */
async function loadFunction(file: FileReference, assertion: Assertion, rootDir: string): Promise<ScriptFunction> {
  const path = resolveCodeFile(file.path, assertion, rootDir);
  const shown = relative(rootDir, path) || path;
  let module: unknown;
  try {
    module = await loadModule(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `failed to load: ${(error as Error).message.split('\n')[0]}`;
    throw new GraderError(`${shown}: ${why}`);
  }
  const fn = pickFunction(module, file.functionName);
  if (!fn) {
    throw new GraderError(
      file.functionName ? `${shown} exports no function '${file.functionName}'` : `${shown} exports no default function (export one, or name it: file://${file.path}:<function>)`,
    );
  }
  return fn;
}

function pickFunction(module: unknown, name: string | undefined): ScriptFunction | undefined {
  const record = module as Record<string, unknown> | undefined;
  const fallback = record && (typeof record === 'object' || typeof record === 'function') ? record.default : undefined;
  if (name !== undefined) {
    const named = record?.[name] ?? (fallback as Record<string, unknown> | undefined)?.[name];
    return typeof named === 'function' ? (named as ScriptFunction) : undefined;
  }
  if (typeof module === 'function') return module as ScriptFunction;
  return typeof fallback === 'function' ? (fallback as ScriptFunction) : undefined;
}

/**
 * `check`: inline code compiles (a value with `{{…}}`/`{%…%}`, rendered per case, is checked when it
 * runs); a `file://` module loads and exports the function. A bare identifier naming a grader of the
 * config is a mistake from before `javascript:` meant inline code: `js:<name>` calls that grader.
 */
async function checkJavascript(assertion: Assertion, context: CheckContext): Promise<CheckProblem | undefined> {
  const value = requireText(assertion);
  const file = jsFileReference(value);
  if (file) {
    await loadFunction(file, assertion, context.rootDir);
    return undefined;
  }
  const name = value.trim();
  if (/^[A-Za-z_$][\w$]*$/.test(name) && Object.hasOwn(context.graders, name)) {
    return { why: `'${name}' is a grader in the config, but javascript: runs its value as code (promptfoo's inline JavaScript)`, hint: `write js:${name} to call the config's grader` };
  }
  if (/\{\{|\{%/.test(value)) return undefined;
  const compiled = compileInline(value);
  if ('error' in compiled) return { why: `the code does not compile: ${compiled.error}`, hint: 'one line is an expression (output.length < 50); several lines are a function body that returns' };
  return undefined;
}

export const javascriptDefinitions: readonly GraderDefinition[] = [
  {
    type: 'javascript',
    value: 'required',
    grade: javascript,
    check: checkJavascript,
  },
];
