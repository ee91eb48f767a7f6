import { hash } from 'node:crypto';

export function sha256(text: string | Buffer): string {
  // One-shot crypto.hash (Node ≥ 20.12): no Hash object per call, on paths run once per case.
  return hash('sha256', text, 'hex');
}

/**
 * JSON with object keys sorted, so equal values hash equally whatever their key order. The same
 * text as JSON.stringify of a copy whose plain objects have sorted keys, written out directly
 * (this runs for every case and call; a replacer function or a sorted copy cost several times more).
 */
export function stableStringify(value: unknown): string {
  return sortedJson(value) as string;
}

/** The JSON text of `value` with plain objects' keys sorted; `undefined` where JSON.stringify omits the value. */
function sortedJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return sortedJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? ',' : ''}${sortedJson(value[i]) ?? 'null'}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Only plain objects are sorted, as before: other objects keep JSON.stringify's own order.
  if (record.constructor === Object) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const text = sortedJson(record[key]);
    if (text === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

export function shortHash(text: string, length = 12): string {
  return sha256(text).slice(0, length);
}
