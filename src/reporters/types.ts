import type { BatchState, BatchStatus } from '../batch/types.js';
import type { CaseResult, RunHeader } from '../run-record/types.js';

/** What a reporter learns before the first call. Plain data, never the runner. */
export interface RunPlanInfo {
  runId: string;
  command: string;
  runDir: string;
  /** Expected number of model calls (cases × models × repeats × sides), when known up front. */
  totalCalls?: number;
  suites: Array<{ suite: string; promptId: string; models: string[] }>;
}

/**
 * Something the user should hear about while the run goes on: a wait before a retry starts
 * (`requestedMs`: the server asked for longer, the wait was capped) or ends, or a model entry was
 * stopped because its first calls all failed the same way (`message` names the entry and the fix).
 */
export type RunNotice =
  | { kind: 'wait'; id: number; model: string; ms: number; requestedMs?: number; reason: string }
  | { kind: 'wait-end'; id: number }
  | { kind: 'model-stopped'; model: string; message: string }
  /**
   * Adaptive repeats: round `round` starts, bringing `cases` cases (case × model) up to `repeats`
   * repeats a side with `calls` more calls; `spent` of the `budget` calls are made so far.
   */
  | { kind: 'round'; round: number; cases: number; repeats: number; calls: number; spent: number; budget: number }
  /** Batch mode: a batch's state after a poll (or its submission), with the time since it was submitted. */
  | { kind: 'batch'; id: string; model: string; state: BatchState; counts: BatchStatus['counts']; elapsedMs: number }
  /** The cost budget stopped new calls: `spentUsd` so far of `maxCostUsd`. */
  | { kind: 'budget-exhausted'; spentUsd: number; maxCostUsd: number };

/** Cases of a finished run, read again from disk on demand (runs can be far larger than memory). */
export type CaseSource = () => AsyncIterable<CaseResult>;

/** Optional, awaitable hooks. Reporters write into `runDir` and return the files they wrote. */
export interface Reporter {
  readonly name: string;
  onRunStart?(plan: RunPlanInfo): void | Promise<void>;
  /** One call finished (progress). */
  onCallDone?(info: { done: number; total?: number; cached: boolean; error: boolean }): void;
  onNotice?(notice: RunNotice): void;
  onCaseResult?(result: CaseResult): void | Promise<void>;
  // biome-ignore lint/suspicious/noConfusingVoidType: a user's `async onRunEnd() {}` (Promise<void>) must stay assignable
  onRunEnd?(run: RunHeader, cases: CaseSource, runDir: string): Promise<string[] | void> | string[] | void;
}

export interface ReporterOptions {
  /** Where console output goes. @default process.stdout */
  stream?: NodeJS.WritableStream;
  /** Project root, for relative paths in output. */
  rootDir?: string;
}

/**
 * A custom reporter given as a factory: called once per command with the options of its
 * `[module, options]` entry in `reporters` (`{}` without) and the reporter context.
 */
export type ReporterFactory<Options extends object = Record<string, unknown>> = (options: Options, context: ReporterOptions) => Reporter | Promise<Reporter>;

/** A built-in reporter's name. */
export type BuiltinReporterName = 'console' | 'json' | 'junit' | 'markdown' | 'html' | 'csv';

/**
 * One custom reporter after config loading: a Reporter object from the config, or a module's
 * default export (an object or a factory). `create` makes the reporter for one command.
 */
export interface ReporterPlugin {
  /** The reporter object's name, or the module specifier as written. */
  readonly label: string;
  create(context: ReporterOptions): Promise<Reporter>;
  /** Imports and checks the module now (a module plugin; config loading calls it so errors come first). */
  load?(): Promise<void>;
}

/** One entry of the resolved `reporters`: a built-in name or a custom reporter. */
export type ReporterEntry = BuiltinReporterName | ReporterPlugin;
