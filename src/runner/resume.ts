import { existsSync } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../errors.js';
import { CALLS_FILE, readLines } from '../run-record/writer.js';
import type { CallRecord } from '../run-record/types.js';

/**
 * Which call of the run a logged call is: the request (its key covers who answers) and whom it was
 * for, model entry and repeat included. Two cases with the same rendered request are two calls
 * (as in an uninterrupted run), so the request key alone is not enough.
 */
export function resumeKeyOf(call: Pick<CallRecord, 'requestKey' | 'purpose' | 'side' | 'suite' | 'caseId' | 'model' | 'repeat'>): string {
  return [call.requestKey, call.purpose, call.side, call.suite, call.caseId, call.model, call.repeat].join('\u0000');
}

/**
 * Reads an interrupted run folder's calls for `--resume`: the successful calls by resumeKeyOf, so
 * the engine reuses them instead of calling the model; errored calls are made again. calls.jsonl is
 * never rewritten: every line stays (errored and torn ones too) and the resumed run appends after
 * them, the later line of a call superseding an earlier one. A torn last line (a crash mid-write)
 * gets its line ending first, so the next line appended starts on a line of its own.
 */
export async function loadResumeState(runDir: string): Promise<Map<string, CallRecord>> {
  const callsFile = join(runDir, CALLS_FILE);
  if (!existsSync(callsFile)) throw inputError('FILE_MISSING', `no ${CALLS_FILE} in the run folder to resume`, { file: runDir });
  const kept = new Map<string, CallRecord>();
  for await (const record of readLines<CallRecord>(callsFile)) {
    if (!isCallRecord(record)) continue;
    const key = resumeKeyOf(record);
    if (!record.error && record.output !== null) kept.set(key, record);
    else kept.delete(key);
  }
  if (await endsInsideALine(callsFile)) await appendFile(callsFile, '\n');
  return kept;
}

function isCallRecord(value: unknown): value is CallRecord {
  const record = value as Partial<CallRecord> | null;
  return typeof record === 'object' && record !== null && typeof record.requestKey === 'string' && typeof record.caseId === 'string' && typeof record.model === 'string';
}

/** Whether a non-empty file's last byte is not a line feed. */
async function endsInsideALine(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
