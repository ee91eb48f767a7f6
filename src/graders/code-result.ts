import type { GradeResult } from './types.js';
import { GraderError } from './grader-error.js';

/**
 * What user code (`javascript`, `python`) returned, read as promptfoo reads it (its
 * javascript.ts / python.ts and scriptResultNormalization.ts are the reference):
 * - a boolean: pass or fail, score 1 / 0;
 * - a finite number: the score; it passes when > 0, or ≥ the assertion's threshold when it has one;
 * - a grading result `{pass: boolean, score: number, reason: string}` (promptfoo's `isGradingResult`:
 *   all three are required): taken as is. Python's threshold also applies to it (a score below the
 *   threshold fails); JavaScript's does not, as in promptfoo.
 * Under `not-` the pass swaps and the number or the result's score is kept (`negatedScore`), as
 * promptfoo records it. A score outside 0..1 is recorded clamped into 0..1 (promptfoo keeps it).
 * Anything else is a GraderError: no verdict, never a pass.
 */
export function readScriptResult(value: unknown, options: { language: 'javascript' | 'python'; threshold?: number; label: string }): GradeResult {
  const { label, threshold } = options;
  if (typeof value === 'boolean') return { pass: value, score: value ? 1 : 0, reason: `${label} returned ${value}` };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new GraderError(`${label} returned ${value}; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}`);
    const pass = threshold === undefined ? value > 0 : value >= threshold;
    const rule = threshold === undefined ? (pass ? '> 0' : '≤ 0') : `${pass ? '≥' : '<'} threshold ${threshold}`;
    const score = clamp(value);
    return { pass, score, reason: `${label} returned ${value} (${rule})`, negatedScore: score };
  }
  if (isGradingResult(value)) {
    const score = clamp(value.score);
    if (options.language === 'python' && threshold !== undefined && value.score < threshold) {
      const why = `${label} scored ${value.score}, below the threshold ${threshold}`;
      return { pass: false, score, reason: value.reason ? `${why}: ${value.reason}` : why, negatedScore: score };
    }
    return { pass: value.pass, score, reason: value.reason || `${label} returned pass ${value.pass}`, negatedScore: score };
  }
  throw new GraderError(`${label} returned ${describe(value)}; expected a boolean, a finite number, or {pass: boolean, score: number, reason: string}`);
}

/**
 * A Python function's result as promptfoo's python.ts reads it before the rules above: the strings
 * `true` / `false` (any case) are booleans, a string starting with `{` is parsed as a JSON grading
 * result, snake_case keys become camelCase, and any other string or value is read as a number
 * (`parseFloat`) or refused.
 */
export function readPythonResult(value: unknown, options: { threshold?: number; label: string }): GradeResult {
  const read = (result: unknown) => readScriptResult(result, { ...options, language: 'python' });
  if (typeof value === 'boolean') return read(value);
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return read(lower === 'true');
    if (value.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch (error) {
        throw new GraderError(`${options.label} returned a string that is not valid JSON: ${(error as Error).message}`);
      }
      return read(camelKeys(parsed));
    }
  }
  if (value !== null && typeof value === 'object') return read(camelKeys(value));
  if (typeof value === 'number') return read(value);
  const number = Number.parseFloat(String(value));
  if (Number.isNaN(number)) throw new GraderError(`${options.label} returned ${describe(value)}; expected a boolean, a number, or {pass: boolean, score: number, reason: string}`);
  return read(number);
}

/** promptfoo's `isGradingResult`: pass, score and reason of the right types (and its optional fields, when present). */
export function isGradingResult(value: unknown): value is { pass: boolean; score: number; reason: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const result = value as Record<string, unknown>;
  return (
    typeof result.pass === 'boolean' &&
    typeof result.score === 'number' &&
    Number.isFinite(result.score) &&
    typeof result.reason === 'string' &&
    (result.namedScores === undefined || typeof result.namedScores === 'object') &&
    (result.tokensUsed === undefined || typeof result.tokensUsed === 'object') &&
    (result.componentResults === undefined || Array.isArray(result.componentResults)) &&
    (result.assertion === undefined || result.assertion === null || typeof result.assertion === 'object') &&
    (result.comment === undefined || typeof result.comment === 'string')
  );
}

/** snake_case keys to camelCase, recursively (a Python dict or dataclass → a grading result). */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())] = camelKeys(item);
  return out;
}

function clamp(score: number): number {
  return Math.min(1, Math.max(0, score));
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object with ${Object.keys(value).length ? `keys ${Object.keys(value).slice(0, 8).join(', ')}` : 'no keys'}`;
  if (typeof value === 'function') return 'a function';
  const text = String(value);
  return `${typeof value} ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`;
}
