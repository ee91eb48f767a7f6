export type * from './types.js';
export { createProvider, PROVIDER_KINDS, type ProviderContext } from './registry.js';
export { createOpenAIProvider, parseChatCompletion, type OpenAIProviderOptions } from './openai.js';
export {
  createAnthropicProvider, parseMessagesResponse, buildMessagesBody, DEFAULT_ANTHROPIC_MAX_TOKENS,
  type AnthropicProviderOptions,
} from './anthropic.js';
export { createReplayProvider, recordingProvider } from './replay.js';
export {
  replayKey, replayFixturePath, parseReplayFixture, loadReplayFixture, formatReplayEntry, type ReplayEntry,
} from './replay-fixture.js';
export { createCustomProvider, normalizeCustomResult } from './custom.js';
export { costOf, lookupPrice, resolvePrice, PRICE_TABLE, type ModelPrice, type PriceOverride } from './prices.js';
export { parseRetryAfter } from './retry-after.js';
export { providerFailure, scrubSecrets } from './failure.js';
