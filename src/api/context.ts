import type { Clock } from '../util/clock.js';

/**
 * The world an API call sees (promptgate/node): where the project is, the environment, where
 * output goes, how it is interrupted, and (for tests) the time rate limits and retry waits run
 * on. Below the API, paths, API keys, CI detection and output come from the context, so two calls
 * in one process with different contexts do not see each other's. Still per process: colour (picocolors decides once), git's own environment (PATH,
 * HOME, GIT_*), and the runtime/ library, which is not part of this contract.
 */
export interface Context {
  /**
   * The folder the config is found in (eval.config.{ts,mts,js,mjs}), and `config` is relative to.
   * The project root is the config file's folder (else `cwd`): every other relative path (the
   * config's paths, `out`, `resume`, `baseline: 'run:…'`, `saveBaseline`) is relative to it.
   * @default process.cwd()
   */
  cwd?: string;
  /** API keys, CI detection (CI, GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, GITHUB_BASE_REF, …). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reports (the console reporter) and command output. @default process.stdout */
  stdout?: NodeJS.WritableStream;
  /** Notes, warnings and the progress bar (only when it is a TTY and not CI). @default process.stderr */
  stderr?: NodeJS.WritableStream;
  /** Aborting it stops scheduling and abandons calls in flight; finished work is kept (status `interrupted`, exit 130). */
  signal?: AbortSignal;
  /**
   * Time for rate limits and retry waits (the rpm/tpm windows, backoff, Retry-After); for tests.
   * Attempt timeouts and recorded latencies stay real time.
   * @default the system clock
   */
  clock?: Clock;
}

export interface ResolvedContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  /** Absent: the system clock (util/clock.ts). */
  clock?: Clock;
}

/** The defaults of Context, applied once at the API's edge. */
export function resolveContext(context: Context = {}): ResolvedContext {
  return {
    cwd: context.cwd ?? process.cwd(),
    env: context.env ?? process.env,
    stdout: context.stdout ?? process.stdout,
    stderr: context.stderr ?? process.stderr,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.clock ? { clock: context.clock } : {}),
  };
}

/** The signal to run under: the context's, else one that never aborts. */
export function signalOf(context: ResolvedContext): AbortSignal {
  return context.signal ?? new AbortController().signal;
}
