import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { inputError, isPromptgateError, PromptgateError } from '../errors.js';
import { readRunFile } from '../run-record/read.js';
import type { RunFile } from '../run-record/types.js';
import { resolveAcceptedBy } from './accepted-by.js';
import { whyNotBaseline } from './eligibility.js';
import { baselineDirOf, displayPath, readStoredBaseline, writeStoredBaseline, type BaselineMeta } from './store.js';

export interface AcceptInput {
  /** The run folder or run.json to accept (relative to `rootDir`). */
  run: string;
  reason?: string;
  rootDir: string;
  reportsDir: string;
  env: NodeJS.ProcessEnv;
  now?: Date;
}

/**
 * Promotes a stored run to the baseline. Refuses (RUN_INVALID, exit 2, nothing written) a run that
 * cannot be read, is not a promptgate run, or may not be a baseline (whyNotBaseline).
 */
export async function acceptBaseline(input: AcceptInput): Promise<{ meta: BaselineMeta; run: RunFile; dir: string }> {
  const given = input.run.trim();
  if (given === '') throw inputError('USAGE', 'baseline accept needs a run: a run folder or its run.json', { file: 'baseline accept' }, 'e.g. promptgate baseline accept reports/<run id>');
  const path = resolve(input.rootDir, given);
  if (!existsSync(path)) throw inputError('FILE_MISSING', 'no run found at this path', { file: given }, 'give a run folder or its run.json, e.g. reports/<run id>');
  const dir = baselineDirOf(input.reportsDir);
  if (resolve(path) === dir || resolve(path) === resolve(dir, 'run.json')) throw inputError('USAGE', 'this is the stored baseline already', { file: given }, 'accept a run folder under reports/');
  const { run, file } = await readRunFile(path).catch((error: unknown) => {
    // The reader names the absolute file: name it as the user gave it.
    if (isPromptgateError(error) && error.location) throw new PromptgateError(error.code, error.message, { hint: error.hint, location: { ...error.location, file: displayPath(error.location.file, input.rootDir) } });
    throw error;
  });
  const where = displayPath(file, input.rootDir);
  const why = whyNotBaseline(run);
  if (why) throw inputError('RUN_INVALID', `run ${run.runId} cannot be the baseline: ${why}`, { file: where });
  const previous = await readStoredBaseline(input.reportsDir, input.rootDir).catch(() => undefined);
  const reason = input.reason?.trim() ? input.reason.trim() : null;
  const meta: BaselineMeta = {
    format: 'promptgate-baseline',
    formatVersion: 1,
    runId: run.runId,
    command: run.command,
    acceptedAt: (input.now ?? new Date()).toISOString(),
    acceptedBy: await resolveAcceptedBy(input.rootDir, input.env),
    reason,
    source: where,
    ...(previous ? { previous: { runId: previous.meta.runId, acceptedAt: previous.meta.acceptedAt, acceptedBy: previous.meta.acceptedBy, reason: previous.meta.reason } } : {}),
  };
  return { meta, run, dir: await writeStoredBaseline(input.reportsDir, file, meta) };
}
