import type { UserConfig } from './types.js';

/** Types the config object; does nothing else (so eval.config.ts needs no build step). */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
