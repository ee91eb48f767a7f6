import type { ModelConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { createAnthropicProvider } from './anthropic.js';
import { createCustomProvider } from './custom.js';
import { createOpenAIProvider } from './openai.js';
import { resolvePrice } from './prices.js';
import { createReplayProvider, recordingProvider } from './replay.js';
import { scrubbingProvider } from './scrub.js';
import { PROVIDER_KINDS, type Provider } from './types.js';

export interface ProviderContext {
  /** Absolute path of the project's fixtures folder (replay files live in `<fixturesDir>/replay/`). */
  fixturesDir: string;
  /** `--record`: append every successful answer to the model's replay fixture. */
  record?: boolean;
  /** Where API keys are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The config file, named in the error for an unknown provider. */
  configFile?: string;
  /** API keys (see apiKeysOf) scrubbed from everything the provider returns, before it is recorded. */
  secrets?: readonly string[];
}

export { PROVIDER_KINDS };

/**
 * The provider for one configured model. Cheap: SDKs are imported on a provider's first call.
 * With `record`, real providers (not `replay`) are wrapped to append their answers to
 * `<fixturesDir>/replay/<name>.jsonl`, after `secrets` are scrubbed from their answers. `price` is
 * the config's override, else the price table's.
 * Throws a PromptgateError (MODEL_UNKNOWN) for an unknown provider kind.
 */
export function createProvider(name: string, config: ModelConfig, context: ProviderContext): Provider {
  const provider = createBaseProvider(name, config, context);
  const price = resolvePrice(config.model, config.price);
  if (price) provider.price = price;
  const scrubbed = scrubbingProvider(provider, context.secrets ?? []);
  if (context.record && provider.kind !== 'replay') return recordingProvider(scrubbed, context.fixturesDir, name);
  return scrubbed;
}

function createBaseProvider(name: string, config: ModelConfig, context: ProviderContext): Provider {
  const kind = config.provider;
  if (typeof kind === 'function' || (typeof kind === 'object' && kind !== null)) return createCustomProvider(name, config, kind);
  switch (kind) {
    case 'openai':
      return createOpenAIProvider(name, config, { env: context.env });
    case 'anthropic':
      return createAnthropicProvider(name, config, { env: context.env });
    case 'replay':
      return createReplayProvider(name, config, context.fixturesDir);
    default:
      throw inputError(
        'MODEL_UNKNOWN',
        `model "${name}" has an unknown provider ${JSON.stringify(kind)}`,
        context.configFile ? { file: context.configFile } : undefined,
        `use one of ${PROVIDER_KINDS.join(', ')}, or defineProvider({ id, call })`,
      );
  }
}
