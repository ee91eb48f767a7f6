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
  /** Cases with nothing to grade them (not in `errored`). Absent: none. */
  ungraded?: number;
  /**
   * Cases the run was to run for this suite × model (its selection, its shard's part). More than
   * `cases` when the run stopped short (interrupted, budget exhausted). Absent: not recorded.
   */
  selected?: number;
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
  /** The gate's verdict when one was evaluated (`pass` / `fail` / `inconclusive` / `error`). */
  verdict?: string;
  /** Why a run that is not `complete` stopped (run.json `stopped.reason`: `signal`, `batch_timeout`, `budget`). */
  stopped?: string;
  /** `--shard i/n`: one slice of a split run (the history leaves it out; `promptgate merge` makes the whole run). */
  shard?: string;
  /** The whole run's cost in USD (judge and baseline calls too); null when no call had a known price. */
  costUsd?: number | null;
  rows: HistoryRow[];
}
