import { hash } from 'node:crypto';

export function sha256(text: string | Buffer): string {
  // One-shot crypto.hash (Node ≥ 20.12): no Hash object per call, on paths run once per case.
  return hash('sha256', text, 'hex');
}

/**
 * JSON with object keys sorted, so equal values hash equally whatever their key order. Same
 * output as JSON.stringify of a key-sorted copy, written out directly rather than copying the
 * value first (this runs for every case and call).
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, sortedKeysReplacer);
}

/** Hands JSON.stringify each plain object with its keys in sorted order. */
function sortedKeysReplacer(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || (value as object).constructor !== Object) return value;
  const keys = Object.keys(value as object);
  if (isSorted(keys)) return value;
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

export function shortHash(text: string, length = 12): string {
  return sha256(text).slice(0, length);
}
