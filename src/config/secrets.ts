import type { PathSegment } from './source-line.js';

/**
 * Credentials never belong in a config or a prompt (SPEC §4: keys come from the environment only):
 * configs are committed, and params are written to calls.jsonl with every call. These checks find
 * them so loading can refuse them with a message that names the key but never prints the value.
 */

/** Param names that carry credentials (`api_key`, `apiKey`, `Authorization`, `x-api-key`, ...). */
const SECRET_NAME = /^(?:x[-_]?)?(?:api[-_]?key|api[-_]?token|auth(?:orization)?|access[-_]?token|bearer|secret|client[-_]?secret|password|passwd)$/i;

/** Values shaped like provider API keys (OpenAI `sk-…`, Anthropic `sk-ant-…`, Google `AIza…`, bearer headers). */
const SECRET_VALUE = /(?:^|[^A-Za-z0-9])(?:sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|Bearer\s+[A-Za-z0-9._~+/=-]{16,})/;

const MAX_DEPTH = 20;

/** Path of the first credential-like key or value in `params`, or undefined. */
export function findSecretParam(params: unknown, path: PathSegment[] = []): PathSegment[] | undefined {
  if (path.length > MAX_DEPTH) return undefined;
  if (typeof params === 'string') return SECRET_VALUE.test(params) ? path : undefined;
  if (params === null || typeof params !== 'object') return undefined;
  const entries: Array<[PathSegment, unknown]> = Array.isArray(params) ? params.map((value, i) => [i, value]) : Object.entries(params);
  for (const [key, value] of entries) {
    if (typeof key === 'string' && SECRET_NAME.test(key) && value !== undefined && value !== null && value !== '') return [...path, key];
    const found = findSecretParam(value, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Whether a URL carries credentials: `user:password@`, a key-like value, or a `?api_key=` / `?key=` parameter. */
export function urlHasCredentials(url: string): boolean {
  if (SECRET_VALUE.test(url)) return true;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') return true;
    return [...parsed.searchParams.keys()].some((name) => name.toLowerCase() === 'key' || SECRET_NAME.test(name));
  } catch {
    return /^[a-z]+:\/\/[^/?#]*@/i.test(url);
  }
}
