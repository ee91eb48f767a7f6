import type { TokenUsage } from './types.js';

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/**
 * List prices (standard tier, no batch or cache discounts) in USD per million tokens, as published
 * by OpenAI and Anthropic as of late 2025. Prices change: a model's `price: {input, output}` in
 * the config overrides this table, and a model missing here has no cost (null) unless priced there.
 * Keys are model id prefixes: a dated id (`gpt-4o-mini-2024-07-18`) takes the longest key it
 * starts with, followed by `-` or nothing.
 */
export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'gpt-5-pro': { inputPerMTok: 15, outputPerMTok: 120 },
  o1: { inputPerMTok: 15, outputPerMTok: 60 },
  'o1-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  o3: { inputPerMTok: 2, outputPerMTok: 8 },
  'o3-pro': { inputPerMTok: 20, outputPerMTok: 80 },
  'o3-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25 },
  'claude-3-opus': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75 },
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25 },
  // Embeddings bill input tokens only.
  'text-embedding-3-small': { inputPerMTok: 0.02, outputPerMTok: 0 },
  'text-embedding-3-large': { inputPerMTok: 0.13, outputPerMTok: 0 },
  'text-embedding-ada-002': { inputPerMTok: 0.1, outputPerMTok: 0 },
};

/** An override as written in the config (`price: {input, output}`, USD per million tokens). */
export interface PriceOverride {
  input: number;
  output: number;
}

/**
 * The table's price for a model id, by longest matching prefix. A `vendor/` prefix
 * (`openai/gpt-4o`, as routers name models) is ignored. Undefined for an unknown model.
 */
export function lookupPrice(modelId: string): ModelPrice | undefined {
  const id = modelId.slice(modelId.lastIndexOf('/') + 1).toLowerCase();
  let best: string | undefined;
  for (const key of Object.keys(PRICE_TABLE)) {
    const matches = id === key || id.startsWith(`${key}-`);
    if (matches && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : PRICE_TABLE[best];
}

/** The price to use: the config's override, else the table's, else undefined. */
export function resolvePrice(modelId: string, override?: PriceOverride): ModelPrice | undefined {
  if (override) return { inputPerMTok: override.input, outputPerMTok: override.output };
  return lookupPrice(modelId);
}

/**
 * Cost of one call in USD, or null when the usage or the model's price is unknown.
 * `override` is the model config's `price`.
 */
export function costOf(modelId: string, usage: TokenUsage | undefined, override?: PriceOverride): number | null {
  if (!usage) return null;
  const price = resolvePrice(modelId, override);
  if (!price) return null;
  return (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
}
