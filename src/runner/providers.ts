import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { createProvider } from '../providers/registry.js';
import { recordingProvider } from '../providers/replay.js';
import type { Provider } from '../providers/types.js';

/** Model name → provider, created on first use (so unused SDKs are never loaded). */
export function createProviders(config: ResolvedConfig, options: { record: boolean }): (name: string) => Provider {
  const made = new Map<string, Provider>();
  return (name) => {
    let provider = made.get(name);
    if (!provider) {
      const modelConfig = config.models[name];
      if (!modelConfig) throw inputError('MODEL_UNKNOWN', `unknown model "${name}"`, { file: config.configFile ?? 'config' });
      provider = createProvider(name, modelConfig, { fixturesDir: config.paths.fixtures });
      if (options.record && provider.kind !== 'replay') provider = recordingProvider(provider, config.paths.fixtures, name);
      made.set(name, provider);
    }
    return provider;
  };
}
