/**
 * `promptgate/node`: the CLI's workflows as functions (re-exports only, no logic; docs/api.md).
 * Each takes its options (the CLI's flags, camelCase) and a Context ({ cwd, env, stdout, stderr,
 * signal, clock }) and returns a value: `{ ok: true, exitCode, verdict, … }` or, for bad input,
 * `{ ok: false, exitCode: 2, error: { code, message, file?, line?, … } }`. Nothing is thrown.
 */
export { run, type RunOptions } from './api/run.js';
export { compare, type CompareOptions } from './api/compare.js';
export { check, type CheckOptions, type CheckOutcome, type CheckResult } from './api/check.js';
export { drift, type DriftOptions, type DriftOutcome, type DriftResult } from './api/drift.js';
export {
  baselineAccept, baselineShow,
  type BaselineOptions, type BaselineAcceptOptions, type BaselineInfo, type BaselineOutcome, type BaselineResult,
} from './api/baseline.js';
export type { BaselineMeta } from './baseline/store.js';
export { ci, type CiOptions, type CiOutcome, type CiResult } from './api/ci.js';
export { history, type HistoryOptions, type HistoryOutcome, type HistoryResult } from './api/history.js';
export type { HistoryEntry, HistoryRow } from './history/types.js';
export { importPromptfoo, type ImportOptions, type ImportOutcome, type ImportResult } from './api/import.js';
export type { ImportNote, ImportProblem } from './import/types.js';
export {
  publish, promote, rollback, status,
  type RegistryOptions, type PublishOptions, type PublishOutcome, type PublishResult, type PromoteOptions, type RollbackOptions,
  type LabelMoveOutcome, type LabelMoveResult, type StatusOptions, type StatusOutcome, type StatusResult,
} from './api/registry.js';
export type { PublishedEntry } from './registry/publish.js';
export type { LabelStatus, TrafficRow, Mismatch } from './registry/status.js';
export type { GateReceipt, PublishedVersion, LabelEvent, LabelAction } from './registry/types.js';
export { readRun } from './run-record/read.js';
export type { Context } from './api/context.js';
export type { Clock } from './util/clock.js';
export type { CommonOptions } from './api/options.js';
export type { ApiError, ApiErrorCode, Failure, RunOutcome, RunResult, Verdict } from './api/result.js';

export { PromptgateError, isPromptgateError, type ErrorCode, type SourceLocation } from './errors.js';
export { defineConfig } from './config/define.js';
export type {
  UserConfig, UserConfigExport, ResolvedConfig, ModelConfig, SuiteConfig, GateConfig, ResolvedGate, AssertionConfig, ReporterName, ProviderKind,
} from './config/types.js';
export type {
  RunFile, RunHeader, RunTotals, RunFormatVersion, CaseResult, CaseStatus, ChangeStatus, SideResult, RepeatOutcome, CallRecord, CallError, Usage, Side,
  SummaryRow, RepeatStats, PromptRef, ModelRef, SelectionRecord, GateVerdict, Comparison, ComparisonRow, ComparisonSideInfo, ComparisonSidePrompt,
  ComparisonSampling, SampleSource, SideSampling, DriftReport, DriftOutputRow, DriftNewError, DriftModelChange,
} from './run-record/types.js';
export type { Provider, ProviderFunction, ProviderRequest, ProviderResult, ProviderSuccess, ProviderFailure, ProviderErrorCode, TokenUsage } from './providers/types.js';
export type { Grader, GraderContext, GradeResult, JsGraderFunction, JudgeRecord, JudgeResult, AssertionGrade, CaseGrade, EmbeddingResult, ModerationResult } from './graders/types.js';
export type { Reporter, ReporterOptions, RunPlanInfo, RunNotice, CaseSource } from './reporters/types.js';
export type { Message, PromptFile } from './prompts/types.js';

// Runtime (the same as the `promptgate` entry): prompts in an app from a folder or a registry label.
export { loadPrompts, traced, logCall } from './runtime/index.js';
export type { LoadPromptsOptions, LoadPromptsFromDirOptions, LoadPromptsFromStoreOptions, PromptRegistry, PromptHandle, PromptChange, CallLogOptions, LoggedCall } from './runtime/index.js';
