import { resolve } from 'node:path';
import type { RunFile } from '../run-record/types.js';
import { readRunFile } from '../run-record/writer.js';

/**
 * A stored run in full (run.json with its cases), from a run folder or its run.json (`path` is
 * relative to `cwd`, default process.cwd()). Throws a PromptgateError (FILE_MISSING, RUN_INVALID)
 * for a missing or malformed file: a reader for results the API returned, not an input check.
 */
export async function readRun(path: string, cwd: string = process.cwd()): Promise<RunFile> {
  return (await readRunFile(resolve(cwd, path))).run;
}
