import type { Provider, ProviderRequest, ProviderResult } from './types.js';

/**
 * A provider that is `inner` to everyone (name, kind, model id, price, its embeddings and
 * moderation endpoints) but answers chat calls through `call`, which gets `inner` to delegate to:
 * for wrappers that look at or change what a call returns (scrubbing secrets, recording replay
 * fixtures). `endpoints` replaces the embeddings / moderation methods (scrubbing their errors).
 */
export function wrapProvider(
  inner: Provider,
  call: (request: ProviderRequest, signal: AbortSignal) => Promise<ProviderResult>,
  endpoints: Pick<Provider, 'embed' | 'moderate' | 'batch'> = {},
): Provider {
  const wrapped: Provider = { name: inner.name, kind: inner.kind, model: inner.model, call };
  const embed = endpoints.embed ?? inner.embed?.bind(inner);
  const moderate = endpoints.moderate ?? inner.moderate?.bind(inner);
  if (embed) wrapped.embed = embed;
  if (moderate) wrapped.moderate = moderate;
  if (inner.price) wrapped.price = inner.price;
  // The Batch API (batch mode) travels with the provider; a wrapper that changes answers wraps it too.
  const batch = endpoints.batch ?? inner.batch;
  if (batch) wrapped.batch = batch;
  return wrapped;
}
