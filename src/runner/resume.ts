import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import { CALLS_FILE, openLineLog, readLines } from '../run-record/writer.js';
import type { CallRecord } from '../run-record/types.js';
import { existsSync } from 'node:fs';

/**
 * Prepares an interrupted run folder for `--resume`: keeps the successful calls (whole lines only),
 * drops errored and torn ones (they will be made again), and returns the kept calls by request key
 * so the engine reuses them instead of calling the model.
 */
export async function loadResumeState(runDir: string): Promise<Map<string, CallRecord>> {
  const callsFile = join(runDir, CALLS_FILE);
  if (!existsSync(callsFile)) throw inputError('FILE_MISSING', `no ${CALLS_FILE} in the run folder to resume`, { file: runDir });
  const kept = new Map<string, CallRecord>();
  for await (const record of readLines<CallRecord>(callsFile)) {
    if (!record.error && record.output !== null && typeof record.requestKey === 'string') kept.set(record.requestKey, record);
  }
  const tmp = `${callsFile}.resume.tmp`;
  const log = openLineLog<CallRecord>(tmp, 'w');
  for (const record of kept.values()) log.write(record);
  await log.close();
  await rename(tmp, callsFile);
  return kept;
}
