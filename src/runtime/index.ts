/**
 * promptgate at runtime: load prompt files in an app (`loadPrompts`), and log every production
 * inference call in the runner's calls.jsonl format (`traced`, `logCall`). Light on purpose:
 * nothing here imports a model SDK, the runner, the reporters, ajv, jiti or commander.
 */
export { loadPrompts, type LoadPromptsOptions, type LoadPromptsFromDirOptions, type LoadPromptsFromStoreOptions, type PromptChange, type PromptRegistry } from './load.js';
export type { AnthropicParams, OpenAIParams, PromptHandle, PromptVars } from './handle.js';
export { PROMPT_IDENTITY, type PromptIdentity } from './identity.js';
export { traced } from './traced.js';
export { logCall, type LoggedCall } from './log-call.js';
export type { CallLogOptions } from './sink.js';
