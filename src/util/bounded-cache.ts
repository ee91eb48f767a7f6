/**
 * Sets `key` in a process-wide cache that keeps at most `limit` entries: when full, the entry set
 * first goes (a Map keeps insertion order), so a long-lived process (the API, a watch loop) does not
 * grow without bound.
 */
export function setBounded<K, V>(cache: Map<K, V>, key: K, value: V, limit: number): void {
  if (!cache.has(key) && cache.size >= limit) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
}
