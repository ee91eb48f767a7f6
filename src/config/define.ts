import type { UserConfig, UserConfigExport } from './types.js';

/**
 * Types the config object; does nothing else (so eval.config.ts needs no build step).
 * Also accepts a function returning the config (sync or async), called when the config loads:
 * `export default defineConfig(async () => ({ models: await discoverModels() }))`.
 */
export function defineConfig(config: UserConfig): UserConfig;
export function defineConfig(config: () => UserConfig | Promise<UserConfig>): () => UserConfig | Promise<UserConfig>;
export function defineConfig(config: UserConfigExport): UserConfigExport {
  return config;
}
