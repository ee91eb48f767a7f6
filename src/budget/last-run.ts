import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunHeader } from '../run-record/read.js';
import { RUN_FILE } from '../run-record/writer.js';

/** Run folders looked at, newest first, before giving up on a suite × model (keeps `check` fast in a big reports folder). */
const MAX_RUNS = 30;
/** A run folder's name: its run id, which starts with the time it started (runner/session.ts newRunId). */
const RUN_ID = /^\d{4}-\d{2}-\d{2}T/;

/**
 * Average output tokens a candidate eval call of each suite × model (`suite\0model`) made in the
 * latest complete run that has it, among the newest run folders of `reportsDir`. A run without
 * usage for a row (errors only, replay without counts) says nothing about it.
 */
export async function readLastRunAverages(reportsDir: string, wanted: Array<{ suite: string; model: string }>): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const open = new Set(wanted.map((w) => `${w.suite}\u0000${w.model}`));
  let names: string[];
  try {
    names = (await readdir(reportsDir, { withFileTypes: true })).filter((entry) => entry.isDirectory() && RUN_ID.test(entry.name)).map((entry) => entry.name);
  } catch {
    return found;
  }
  names.sort().reverse();
  for (const name of names.slice(0, MAX_RUNS)) {
    if (open.size === 0) break;
    const header = await readRunHeader(join(reportsDir, name, RUN_FILE));
    if (header?.status !== 'complete' || !Array.isArray(header.summary)) continue;
    for (const row of header.summary) {
      const key = `${row.suite}\u0000${row.model}`;
      if (!open.has(key) || !(row.calls > 0) || !(row.outputTokens > 0)) continue;
      found.set(key, row.outputTokens / row.calls);
      open.delete(key);
    }
  }
  return found;
}
