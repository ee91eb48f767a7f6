import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config/types.js';
import { createRoutes, normalizeBaseURL, requestKeyOf, routeOf, type RequestContent } from './request-key.js';

const request: RequestContent = { model: 'gpt', params: { temperature: 0, top_p: 1 }, messages: [{ role: 'user' as const, content: 'hi' }], repeat: 0 };
const openai = (extra: Partial<ModelConfig> = {}): ModelConfig => ({ provider: 'openai', model: 'gpt', ...extra });
const keyOf = (entry: string, config: ModelConfig, changes: Partial<RequestContent> = {}) => requestKeyOf(routeOf(entry, config), { ...request, ...changes });

describe('requestKeyOf', () => {
  const base = keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }));

  it('does not depend on key order', () => {
    expect(keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { params: { top_p: 1, temperature: 0 } })).toBe(base);
  });

  it('changes with everything that decides who answers or what is asked', () => {
    const others = [
      keyOf('prod', openai({ baseURL: 'http://127.0.0.1:8001/v1' })),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8002/v1' })),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v2' })),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1', apiKeyEnv: 'STAGING_KEY' })),
      keyOf('staging', { provider: 'anthropic', model: 'gpt', baseURL: 'http://127.0.0.1:8001/v1' }),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { model: 'other' }),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { params: { temperature: 1, top_p: 1 } }),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { messages: [{ role: 'user', content: 'hi!' }] }),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { repeat: 1 }),
      keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { tools: [{ type: 'function', function: { name: 'f' } }] }),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('is the same for settings that do not change who answers, and for the same server written two ways', () => {
    expect(keyOf('staging', openai({ baseURL: 'HTTP://127.0.0.1:8001/v1/', concurrency: 2, rpm: 60, timeoutMs: 5, maxRetries: 0 }))).toBe(base);
    expect(keyOf('staging', openai({ baseURL: 'http://127.0.0.1:8001/v1' }), { tools: undefined })).toBe(base);
  });

  it('never contains the API key value: only the name of its variable', () => {
    process.env.PROMPTGATE_TEST_PROD_KEY = 'sk-secret-value';
    try {
      const route = routeOf('prod', openai({ apiKeyEnv: 'PROMPTGATE_TEST_PROD_KEY' }));
      expect(route.text).toContain('PROMPTGATE_TEST_PROD_KEY');
      expect(route.text).not.toContain('sk-secret-value');
    } finally {
      delete process.env.PROMPTGATE_TEST_PROD_KEY;
    }
  });

  it('routes as the providers send: baseURL, else the API\'s own endpoint; the key variable only where a key is sent', () => {
    expect(routeOf('a', openai()).endpoint).toBe('https://api.openai.com/v1');
    expect(routeOf('a', openai()).apiKeyEnv).toBe('OPENAI_API_KEY');
    expect(routeOf('a', openai({ baseURL: 'http://x.test/v1/' })).endpoint).toBe('http://x.test/v1');
    // A custom baseURL without apiKeyEnv is sent no key.
    expect(routeOf('a', openai({ baseURL: 'http://x.test/v1' })).apiKeyEnv).toBeNull();
    expect(routeOf('a', openai({ baseURL: 'http://x.test/v1', apiKeyEnv: 'X_KEY' })).apiKeyEnv).toBe('X_KEY');
    expect(routeOf('c', { provider: 'anthropic', model: 'claude' }).endpoint).toBe('https://api.anthropic.com');
    expect(routeOf('c', { provider: 'anthropic', model: 'claude' }).apiKeyEnv).toBe('ANTHROPIC_API_KEY');
    expect(routeOf('c', { provider: 'anthropic', model: 'claude', baseURL: 'http://gw.test' }).endpoint).toBe('http://gw.test');
    // Environment variables never redirect calls, so they are not part of the key.
    process.env.OPENAI_BASE_URL = 'http://proxy.local/v1';
    try {
      expect(routeOf('a', openai()).endpoint).toBe('https://api.openai.com/v1');
    } finally {
      delete process.env.OPENAI_BASE_URL;
    }
  });

  it('keys a custom provider by its entry name and its source text', () => {
    const fn = () => 'a';
    const same = () => 'a';
    const edited = () => 'b';
    expect(keyOf('mine', { provider: fn, model: 'm' })).toBe(keyOf('mine', { provider: same, model: 'm' }));
    expect(keyOf('mine', { provider: fn, model: 'm' })).not.toBe(keyOf('mine', { provider: edited, model: 'm' }));
    expect(keyOf('mine', { provider: fn, model: 'm' })).not.toBe(keyOf('yours', { provider: fn, model: 'm' }));
  });

  it('keys a defineProvider provider by its id too: same entry and same code, different ids, different keys', () => {
    // A factory makes providers whose `call` has the same source text: only the id tells them apart.
    const make = (id: string) => ({ id, call: () => `answer from ${id}` });
    expect(keyOf('mine', { provider: make('a'), model: 'm' })).not.toBe(keyOf('mine', { provider: make('b'), model: 'm' }));
    expect(keyOf('mine', { provider: make('a'), model: 'm' })).toBe(keyOf('mine', { provider: make('a'), model: 'm' }));
    expect(keyOf('mine', { provider: make('a'), model: 'm' })).not.toBe(keyOf('mine', { provider: { id: 'a', call: () => 'edited' }, model: 'm' }));
    expect(routeOf('mine', { provider: make('a'), model: 'm' })).toMatchObject({ provider: 'custom', id: 'a', entry: 'mine' });
  });

  it('keys a replay model by the fixture it answers from', () => {
    expect(keyOf('r', { provider: 'replay', model: 'm', replayOf: 'gpt' })).not.toBe(keyOf('r', { provider: 'replay', model: 'm', replayOf: 'claude' }));
    expect(keyOf('r', { provider: 'replay', model: 'm' })).toBe(keyOf('r', { provider: 'replay', model: 'm', replayOf: 'r' }));
  });

  it('makes each entry\'s route once', () => {
    const routes = createRoutes({ a: openai() });
    expect(routes('a')).toBe(routes('a'));
  });
});

describe('normalizeBaseURL', () => {
  it.each([
    ['HTTPS://API.Example.COM:443/v1/', 'https://api.example.com/v1'],
    ['http://Example.com:80', 'http://example.com'],
    ['http://example.com:8080/v1//', 'http://example.com:8080/v1'],
    ['https://user:pass@example.com/v1', 'https://example.com/v1'],
    ['https://example.com/openai/deployments/x?api-version=1', 'https://example.com/openai/deployments/x?api-version=1'],
    ['not a url/', 'not a url'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBaseURL(input)).toBe(expected);
  });
});
