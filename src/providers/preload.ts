import type { ModelConfig } from '../config/types.js';

/**
 * Starts importing the SDKs the named models use, without waiting. A run calls this before it
 * reads and checks its cases, so the SDK's module files load while that work waits on the disk,
 * rather than after it, in front of the first request. Failures are ignored here: the provider's
 * own import reports them on its first call.
 */
export function preloadSdks(models: Record<string, ModelConfig>, names: Iterable<string>): void {
  const kinds = new Set<string>();
  for (const name of names) {
    const provider = models[name]?.provider;
    if (typeof provider === 'string') kinds.add(provider);
  }
  // The SDKs build their request headers with Headers, which loads Node's fetch internals.
  if (kinds.has('openai')) void import('openai').then(() => new Headers(), () => undefined);
  if (kinds.has('anthropic')) void import('@anthropic-ai/sdk').then(() => new Headers(), () => undefined);
}
