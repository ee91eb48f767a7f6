/**
 * promptgate's public API: re-exports only, no logic. Keep it light: importing it from
 * eval.config.ts must not load ajv, jiti or any provider SDK.
 */
export { defineConfig } from './config/define.js';
export type { UserConfig, ModelConfig, SuiteConfig, GateConfig } from './config/types.js';

// Runtime: prompts in an app, and a call log for production (src/runtime/).
export { loadPrompts, traced, logCall, PROMPT_IDENTITY } from './runtime/index.js';
export type {
  LoadPromptsOptions, PromptRegistry, PromptHandle, PromptChange, PromptVars, PromptIdentity,
  OpenAIParams, AnthropicParams, CallLogOptions, LoggedCall,
} from './runtime/index.js';
export type { CallRecord } from './run-record/types.js';
export { PromptgateError, isPromptgateError, type ErrorCode } from './errors.js';
