import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResponseCache, requestKeyOf } from './response-cache.js';

const identity = { provider: 'openai', model: 'gpt', params: { temperature: 0 }, messages: [{ role: 'user' as const, content: 'hi' }], repeat: 0 };

describe('response cache', () => {
  it('addresses requests by content: key order does not matter, every field does', () => {
    expect(requestKeyOf(identity)).toBe(requestKeyOf({ ...identity, params: { temperature: 0 } }));
    expect(requestKeyOf(identity)).not.toBe(requestKeyOf({ ...identity, repeat: 1 }));
    expect(requestKeyOf(identity)).not.toBe(requestKeyOf({ ...identity, model: 'other' }));
    expect(requestKeyOf(identity)).not.toBe(requestKeyOf({ ...identity, params: { temperature: 1 } }));
    expect(requestKeyOf(identity)).not.toBe(requestKeyOf({ ...identity, messages: [{ role: 'user', content: 'hi!' }] }));
  });

  it('stores and returns a response, and misses on unknown keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-cache-'));
    const cache = createResponseCache(dir);
    const key = requestKeyOf(identity);
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, { output: 'hello', modelReported: 'gpt-2024', usage: { inputTokens: 3, outputTokens: 1 } });
    expect(await cache.get(key)).toEqual({ output: 'hello', modelReported: 'gpt-2024', usage: { inputTokens: 3, outputTokens: 1 } });
    // No temp files are left behind.
    const files = await readdir(join(dir, key.slice(0, 2)));
    expect(files).toEqual([`${key}.json`]);
  });

  it('does nothing when disabled', async () => {
    const cache = createResponseCache(false);
    await cache.set('k', { output: 'x' });
    expect(await cache.get('k')).toBeUndefined();
  });
});
