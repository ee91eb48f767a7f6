import type { Provider, ProviderRequest, ProviderResult } from './types.js';

/**
 * A provider that is `inner` to everyone (name, kind, model id, price) but answers through
 * `call`, which gets `inner` to delegate to: for wrappers that look at or change what a call
 * returns (scrubbing secrets, recording replay fixtures).
 */
export function wrapProvider(inner: Provider, call: (request: ProviderRequest, signal: AbortSignal) => Promise<ProviderResult>): Provider {
  const wrapped: Provider = { name: inner.name, kind: inner.kind, model: inner.model, call };
  if (inner.price) wrapped.price = inner.price;
  return wrapped;
}
