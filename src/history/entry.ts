/**
 * One index line (HistoryEntry) made from a finished run folder: run.json's header and its cases,
 * streamed through the one reader of stored runs (never the whole file in memory).
 */
import { basename } from 'node:path';
import { openStoredRun, type StoredRun } from '../run-record/read.js';
import type { CaseStatus } from '../run-record/types.js';
import type { HistoryEntry, HistoryRow } from './types.js';

const OUTCOME: Record<CaseStatus, HistoryRow['outcomes'][string]> = { pass: 'p', fail: 'f', error: 'e', ungraded: 'e' };

const rowKey = (suite: string, model: string) => `${suite}\u0000${model}`;

/**
 * The index line of the run in `runDir` (a folder holding run.json). The run folder is recorded by
 * its name (run folders sit directly in the reports folder). Throws what openStoredRun throws for a
 * missing or malformed run.json (FILE_MISSING, RUN_INVALID). `trusted`: the run.json this process
 * has just written, not checked against the schema again.
 */
export async function readHistoryEntry(runDir: string, options: { trusted?: boolean } = {}): Promise<HistoryEntry> {
  return entryOf(await openStoredRun(runDir, options));
}

/**
 * As readHistoryEntry, for a folder found in the reports folder: undefined when its run.json names
 * another run (a copy, e.g. of an accepted baseline), before its cases are read.
 */
export async function readFolderEntry(runDir: string): Promise<HistoryEntry | undefined> {
  const stored = await openStoredRun(runDir);
  return stored.header.runId === basename(stored.dir) ? entryOf(stored) : undefined;
}

async function entryOf(stored: StoredRun): Promise<HistoryEntry> {
  const { header } = stored;
  const selected = new Map((header.selection ?? []).map((s) => [rowKey(s.suite, s.model), s.inRun]));
  const rows = new Map<string, HistoryRow>();
  for (const summary of header.summary) {
    const graded = summary.passed + summary.failed;
    const inRun = selected.get(rowKey(summary.suite, summary.model));
    rows.set(rowKey(summary.suite, summary.model), {
      suite: summary.suite,
      model: summary.model,
      promptId: summary.promptId,
      promptVersion: summary.promptVersion,
      promptHash: summary.promptHash,
      modelsReported: [...summary.modelsReported].sort(),
      cases: summary.cases,
      passed: summary.passed,
      failed: summary.failed,
      errored: summary.errored,
      ...(summary.ungraded ? { ungraded: summary.ungraded } : {}),
      ...(inRun !== undefined ? { selected: inRun } : {}),
      // run.json keeps 0 when nothing was graded; the history must not draw that as a 0 % run.
      passRate: graded ? summary.passRate : null,
      meanScore: graded ? summary.meanScore : null,
      costUsd: summary.costUsd,
      latencyP50: summary.latencyP50,
      latencyP95: summary.latencyP95,
      outcomes: {},
    });
  }
  for await (const result of stored.cases()) {
    // The candidate's status (compare / ci / drift keep the baseline's under `baseline`).
    const row = rows.get(rowKey(result.suite, result.model));
    if (row) row.outcomes[result.caseId] = OUTCOME[result.status];
  }
  return {
    v: 1,
    runId: header.runId,
    command: header.command,
    status: header.status,
    startedAt: header.startedAt,
    finishedAt: header.finishedAt,
    ...(header.gitCommit ? { gitCommit: header.gitCommit } : {}),
    runDir: basename(stored.dir),
    ...(header.gate ? { verdict: header.gate.verdict } : {}),
    ...(header.stopped ? { stopped: header.stopped.reason } : {}),
    ...(header.options.shard ? { shard: header.options.shard } : {}),
    costUsd: header.totals.costUsd,
    rows: [...rows.values()],
  };
}

/** Whether a parsed index line has the shape of a HistoryEntry this version reads (anything else is skipped). */
export function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entry = value as Partial<HistoryEntry>;
  const strings = [entry.runId, entry.command, entry.status, entry.startedAt, entry.finishedAt, entry.runDir];
  if (entry.v !== 1 || !strings.every((s) => typeof s === 'string' && s !== '')) return false;
  if (!isFolderName(entry.runDir!) || Number.isNaN(Date.parse(entry.startedAt!))) return false;
  return Array.isArray(entry.rows) && entry.rows.every(isHistoryRow);
}

function isHistoryRow(value: unknown): value is HistoryRow {
  if (value === null || typeof value !== 'object') return false;
  const row = value as Partial<HistoryRow>;
  const numbers = [row.cases, row.passed, row.failed, row.errored];
  return (
    typeof row.suite === 'string' &&
    typeof row.model === 'string' &&
    numbers.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    (row.passRate === null || typeof row.passRate === 'number') &&
    Array.isArray(row.modelsReported) &&
    row.outcomes !== null &&
    typeof row.outcomes === 'object' &&
    !Array.isArray(row.outcomes)
  );
}

/** A run folder's name as the index records it: one path segment, never `..` or a path out of the reports folder. */
function isFolderName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\u0000]/.test(name);
}
