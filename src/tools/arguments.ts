import type { ToolCall } from './types.js';

/**
 * A tool call's arguments as the model sent them, parsed: `arguments` when `raw` is a JSON object,
 * else `argumentsError` saying why (graders fail the call with it).
 */
export function parseToolArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { argumentsError: `the arguments are not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { argumentsError: `the arguments are ${kind}, not a JSON object` };
  }
  return { arguments: value };
}
