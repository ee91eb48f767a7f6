/** A plain object (not null, not an array): parsed JSON and API bodies are checked with this before their keys are read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
