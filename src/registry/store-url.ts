import type { ResolvedConfig } from '../config/types.js';
import { DEFAULT_STORE_URL } from './open-store.js';

/**
 * The registry store URL a command uses: `--store`, else the config's `registry.store`, else the
 * PROMPTGATE_STORE environment variable, else `file:./registry` (relative to the project root).
 */
export function resolveStoreUrl(flag: string | undefined, config: Pick<ResolvedConfig, 'registry'>, env: NodeJS.ProcessEnv): string {
  return flag || config.registry?.store || env.PROMPTGATE_STORE || DEFAULT_STORE_URL;
}
