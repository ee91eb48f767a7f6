import type { Provider, ProviderRequest, ProviderResult } from './types.js';

/**
 * A provider that is `inner` to everyone (name, kind, model id, price, its embeddings and
 * moderation endpoints, its Batch API) but answers chat calls through `call`, which gets `inner` to delegate to:
 * for wrappers that look at or change what a call returns (scrubbing secrets, recording replay
 * fixtures). `endpoints` replaces the embeddings / moderation methods and the batch transport (scrubbing them).
 */
export function wrapProvider(
  inner: Provider,
  call: (request: ProviderRequest, signal: AbortSignal) => Promise<ProviderResult>,
  endpoints: Pick<Provider, 'embed' | 'moderate' | 'batch'> = {},
): Provider {
  const wrapped: Provider = { name: inner.name, kind: inner.kind, model: inner.model, call };
  const embed = endpoints.embed ?? inner.embed?.bind(inner);
  const moderate = endpoints.moderate ?? inner.moderate?.bind(inner);
  // `batch: undefined` given explicitly removes it (the recording wrapper: every answer must pass through `call`).
  const batch = 'batch' in endpoints ? endpoints.batch : inner.batch;
  if (embed) wrapped.embed = embed;
  if (moderate) wrapped.moderate = moderate;
  if (batch) wrapped.batch = batch;
  if (inner.price) wrapped.price = inner.price;
  return wrapped;
}
