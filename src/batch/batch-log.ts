import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readLines } from '../run-record/writer.js';
import type { BatchLogLine } from './types.js';

/** The run folder's log of submitted and ended batches (one JSON line each). */
export const BATCHES_FILE = 'batches.jsonl';

/**
 * A call's custom id in a batch: sha256 of its resume key (runner/resume.ts resumeKeyOf) as
 * base64url, 43 characters of `[A-Za-z0-9_-]` (both Batch APIs accept up to 64). The same call
 * gets the same id in every run of the same run folder, which is what `--resume` matches on.
 */
export function customIdOf(resumeKey: string): string {
  return createHash('sha256').update(resumeKey).digest('base64url');
}

/**
 * Appends one line and waits until it is on disk (fdatasync): a `submitted` line is written before
 * the run waits for the batch, so a process killed while waiting leaves the batch id behind.
 */
export async function appendBatchLog(runDir: string, line: BatchLogLine): Promise<void> {
  const handle = await open(join(runDir, BATCHES_FILE), 'a');
  try {
    await handle.appendFile(`${JSON.stringify(line)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** What `--resume` learns from batches.jsonl. */
export interface BatchLogState {
  /** Custom id → the batch that holds it (the latest submitted one when a line was sent again). */
  byCustomId: Map<string, { id: string; model: string; provider: string }>;
  /** Batch id → how many lines it was submitted with. */
  requests: Map<string, number>;
}

/** Reads a run folder's batches.jsonl (absent: nothing submitted). Torn or foreign lines are skipped. */
export async function readBatchLog(runDir: string): Promise<BatchLogState> {
  const state: BatchLogState = { byCustomId: new Map(), requests: new Map() };
  const file = join(runDir, BATCHES_FILE);
  if (!existsSync(file)) return state;
  for await (const line of readLines<BatchLogLine>(file)) {
    if (!isRecord(line) || typeof line.id !== 'string') continue;
    if (line.kind === 'submitted' && Array.isArray(line.customIds) && typeof line.model === 'string') {
      const at = { id: line.id, model: line.model, provider: String(line.provider) };
      for (const customId of line.customIds) if (typeof customId === 'string') state.byCustomId.set(customId, at);
      state.requests.set(line.id, line.customIds.length);
    }
  }
  return state;
}

function isRecord(value: unknown): value is Record<string, unknown> & BatchLogLine {
  return typeof value === 'object' && value !== null;
}
