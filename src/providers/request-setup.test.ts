import { describe, expect, it } from 'vitest';
import { baseURLOf, isDefaultEndpoint, keyVariableOf, resolveApiKey } from './request-setup.js';

describe('which key a model entry sends', () => {
  it('reads the default variable only on the API\'s own endpoint', () => {
    expect(keyVariableOf({}, 'openai')).toBe('OPENAI_API_KEY');
    expect(keyVariableOf({ baseURL: 'https://api.openai.com/v1' }, 'openai')).toBe('OPENAI_API_KEY');
    expect(keyVariableOf({ baseURL: 'https://api.anthropic.com' }, 'anthropic')).toBe('ANTHROPIC_API_KEY');
    expect(keyVariableOf({ baseURL: 'http://api.openai.com/v1' }, 'openai')).toBeUndefined();
    expect(keyVariableOf({ baseURL: 'https://api.openai.com.evil.example/v1' }, 'openai')).toBeUndefined();
    expect(keyVariableOf({ baseURL: 'http://127.0.0.1:11434/v1' }, 'openai')).toBeUndefined();
    expect(keyVariableOf({ baseURL: 'http://127.0.0.1:11434/v1', apiKeyEnv: 'LOCAL_KEY' }, 'openai')).toBe('LOCAL_KEY');
    expect(isDefaultEndpoint('not a url', 'openai')).toBe(false);
  });

  it('resolves the key: none for a custom baseURL without apiKeyEnv, an auth failure for an unset default', () => {
    const env = { OPENAI_API_KEY: 'sk-default-0123456789', LOCAL_KEY: 'sk-local-0123456789' };
    expect(resolveApiKey({}, 'openai', env)).toEqual({ key: 'sk-default-0123456789' });
    expect(resolveApiKey({ baseURL: 'http://127.0.0.1:1/v1' }, 'openai', env)).toEqual({ key: undefined });
    expect(resolveApiKey({ baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'LOCAL_KEY' }, 'openai', env)).toEqual({ key: 'sk-local-0123456789' });
    expect(resolveApiKey({ baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'UNSET_KEY' }, 'openai', env)).toEqual({ key: undefined });
    expect(resolveApiKey({}, 'anthropic', env)).toEqual({ ok: false, error: { code: 'auth', message: 'ANTHROPIC_API_KEY is not set', retryable: false } });
  });

  it("builds the SDK clients with the config's endpoint, else the API's own (never OPENAI_BASE_URL / ANTHROPIC_BASE_URL)", () => {
    expect(baseURLOf({}, 'openai')).toBe('https://api.openai.com/v1');
    expect(baseURLOf({}, 'anthropic')).toBe('https://api.anthropic.com');
    expect(baseURLOf({ baseURL: 'http://127.0.0.1:1/v1' }, 'openai')).toBe('http://127.0.0.1:1/v1');
  });
});
