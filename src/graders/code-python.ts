import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Assertion } from '../cases/types.js';
import type { CheckContext, CheckProblem, GraderDefinition } from './definition.js';
import type { Grader } from './types.js';
import { graderTimeoutMs, pythonFileReference, resolveCodeFile, scriptContext } from './code-context.js';
import { readPythonResult } from './code-result.js';
import { GraderError } from './grader-error.js';
import { requireText } from './values.js';

/** How long a Python grader may run (PROMPTGATE_GRADER_TIMEOUT_MS overrides it). */
const DEFAULT_TIMEOUT_MS = 60_000;
/** promptfoo's default function for `file://x.py`. */
const DEFAULT_FUNCTION = 'get_assert';
/** Lines before the user's code in the script built for inline code. */
const PREAMBLE_LINES = 3;

/**
 * `python`: promptfoo's Python grader, run by a python3 process (python-runner.ts). Inline code is
 * the body of `def main(output, context)` (one line is returned: `python:len(output) < 50`);
 * `file://x.py[:function]` calls `get_assert(output, context)` or the function named, with the
 * module's folder on sys.path. The result is read as promptfoo reads it (code-result.ts). The code
 * runs with the project's privileges. A raise, a timeout or a missing Python is a GraderError.
 */
const python: Grader = async (output, assertion, context) => {
  const value = requireText(assertion);
  const file = pythonFileReference(value);
  const args = [output, scriptContext(output, assertion, context)];
  const { runPython, PythonError } = await import('./python-runner.js');
  const options = { env: context.env, cwd: context.rootDir, timeoutMs: graderTimeoutMs(context.env, DEFAULT_TIMEOUT_MS), signal: context.signal };
  const label = file ? value.slice('file://'.length) : 'python';
  let returned: unknown;
  try {
    returned = await runPython(
      file ? { op: 'call', path: resolveCodeFile(file.path, assertion, context.rootDir), function: file.functionName ?? DEFAULT_FUNCTION, args } : { op: 'call', code: pythonScript(value), args },
      options,
    );
  } catch (error) {
    if (error instanceof PythonError) throw new GraderError(`${label} raised ${error.raised}${inlineLine(error.line, file === undefined)}`);
    throw error;
  }
  return readPythonResult(returned, { threshold: assertion.threshold, label });
};

/**
 * The module built for inline code, as promptfoo builds it: one line becomes `return <line>` in
 * `def main(output, context)`; several lines are its body, every line indented by the first
 * indented line's indentation (four spaces when none is).
 */
export function pythonScript(code: string): string {
  const lines = code.includes('\n')
    ? (() => {
        const indent = /^(?!\s*$)[ \t]+/m.exec(code)?.[0] ?? '    ';
        return code.split('\n').map((line) => `${indent}${line}`).join('\n');
      })()
    : `    return ${code}`;
  return `import json\n\ndef main(output, context):\n${lines}\n`;
}

function inlineLine(line: number | undefined, inline: boolean): string {
  if (line === undefined) return '';
  return inline ? (line > PREAMBLE_LINES ? ` (line ${line - PREAMBLE_LINES} of the code)` : '') : ` (line ${line})`;
}

/**
 * `check`: Python 3 is installed (else the one-line error says what was tried); inline code
 * compiles; a `file://` module exists and defines the function at its top level (parsed, not run).
 */
async function checkPython(assertion: Assertion, context: CheckContext): Promise<CheckProblem | undefined> {
  const value = requireText(assertion);
  const file = pythonFileReference(value);
  const { runPython, findPython, PythonError, PythonMissingError } = await import('./python-runner.js');
  const options = { env: context.env, cwd: context.rootDir, timeoutMs: graderTimeoutMs(context.env, DEFAULT_TIMEOUT_MS) };
  try {
    await findPython(options);
  } catch (error) {
    if (error instanceof PythonMissingError) return { why: error.why, hint: error.hint };
    throw error;
  }
  if (file) {
    const path = resolveCodeFile(file.path, assertion, context.rootDir);
    const shown = relative(context.rootDir, path) || path;
    try {
      if (!(await stat(path)).isFile()) return { why: `${shown} is not a file` };
    } catch {
      return { why: `${shown}: file not found`, hint: 'file:// paths are relative to the case file' };
    }
    const name = file.functionName ?? DEFAULT_FUNCTION;
    try {
      const defined = await runPython({ op: 'check', path, function: name }, options);
      if (defined !== true) return { why: `${shown} defines no function ${name}`, hint: file.functionName ? undefined : `define get_assert(output, context), or name the function: file://${file.path}:<function>` };
    } catch (error) {
      if (error instanceof PythonError) return { why: `${shown} does not parse: ${error.raised}${error.line ? ` (line ${error.line})` : ''}` };
      throw error;
    }
    return undefined;
  }
  if (/\{\{|\{%/.test(value)) return undefined;
  try {
    await runPython({ op: 'check', code: pythonScript(value) }, options);
  } catch (error) {
    if (error instanceof PythonError) return { why: `the code does not compile: ${error.raised}${inlineLine(error.line, true)}` };
    throw error;
  }
  return undefined;
}

export const pythonDefinitions: readonly GraderDefinition[] = [
  {
    type: 'python',
    value: 'required',
    grade: python,
    check: checkPython,
  },
];
