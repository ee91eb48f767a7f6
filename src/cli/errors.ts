import { isPromptgateError } from '../errors.js';

/** Prints a failure the way users should see it: one line, no stack unless --debug. Returns the exit code. */
export function reportError(error: unknown, debug: boolean, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isPromptgateError(error)) {
    stderr.write(`promptgate: ${error.format()}\n`);
    if (debug && error.stack) stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`promptgate: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return 2;
}
