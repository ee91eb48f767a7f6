import type { Assertion } from '../cases/types.js';
import { inputError, type PromptgateError } from '../errors.js';
import type { CaseCheckContext, CheckContext, CheckProblem } from './definition.js';
import { definitionOf } from './catalog.js';
import { isGraderError } from './grader-error.js';
import { renderAssertionSpec } from './spec.js';

/** What `check` knows about the project (see CheckContext). */
export type ValidateContext = CheckContext;

/**
 * Checks an assertion without calling any model (`promptgate check`): a known type, a finite
 * threshold, then the type's own `check` (a value where one is needed, regex syntax and a linear
 * running time, a known JS grader, a readable and valid JSON Schema, a judge for model-graded
 * types, a limit for latency/cost, a threshold in 0..1 where it is a score).
 * Returns a GRADER_INVALID error naming the assertion's file:line, or undefined when it is fine.
 */
export async function validateAssertion(assertion: Assertion, ctx: ValidateContext): Promise<PromptgateError | undefined> {
  let problem: CheckProblem | undefined;
  try {
    problem = await findProblem(assertion, ctx);
  } catch (error) {
    if (!isGraderError(error)) throw error;
    problem = { why: error.message };
  }
  return problem ? invalid(assertion, problem) : undefined;
}

/**
 * Checks an assertion against one case it grades (its variables, its suite's models): the type's
 * `checkCase` (context-faithfulness without a `query` variable, select-best on one model).
 * Returns a GRADER_INVALID error naming the assertion's file:line, or undefined when it is fine.
 */
export function validateAssertionForCase(assertion: Assertion, testCase: CaseCheckContext): PromptgateError | undefined {
  const problem = definitionOf(assertion.type)?.checkCase?.(assertion, testCase);
  return problem ? invalid(assertion, problem) : undefined;
}

function invalid(assertion: Assertion, problem: CheckProblem): PromptgateError {
  const { file, line } = assertion.source;
  const where = line === undefined ? file : `${file}:${line}`;
  return inputError('GRADER_INVALID', `${where}: invalid grader ${renderAssertionSpec(assertion)}: ${problem.why}`, assertion.source, problem.hint);
}

async function findProblem(assertion: Assertion, ctx: ValidateContext): Promise<CheckProblem | undefined> {
  const definition = definitionOf(assertion.type);
  if (!definition) return { why: `unknown grader type '${assertion.type}'` };
  const { threshold } = assertion;
  if (threshold !== undefined && !Number.isFinite(threshold)) return { why: 'the threshold is not a number' };
  return (await definition.check?.(assertion, ctx)) ?? undefined;
}
