import type { ModelConfig } from '../config/types.js';
import { providerFailure } from './failure.js';
import { resolveApiKey, type KeyedApi } from './request-setup.js';
import type { SdkErrorClasses } from './sdk-errors.js';
import type { ProviderFailure } from './types.js';

export interface SdkClient<T> {
  client: T;
  classes: SdkErrorClasses;
  /** The key the client sends, scrubbed from error messages; undefined when it sends none. */
  key: string | undefined;
}

/**
 * A function returning the provider's SDK client, built on first use: the SDK module is imported
 * then (dynamic `import()` in `build`), so creating a provider stays cheap. A missing API key or a
 * failed import comes back as a failure value.
 */
export function createClientLoader<T>(options: {
  config: Pick<ModelConfig, 'apiKeyEnv' | 'baseURL'>;
  api: KeyedApi;
  env: NodeJS.ProcessEnv;
  sdkName: string;
  /** `key` undefined: the client must send no key (see keyVariableOf). */
  build: (key: string | undefined) => Promise<{ client: T; classes: SdkErrorClasses }>;
}): () => Promise<SdkClient<T> | ProviderFailure> {
  let setup: Promise<SdkClient<T>> | undefined;
  return async () => {
    const resolved = resolveApiKey(options.config, options.api, options.env);
    if ('ok' in resolved) return resolved;
    setup ??= options.build(resolved.key).then((built) => ({ ...built, key: resolved.key }));
    try {
      return await setup;
    } catch (error) {
      setup = undefined;
      return providerFailure('provider_error', `could not load the ${options.sdkName} SDK: ${(error as Error).message}`, false);
    }
  };
}
