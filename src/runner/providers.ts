import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { createProvider } from '../providers/registry.js';
import { apiKeysOf } from '../providers/scrub.js';
import type { Provider } from '../providers/types.js';

/** Model name → provider, created on first use (so unused SDKs are never loaded). */
export function createProviders(config: ResolvedConfig, options: { record: boolean; env?: NodeJS.ProcessEnv }): (name: string) => Provider {
  const made = new Map<string, Provider>();
  const secrets = apiKeysOf(config.models, options.env);
  return (name) => {
    let provider = made.get(name);
    if (!provider) {
      const modelConfig = config.models[name];
      if (!modelConfig) throw inputError('MODEL_UNKNOWN', `unknown model "${name}"`, { file: config.configFile ?? 'config' });
      // With `record`, real answers are also appended to fixtures/replay/<name>.jsonl.
      provider = createProvider(name, modelConfig, { fixturesDir: config.paths.fixtures, record: options.record, configFile: config.configFile, secrets, env: options.env });
      made.set(name, provider);
    }
    return provider;
  };
}
