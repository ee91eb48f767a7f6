import { isPromptgateError } from '../errors.js';
import { escapeControlChars } from '../util/output-guard.js';

/** Prints a failure the way users should see it: one line, no stack unless --debug. Returns the exit code. */
export function reportError(error: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isPromptgateError(error)) {
    stderr.write(`promptgate: ${errorLine(error.format())}\n`);
    if (debug && error.stack) stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`promptgate: ${errorLine(message.split('\n')[0])}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return 2;
}

/**
 * An error message as the one line it must be: messages quote case data, prompt text and model
 * replies, which may hold line breaks and terminal escapes; those are shown as `\n`, `\x1b`, ….
 */
export function errorLine(message: string): string {
  return escapeControlChars(message);
}
