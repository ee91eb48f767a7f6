/**
 * promptgate's public API: re-exports only, no logic. Keep it light: importing it from
 * eval.config.ts must not load ajv, jiti or any provider SDK.
 */
export { defineConfig } from './config/define.js';
export type { UserConfig, ModelConfig, SuiteConfig, GateConfig } from './config/types.js';
