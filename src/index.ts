/**
 * promptgate's public API: re-exports only, no logic. Keep it light: importing it from
 * eval.config.ts must not load ajv, jiti or any provider SDK.
 */
export { defineConfig } from './config/define.js';
export type { UserConfig, ModelConfig, SuiteConfig, GateConfig, GradingConfig, FactualityScoring } from './config/types.js';

// Runtime: prompts in an app, and a call log for production (src/runtime/).
export { loadPrompts, traced, logCall, PROMPT_IDENTITY } from './runtime/index.js';
export type {
  LoadPromptsOptions, LoadPromptsFromDirOptions, LoadPromptsFromStoreOptions, PromptRegistry, PromptHandle, PromptChange, PromptVars, PromptIdentity,
  OpenAIParams, AnthropicParams, CallLogOptions, LoggedCall,
} from './runtime/index.js';
export type { CallRecord } from './run-record/types.js';
export { PromptgateError, isPromptgateError, type ErrorCode } from './errors.js';

// Plug-ins: custom reporters, providers and graders (docs/plugins.md). The helpers only type their argument.
export { defineReporter, defineProvider, defineGrader } from './config/define-plugins.js';
export type { ReporterSpec } from './config/types.js';
export type { Reporter, ReporterOptions, ReporterFactory, RunPlanInfo, RunNotice, CaseSource } from './reporters/types.js';
export type {
  RunHeader, CaseResult, SideResult, RepeatOutcome, CaseStatus, ChangeStatus, SummaryRow, Usage, CallError,
} from './run-record/types.js';
export type { CaseGrade, AssertionGrade, GradeResult, JsGraderFunction as GraderFunction, GraderInput, GraderResult } from './graders/types.js';
export type {
  CustomProvider, ProviderFunction, ProviderRequest, ProviderResult, ProviderSuccess, ProviderFailure, ProviderErrorCode,
  ProviderReply, ProviderCallContext, TokenUsage,
} from './providers/types.js';
export type { Message } from './prompts/types.js';
export type { ToolCall, ToolDefinition, ToolChoice, ResponseSchema, ExpectedToolCall } from './tools/types.js';
