import type { GradeResult, Grader, JsGraderFunction } from './types.js';
import { checkUnitThreshold, type CheckProblem, type GraderDefinition } from './definition.js';
import { closestMatch } from '../config/suggest.js';
import { GraderError } from './grader-error.js';
import { requireText, verdict } from './values.js';

/**
 * `js`: calls the function named by the value in the config's `graders`. It may
 * return a boolean (score 1/0), a number 0..1 (passes when ≥ the threshold, default 0.5), or
 * `{pass, score?, reason?}`. An unknown name, a throw, or any other return value is a failure.
 */
export const js: Grader = async (output, assertion, context) => {
  const name = requireText(assertion).trim();
  const fn = findJsGrader(context.graders, name);
  let returned: unknown;
  try {
    returned = await fn(output, {
      vars: context.vars,
      value: assertion.value,
      prompt: { id: context.prompt.id, version: context.prompt.version },
      model: context.model,
    });
  } catch (error) {
    throw new GraderError(`js grader '${name}' threw: ${error instanceof Error ? error.message : String(error)}`);
  }
  return toGradeResult(returned, name, assertion.threshold);
};

/** The config's grader function of that name (own keys only), or a GraderError. */
export function findJsGrader<T>(graders: Record<string, T>, name: string): T & JsGraderFunction {
  const fn = Object.hasOwn(graders, name) ? graders[name] : undefined;
  if (typeof fn !== 'function') throw new GraderError(`unknown js grader '${name}'`);
  return fn as T & JsGraderFunction;
}

function toGradeResult(value: unknown, name: string, threshold: number | undefined): GradeResult {
  const label = `js grader '${name}'`;
  if (typeof value === 'boolean') return verdict(value, `${label} returned ${value}`);
  if (typeof value === 'number') {
    const score = checkScore(value, label);
    const min = threshold ?? 0.5;
    return { pass: score >= min, score, reason: `${label} scored ${score} (${score >= min ? '≥' : '<'} ${min})` };
  }
  if (value !== null && typeof value === 'object' && typeof (value as GradeResult).pass === 'boolean') {
    const { pass, score, reason } = value as Partial<GradeResult> & { pass: boolean };
    if (reason !== undefined && typeof reason !== 'string') throw new GraderError(`${label} returned a reason that is not a string`);
    return { pass, score: score === undefined ? (pass ? 1 : 0) : checkScore(score, label), reason: reason || `${label} returned pass ${pass}` };
  }
  throw new GraderError(`${label} returned ${describe(value)}; expected a boolean, a score 0..1, or {pass, score, reason}`);
}

function checkScore(score: unknown, label: string): number {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
    throw new GraderError(`${label} returned a score outside 0..1: ${describe(score)}`);
  }
  return score;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object without a boolean "pass"';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/** `check`: the named grader exists in the config (with a "did you mean" for a near miss). */
function checkJs(name: string, graders: Record<string, unknown>): CheckProblem | undefined {
  try {
    findJsGrader(graders, name);
    return undefined;
  } catch (error) {
    const known = Object.keys(graders);
    const match = closestMatch(name, known);
    const list = known.length ? `graders in the config: ${known.join(', ')}` : 'add it to `graders` in the config: defineGrader(...) or a module path';
    return { why: (error as Error).message, hint: match && match !== name ? `did you mean "${match}"? ${list}` : list };
  }
}

export const jsDefinitions: readonly GraderDefinition[] = [
  {
    type: 'js',
    value: 'required',
    grade: js,
    check: (assertion, context) => checkJs(requireText(assertion).trim(), context.graders) ?? checkUnitThreshold(assertion.threshold),
  },
];
