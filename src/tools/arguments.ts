import type { ToolCall } from './types.js';

/**
 * The parse of a tool call's arguments as the model sent them: `arguments` when `raw` is a JSON
 * object, else `argumentsError` saying why not (invalid JSON, or JSON that is not an object). The
 * one parser of tool arguments: providers, the cache, replay fixtures and graders all use it, so a
 * call's `arguments` never depend on where it was read.
 */
export function parseToolArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  if (raw.trim() === '') return { argumentsError: 'the arguments are empty, not a JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { argumentsError: `the arguments are not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { argumentsError: `the arguments are ${kindOf(value)}, not a JSON object` };
  }
  return { arguments: value };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
