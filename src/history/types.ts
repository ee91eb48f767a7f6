/**
 * `reports/index.jsonl`: one line per finished run (history/index.ts appends it when a run folder
 * is complete; `promptgate history` rebuilds it from the run folders when missing or stale).
 * The history page and its Markdown variant read only this file.
 */

export const HISTORY_INDEX_FILE = 'index.jsonl';

/** One suite × model of a run. */
export interface HistoryRow {
  suite: string;
  model: string;
  promptId: string;
  promptVersion: string;
  promptHash: string;
  /** Reported model versions (the API's `model` field), sorted. */
  modelsReported: string[];
  cases: number;
  passed: number;
  failed: number;
  errored: number;
  /** passed / (passed + failed); null when no case was graded. */
  passRate: number | null;
  meanScore: number | null;
  costUsd: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
  /**
   * Every case's outcome in this run, for the heat-map: case id → `p` passed, `f` failed, `e`
   * errored (or ungraded), `s` skipped. The candidate side for compare / drift.
   */
  outcomes: Record<string, 'p' | 'f' | 'e' | 's'>;
}

export interface HistoryEntry {
  /** Format of this line. */
  v: 1;
  runId: string;
  command: string;
  /** run.json's status. */
  status: string;
  startedAt: string;
  finishedAt: string;
  /** The repository's HEAD when the run started (absent outside git). */
  gitCommit?: string;
  /** The run folder, relative to the reports folder (links to its report.html). */
  runDir: string;
  /** The gate's verdict when one was evaluated (`pass` / `fail` / `no_verdict` / ...). */
  verdict?: string;
  rows: HistoryRow[];
}
