import { isRecord } from '../util/record.js';

/**
 * Partial matching of tool call arguments (`tool-call:<name> {…}`, `expected_tool_calls`): what the
 * case gives must be in what the model sent; what the case leaves out is not checked.
 *
 * - an object: every key of `expected` is present in `actual` and matches (recursively partial);
 *   keys only in `actual` are fine;
 * - an array: the same length, element by element (an object element is matched partially);
 * - anything else: `===` (a number, a string, a boolean, null).
 */

/** Whether `actual` holds everything `expected` gives (see the module comment). */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  return partialMismatch(actual, expected) === undefined;
}

/**
 * Why `actual` does not match `expected` partially, at the first place it differs
 * (`refund.amount: expected 10, got 100`, `items: expected 2 items, got 3`, `order_id: missing`);
 * undefined when it matches. `at` names the root (empty: the top-level arguments).
 */
export function partialMismatch(actual: unknown, expected: unknown, at = ''): string | undefined {
  if (isRecord(expected)) {
    if (!isRecord(actual)) return `${where(at)}expected an object, got ${describe(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      const path = joinKey(at, key);
      if (!Object.hasOwn(actual, key)) return `${path}: missing`;
      const inner = partialMismatch(actual[key], value, path);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where(at)}expected an array, got ${describe(actual)}`;
    if (actual.length !== expected.length) return `${where(at)}expected ${count(expected.length)}, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const inner = partialMismatch(actual[i], expected[i], `${at}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  return actual === expected ? undefined : `${where(at)}expected ${describe(expected)}, got ${describe(actual)}`;
}

function where(at: string): string {
  return at === '' ? '' : `${at}: `;
}

/** `a.b`, or `a["odd key"]` for a key that is not an identifier. */
function joinKey(at: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return at === '' ? key : `${at}.${key}`;
  return `${at}[${JSON.stringify(key)}]`;
}

function count(n: number): string {
  return `${n} item${n === 1 ? '' : 's'}`;
}

const SHOWN = 60;

/** A value for a reason: JSON, cut to a readable length (model output; reports escape it again). */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}
