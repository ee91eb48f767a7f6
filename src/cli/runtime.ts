import type { ResolvedContext } from '../api/context.js';
import type { Failure } from '../api/result.js';
import { reportError } from './errors.js';
import { interruptSignal } from './signals.js';

/** What a command's action gets from main(): the context it runs in, and where its exit code goes. */
export interface CliRuntime {
  context: ResolvedContext;
  /** The command's exit code: main() returns it (the CLI never reads or sets process.exitCode itself). */
  exit(code: number): void;
}

/**
 * Runs a command under an interrupt signal: the context's when one was injected (tests, a host
 * program), else SIGINT / SIGTERM for as long as the command runs (see interruptSignal).
 */
export async function withInterrupt<T>(context: ResolvedContext, body: (context: ResolvedContext) => Promise<T>): Promise<T> {
  if (context.signal) return body(context);
  const interrupt = interruptSignal(context.stderr);
  try {
    return await body({ ...context, signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
}

/** An API result as the CLI ends it: a failure prints its one line (the stack with --debug); the exit code. */
export function exitOf(result: { ok: true; exitCode: number } | Failure, debug: boolean | undefined, stderr: NodeJS.WritableStream): number {
  if (result.ok) return result.exitCode;
  return reportError(result.error.cause ?? result.error.text, Boolean(debug), stderr);
}
