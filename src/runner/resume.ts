import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import { CALLS_FILE, openLineLog, readLines } from '../run-record/writer.js';
import type { CallRecord } from '../run-record/types.js';
import { existsSync } from 'node:fs';

/**
 * Which call of the run a logged call is: the request and whom it was for. Two cases with the same
 * rendered request are two calls (as in an uninterrupted run), so the request key alone is not enough.
 */
export function resumeKeyOf(call: Pick<CallRecord, 'requestKey' | 'purpose' | 'side' | 'suite' | 'caseId'>): string {
  return [call.requestKey, call.purpose, call.side, call.suite, call.caseId].join('\u0000');
}

/**
 * Prepares an interrupted run folder for `--resume`: keeps the successful calls (whole lines only),
 * drops errored and torn ones (they will be made again), and returns the kept calls by resumeKeyOf
 * so the engine reuses them instead of calling the model.
 */
export async function loadResumeState(runDir: string): Promise<Map<string, CallRecord>> {
  const callsFile = join(runDir, CALLS_FILE);
  if (!existsSync(callsFile)) throw inputError('FILE_MISSING', `no ${CALLS_FILE} in the run folder to resume`, { file: runDir });
  const kept = new Map<string, CallRecord>();
  for await (const record of readLines<CallRecord>(callsFile)) {
    if (!record.error && record.output !== null && typeof record.requestKey === 'string') kept.set(resumeKeyOf(record), record);
  }
  const tmp = `${callsFile}.resume.tmp`;
  const log = openLineLog<CallRecord>(tmp, 'w');
  for (const record of kept.values()) log.write(record);
  await log.close();
  await rename(tmp, callsFile);
  return kept;
}
