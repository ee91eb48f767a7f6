import { HISTORY_INDEX_FILE } from './types.js';
import { appendHistoryEntry } from './index.js';

/**
 * The end of every command that wrote a run folder (run, compare, ci, drift, merge; interrupted and
 * budget-stopped runs too): its line in index.jsonl. The run itself is done and stays valid when
 * the line cannot be written: a warning says so, and `promptgate history` adds the folder later.
 */
export async function recordHistory(runDir: string, stderr: NodeJS.WritableStream): Promise<void> {
  try {
    await appendHistoryEntry(runDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    stderr.write(`promptgate: warning: the run was not added to ${HISTORY_INDEX_FILE} (${reason}); \`promptgate history\` adds it from the run folder\n`);
  }
}
