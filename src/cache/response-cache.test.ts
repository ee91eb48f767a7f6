import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256, stableStringify } from '../util/hash.js';
import { routeOf } from './request-key.js';
import { cacheSchemeDir, createResponseCache, requestKeyOf } from './response-cache.js';

const route = routeOf('gpt', { provider: 'openai', model: 'gpt', baseURL: 'http://127.0.0.1:9/v1' });
const request = { model: 'gpt', params: { temperature: 0 }, messages: [{ role: 'user' as const, content: 'hi' }], repeat: 0 };

describe('response cache', () => {
  it('stores and returns a response under the scheme folder, and misses on unknown keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-cache-'));
    const cache = createResponseCache(dir);
    const key = requestKeyOf(route, request);
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, { output: 'hello', modelReported: 'gpt-2024', usage: { inputTokens: 3, outputTokens: 1 } });
    expect(await cache.get(key)).toEqual({ output: 'hello', modelReported: 'gpt-2024', usage: { inputTokens: 3, outputTokens: 1 } });
    // No temp files are left behind; the entry names its scheme and key.
    const files = await readdir(join(cacheSchemeDir(dir), key.slice(0, 2)));
    expect(files).toEqual([`${key}.json`]);
    expect(JSON.parse(await readFile(join(cacheSchemeDir(dir), key.slice(0, 2), `${key}.json`), 'utf8'))).toMatchObject({ scheme: 2, key, output: 'hello' });
  });

  it('never reads an entry of the old key scheme, nor one that names another key or no scheme', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-cache-'));
    const cache = createResponseCache(dir);
    // The scheme before routes: sha256 of provider, model, params, messages, repeat, in <dir>/<2 hex>/.
    const oldKey = sha256(stableStringify({ provider: 'openai', model: 'gpt', params: { temperature: 0 }, messages: request.messages, repeat: 0 }));
    await mkdir(join(dir, oldKey.slice(0, 2)), { recursive: true });
    await writeFile(join(dir, oldKey.slice(0, 2), `${oldKey}.json`), JSON.stringify({ output: 'old scheme' }));
    expect(await cache.get(oldKey)).toBeUndefined();

    const key = requestKeyOf(route, request);
    const file = join(cacheSchemeDir(dir), key.slice(0, 2), `${key}.json`);
    await mkdir(join(cacheSchemeDir(dir), key.slice(0, 2)), { recursive: true });
    for (const planted of [{ output: 'no scheme' }, { scheme: 1, key, output: 'scheme 1' }, { scheme: 2, key: oldKey, output: 'other key' }]) {
      await writeFile(file, JSON.stringify(planted));
      expect(await cache.get(key)).toBeUndefined();
    }
    await writeFile(file, '{"scheme": 2, "key": "tor');
    expect(await cache.get(key)).toBeUndefined();
  });

  it('does nothing when disabled', async () => {
    const cache = createResponseCache(false);
    await cache.set('k', { output: 'x' });
    expect(await cache.get('k')).toBeUndefined();
  });
});
