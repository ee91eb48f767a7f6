import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Message } from '../prompts/types.js';
import type { ProviderSuccess } from '../providers/types.js';
import { sha256, stableStringify } from '../util/hash.js';

/** What makes two requests the same call: the cache key's content. */
export interface RequestIdentity {
  provider: string;
  model: string;
  params: Record<string, unknown>;
  messages: Message[];
  repeat: number;
}

/** A successful response as stored on disk. Failures are never cached. */
export interface CachedResponse {
  output: string;
  modelReported?: string;
  usage?: ProviderSuccess['usage'];
  finishReason?: string;
}

export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
}

/** Content address of a request: sha256 over provider, model, params, messages and repeat index. */
export function requestKeyOf(identity: RequestIdentity): string {
  return sha256(stableStringify(identity));
}

/**
 * On-disk, content-addressed response cache: one small JSON file per key under `<dir>/<2 hex>/`.
 * Writes go to a temp file and are renamed, so a crash never leaves a half-written entry.
 */
export function createResponseCache(dir: string | false): ResponseCache {
  if (dir === false) return { get: async () => undefined, set: async () => {} };
  const madeDirs = new Set<string>();
  const pathOf = (key: string) => join(dir, key.slice(0, 2), `${key}.json`);
  return {
    async get(key) {
      try {
        const parsed = JSON.parse(await readFile(pathOf(key), 'utf8')) as CachedResponse;
        return typeof parsed.output === 'string' ? parsed : undefined;
      } catch {
        return undefined;
      }
    },
    async set(key, value) {
      const folder = join(dir, key.slice(0, 2));
      if (!madeDirs.has(folder)) {
        await mkdir(folder, { recursive: true });
        madeDirs.add(folder);
      }
      const tmp = `${pathOf(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, JSON.stringify(value));
      await rename(tmp, pathOf(key));
    },
  };
}
