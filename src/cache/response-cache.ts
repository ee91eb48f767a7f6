import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderSuccess } from '../providers/types.js';
import { REQUEST_KEY_SCHEME } from './request-key.js';

export { requestKeyOf } from './request-key.js';

/** A successful response as stored on disk. Failures are never cached. */
export interface CachedResponse {
  output: string;
  modelReported?: string;
  usage?: ProviderSuccess['usage'];
  finishReason?: string;
}

/** An entry as written: the response, with the key scheme and the key it was made for. */
interface StoredEntry extends CachedResponse {
  scheme: number;
  key: string;
}

export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
}

/** The folder of the current key scheme under a cache folder: entries of other schemes are never read. */
export function cacheSchemeDir(dir: string): string {
  return join(dir, `v${REQUEST_KEY_SCHEME}`);
}

/**
 * On-disk, content-addressed response cache: one small JSON file per key (requestKeyOf) under
 * `<dir>/v<scheme>/<2 hex>/`. An entry is used only when it names the current scheme and the very
 * key asked for, so a file of an older scheme, or one copied to the wrong name, is a miss.
 * Writes go to a temp file and are renamed, so a crash never leaves a half-written entry.
 */
export function createResponseCache(dir: string | false): ResponseCache {
  if (dir === false) return { get: async () => undefined, set: async () => {} };
  const root = cacheSchemeDir(dir);
  const madeDirs = new Set<string>();
  const pathOf = (key: string) => join(root, key.slice(0, 2), `${key}.json`);
  return {
    async get(key) {
      let parsed: Partial<StoredEntry>;
      try {
        parsed = JSON.parse(await readFile(pathOf(key), 'utf8')) as Partial<StoredEntry>;
      } catch {
        return undefined;
      }
      if (parsed?.scheme !== REQUEST_KEY_SCHEME || parsed.key !== key || typeof parsed.output !== 'string') return undefined;
      const hit: CachedResponse = { output: parsed.output };
      if (typeof parsed.modelReported === 'string') hit.modelReported = parsed.modelReported;
      if (parsed.usage) hit.usage = parsed.usage;
      if (typeof parsed.finishReason === 'string') hit.finishReason = parsed.finishReason;
      return hit;
    },
    async set(key, value) {
      const folder = join(root, key.slice(0, 2));
      if (!madeDirs.has(folder)) {
        await mkdir(folder, { recursive: true });
        madeDirs.add(folder);
      }
      const entry: StoredEntry = { scheme: REQUEST_KEY_SCHEME, key, ...value };
      const tmp = `${pathOf(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, pathOf(key));
    },
  };
}
