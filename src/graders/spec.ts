import type { Assertion } from '../cases/types.js';
import { isBlank } from './values.js';

const VALUE_LIMIT = 80;

/**
 * The assertion's spec for reports: as the user wrote it when the parser kept it (`assertion.spec`),
 * else rendered on one line in the spec grammar `[not-]<type>[(<threshold>)][:<value>]`, e.g.
 * `not-contains:foo`, `rubric(0.8):is polite`. Long values are cut with `…`; object values are
 * shown as compact JSON, string lists joined by commas.
 */
export function renderAssertionSpec(assertion: Assertion): string {
  if (assertion.spec) return assertion.spec;
  const head = `${assertion.negate ? 'not-' : ''}${assertion.type}${assertion.threshold === undefined ? '' : `(${assertion.threshold})`}`;
  const value = renderValue(assertion.value);
  return value === undefined ? head : `${head}:${value}`;
}

function renderValue(value: unknown): string | undefined {
  if (isBlank(value)) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) text = value.join(',');
  else text = JSON.stringify(value) ?? String(value);
  text = text.replace(/\s*\r?\n\s*/g, ' ');
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT)}…` : text;
}
