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
  /** The output's token log probabilities, when the request asked for them. */
  logprobs?: number[];
  /** The tool calls the model made (absent: none). */
  toolCalls?: ProviderSuccess['toolCalls'];
  /** The model refused: what it said. */
  refusal?: string;
  /** How long the call that made the entry took (ms): what `latency` grades a cached answer by, as promptfoo does. */
  latencyMs?: number;
}

/** An entry as written: the response, with the key scheme and the key it was made for. */
interface StoredEntry extends CachedResponse {
  scheme: number;
  key: string;
}

export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
  /**
   * An answer of another endpoint (an embedding, a moderation verdict) stored under its own key
   * (endpointKeyOf): the `data` object as written, to be checked by the caller, or undefined.
   */
  getData(key: string): Promise<Record<string, unknown> | undefined>;
  setData(key: string, data: Record<string, unknown>): Promise<void>;
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
  if (dir === false) return { get: async () => undefined, set: async () => {}, getData: async () => undefined, setData: async () => {} };
  const root = cacheSchemeDir(dir);
  const madeDirs = new Set<string>();
  const pathOf = (key: string) => join(root, key.slice(0, 2), `${key}.json`);
  /** The entry stored for `key`, when it names the current scheme and that very key. */
  const read = async (key: string): Promise<Record<string, unknown> | undefined> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(pathOf(key), 'utf8'));
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const entry = parsed as Record<string, unknown>;
    return entry.scheme === REQUEST_KEY_SCHEME && entry.key === key ? entry : undefined;
  };
  const write = async (key: string, entry: Record<string, unknown>) => {
    const folder = join(root, key.slice(0, 2));
    if (!madeDirs.has(folder)) {
      await mkdir(folder, { recursive: true });
      madeDirs.add(folder);
    }
    const tmp = `${pathOf(key)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, pathOf(key));
  };
  return {
    async get(key) {
      const parsed = (await read(key)) as Partial<StoredEntry> | undefined;
      if (!parsed || typeof parsed.output !== 'string') return undefined;
      const hit: CachedResponse = { output: parsed.output };
      if (typeof parsed.modelReported === 'string') hit.modelReported = parsed.modelReported;
      if (parsed.usage) hit.usage = parsed.usage;
      if (typeof parsed.finishReason === 'string') hit.finishReason = parsed.finishReason;
      if (Array.isArray(parsed.logprobs) && parsed.logprobs.every((x) => typeof x === 'number')) hit.logprobs = parsed.logprobs;
      if (parsed.toolCalls !== undefined) {
        // An answer whose tool calls cannot be read is no answer: dropping them would grade a text-only reply.
        if (!Array.isArray(parsed.toolCalls) || !parsed.toolCalls.every(isToolCall)) return undefined;
        hit.toolCalls = parsed.toolCalls;
      }
      if (typeof parsed.refusal === 'string') hit.refusal = parsed.refusal;
      if (typeof parsed.latencyMs === 'number' && Number.isFinite(parsed.latencyMs) && parsed.latencyMs >= 0) hit.latencyMs = parsed.latencyMs;
      return hit;
    },
    async set(key, value) {
      const entry: StoredEntry = { scheme: REQUEST_KEY_SCHEME, key, ...value };
      await write(key, entry as unknown as Record<string, unknown>);
    },
    async getData(key) {
      const entry = await read(key);
      const data = entry?.data;
      return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    },
    async setData(key, data) {
      await write(key, { scheme: REQUEST_KEY_SCHEME, key, data });
    },
  };
}

/** A stored tool call as this version writes them (an entry holding anything else is not trusted). */
function isToolCall(value: unknown): value is NonNullable<CachedResponse['toolCalls']>[number] {
  if (typeof value !== 'object' || value === null) return false;
  const call = value as Record<string, unknown>;
  return typeof call.id === 'string' && typeof call.name === 'string' && typeof call.rawArguments === 'string';
}
