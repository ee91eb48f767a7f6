import { describe, expect, it } from 'vitest';
import { apiKeysOf, scrubbingProvider } from './scrub.js';
import type { Provider, ProviderResult } from './types.js';

const KEY = 'sk-test-planted-0123456789';

function fixed(result: ProviderResult): Provider {
  return { name: 'm', kind: 'openai', model: 'x', price: { inputPerMTok: 1, outputPerMTok: 2 }, call: async () => result };
}

describe('scrubbingProvider', () => {
  it('removes the keys from outputs, reported models and error messages', async () => {
    const signal = new AbortController().signal;
    const ok = await scrubbingProvider(fixed({ ok: true, output: `Authorization: Bearer ${KEY}`, modelReported: `m-${KEY}` }), [KEY]).call({ model: 'x', messages: [], params: {} }, signal);
    expect(ok).toEqual({ ok: true, output: 'Authorization: Bearer ***', modelReported: 'm-***' });
    const failed = await scrubbingProvider(fixed({ ok: false, error: { code: 'client_error', message: `bad key ${KEY}`, retryable: false, status: 400 } }), [KEY]).call({ model: 'x', messages: [], params: {} }, signal);
    expect(failed).toEqual({ ok: false, error: { code: 'client_error', message: 'bad key ***', retryable: false, status: 400 } });
  });

  it('keeps the provider identity and price', () => {
    const wrapped = scrubbingProvider(fixed({ ok: true, output: '' }), [KEY]);
    expect([wrapped.name, wrapped.kind, wrapped.model, wrapped.price]).toEqual(['m', 'openai', 'x', { inputPerMTok: 1, outputPerMTok: 2 }]);
  });
});

describe('apiKeysOf', () => {
  it('reads each model key variable and the SDK defaults, longest first', () => {
    const keys = apiKeysOf(
      { a: { provider: 'openai', model: 'x', apiKeyEnv: 'MY_KEY' }, b: { provider: 'anthropic', model: 'y' } },
      { MY_KEY: KEY, OPENAI_API_KEY: 'sk-default-key', UNRELATED: 'sk-not-a-model-key-xxxxxxxx' },
    );
    expect(keys).toEqual([KEY, 'sk-default-key']);
  });
});
