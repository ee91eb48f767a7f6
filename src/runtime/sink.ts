import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError } from '../errors.js';
import type { CallRecord } from '../run-record/types.js';

/** Where call records go, and how they are made. Shared by `traced()` and `logCall()`. */
export interface CallLogOptions {
  /** Receives each record (e.g. your logger). May return a promise; its failure is reported, never thrown into your call. */
  sink?: (record: CallRecord) => void | Promise<void>;
  /** Appends each record as one JSON line (the runner's calls.jsonl format), synchronously. */
  file?: string;
  /**
   * Maps a call's variables before they are logged (drop or mask personal data). When set, the
   * logged messages are re-rendered from the redacted variables (calls without a prompt log none).
   * If it throws, the record carries no variables and no messages.
   */
  redact?: (vars: Record<string, unknown>, prompt: { id: string; version: string }) => Record<string, unknown>;
  /** The record's `runId`. @default one id per process, `prod-<time>-<random>` */
  runId?: string;
  /** A record could not be written or redacted. @default a process warning (once) */
  onLogError?: (error: Error) => void;
}

export type RecordWriter = (record: CallRecord) => void;

/**
 * Validates the options and returns the function that delivers a record to the sink and/or file.
 * Write failures go to `fail` (default: logErrorReporter(options)); the writer never throws.
 */
export function createRecordWriter(options: CallLogOptions, fail: (error: unknown) => void = logErrorReporter(options)): RecordWriter {
  if (!options || (typeof options.sink !== 'function' && typeof options.file !== 'string')) {
    throw inputError('USAGE', 'promptgate call logging needs { sink: (record) => ... } or { file: "calls.jsonl" }');
  }
  const file = typeof options.file === 'string' ? resolve(options.file) : undefined;
  let madeDir = false;
  return (record) => {
    if (file) {
      try {
        if (!madeDir) {
          mkdirSync(dirname(file), { recursive: true });
          madeDir = true;
        }
        // One synchronous append per record: the line is on disk when the call returns, and
        // concurrent calls never interleave within a line.
        appendFileSync(file, `${JSON.stringify(record)}\n`);
      } catch (error) {
        fail(error);
      }
    }
    if (options.sink) {
      try {
        const done = options.sink(record);
        if (done && typeof (done as Promise<void>).then === 'function') (done as Promise<void>).then(undefined, fail);
      } catch (error) {
        fail(error);
      }
    }
  };
}

/** Reports logging failures: `onLogError`, else one process warning (a broken log must not flood stderr). */
export function logErrorReporter(options: Pick<CallLogOptions, 'onLogError'>): (error: unknown) => void {
  let warned = false;
  return (error) => {
    const err = error instanceof Error ? error : new Error(String(error));
    if (options.onLogError) {
      try {
        options.onLogError(err);
      } catch {
        // A failing error handler has nowhere left to report to.
      }
      return;
    }
    if (warned) return;
    warned = true;
    process.emitWarning(`promptgate: a call record could not be written: ${err.message} (further failures are not reported)`, 'PromptgateWarning');
  };
}
