import type { Assertion } from '../cases/types.js';
import type { GradeResult } from './types.js';
import { GraderError } from './grader-error.js';

const QUOTE_LIMIT = 80;

/** JSON-quotes text for a reason, cut to a readable length (reasons are escaped again when rendered). */
export function quote(text: string, limit = QUOTE_LIMIT): string {
  return JSON.stringify(text.length > limit ? `${text.slice(0, limit)}…` : text);
}

/** A pass/fail result with score 1/0. */
export function verdict(pass: boolean, reason: string): GradeResult {
  return { pass, score: pass ? 1 : 0, reason };
}

/** No value given: undefined, null or ''. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The assertion's value as text: strings as is, numbers and booleans via String, objects as JSON. */
export function valueText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The assertion's value as a non-empty string, or a GraderError naming the type. */
export function requireText(assertion: Assertion): string {
  const text = valueText(assertion.value);
  if (text === undefined || text === '') throw new GraderError(`${assertion.type} needs a value (e.g. ${assertion.type}:text)`);
  return text;
}

/**
 * A value holding `{{ … }}` or `{% … %}`: rendered with the case's variables at grade time, so
 * load-time parsing and `check` leave it as text.
 */
export function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && /\{\{|\{%/.test(value);
}
