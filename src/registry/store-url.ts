import type { ResolvedConfig } from '../config/types.js';

/** The store used when neither `--store`, the config's `registry.store` nor PROMPTGATE_STORE names one. */
export const DEFAULT_STORE_URL = 'file:./registry';

/**
 * The registry store URL a command uses: `--store`, else the config's `registry.store`, else the
 * PROMPTGATE_STORE environment variable, else `file:./registry` (relative to the project root).
 */
export function resolveStoreUrl(flag: string | undefined, config: Pick<ResolvedConfig, 'registry'>, env: NodeJS.ProcessEnv): string {
  return flag || config.registry?.store || env.PROMPTGATE_STORE || DEFAULT_STORE_URL;
}
