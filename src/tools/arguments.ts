import type { ToolCall } from './types.js';

/**
 * Parses a tool call's raw arguments (the JSON text the model sent). The arguments of a call are
 * an object: valid JSON that is not an object, like invalid JSON, gives no `arguments` and an
 * `argumentsError` saying why (graders fail the call with that reason).
 */
export function parseToolArguments(raw: string): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { argumentsError: `the arguments are not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { argumentsError: `the arguments are not a JSON object (got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed})` };
  }
  return { arguments: parsed };
}
