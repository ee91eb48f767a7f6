import { isPromptgateError, type ErrorCode } from '../errors.js';
import type { GateVerdict, RunHeader } from '../run-record/types.js';
import { exitCodeOf } from '../runner/session.js';

/**
 * What run(), compare(), check(), drift() and ci() return (promptgate/node): a value, never a
 * thrown error. `ok: false` is a call that ran nothing it could decide on -- bad input (exit 2,
 * the CLI's one-line error) or an internal failure; `ok: true` decided something, and `verdict`
 * and `exitCode` say what (the exit codes are the CLI's, SPEC §7).
 */
export type Verdict = GateVerdict['verdict'];

/** ErrorCode of a PromptgateError, or INTERNAL for anything else that went wrong (a bug, a disk error). */
export type ApiErrorCode = ErrorCode | 'INTERNAL';

export interface ApiError {
  code: ApiErrorCode;
  /** The message without location or hint. */
  message: string;
  hint?: string;
  /** The file (or flag, e.g. `--shard`) the error is about, as the CLI names it. */
  file?: string;
  line?: number;
  /** The one line the CLI prints after `promptgate: ` (`file:line: message (hint)`). */
  text: string;
  /** What was thrown inside (a PromptgateError, or the internal error), e.g. for its stack. */
  cause?: unknown;
}

/** Nothing was decided: bad input (exitCode 2, nothing run or written) or an internal error. */
export interface Failure {
  ok: false;
  exitCode: number;
  error: ApiError;
}

/** A run that finished (or was interrupted: `run.status`, exit 130) and wrote its run folder. */
export interface RunOutcome {
  ok: true;
  /** 0 pass · 1 the gate failed · 3 no verdict · 4 inconclusive · 130 interrupted. */
  exitCode: number;
  verdict: Verdict;
  /** run.json without its cases (read them with `readRun(runDir)`; runs can be larger than memory). */
  run: RunHeader;
  /** The run folder (absolute). */
  runDir: string;
  /** Report files written into it. */
  files: string[];
}

export type RunResult = RunOutcome | Failure;

/** The error value of anything thrown inside an API call. */
export function failureOf(error: unknown): Failure {
  if (isPromptgateError(error)) {
    return {
      ok: false,
      exitCode: error.exitCode,
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint !== undefined ? { hint: error.hint } : {}),
        ...(error.location ? { file: error.location.file, ...(error.location.line !== undefined ? { line: error.location.line } : {}) } : {}),
        text: error.format(),
        cause: error,
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, exitCode: 2, error: { code: 'INTERNAL', message, text: message.split('\n')[0], cause: error } };
}

/** Runs `body`; whatever it throws becomes a Failure. */
export async function settle<T>(body: () => Promise<T>): Promise<T | Failure> {
  try {
    return await body();
  } catch (error) {
    return failureOf(error);
  }
}

/** The outcome of a finished session. No gate (an interrupted run may have none): `error`, no verdict. */
export function outcomeOf(result: { header: RunHeader; runDir: string; files?: string[] }): RunOutcome {
  return { ok: true, exitCode: exitCodeOf(result.header), verdict: result.header.gate?.verdict ?? 'error', run: result.header, runDir: result.runDir, files: result.files ?? [] };
}
