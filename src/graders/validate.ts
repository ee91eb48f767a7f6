import type { Assertion } from '../cases/types.js';
import { inputError, type PromptgateError } from '../errors.js';
import { closestMatch } from '../config/suggest.js';
import { isGraderError } from './grader-error.js';
import { findJsGrader } from './js.js';
import { limitOf } from './metrics.js';
import { RegexRefusal, compileRegex, parseRegexSpec } from './regex.js';
import { getGrader } from './registry.js';
import { compileSchema, resolveSchema } from './schema.js';
import { renderAssertionSpec } from './spec.js';
import { isBlank, requireList, requireText, valueText } from './values.js';

export interface ValidateContext {
  /** The config's `graders` (names of JS graders). */
  graders: Record<string, unknown>;
  rootDir: string;
  /** Whether the config names a judge model (for rubric). */
  hasJudge: boolean;
}

type Problem = { why: string; hint?: string };

/**
 * Checks an assertion without calling any model (`promptgate check`): a value where one is needed,
 * regex syntax and a linear running time (see regex.ts), a known JS grader, a
 * readable and valid JSON Schema, a judge for rubric, a limit for latency/cost, a threshold in 0..1.
 * Returns a GRADER_INVALID error naming the assertion's file:line, or undefined when it is fine.
 */
export async function validateAssertion(assertion: Assertion, ctx: ValidateContext): Promise<PromptgateError | undefined> {
  let problem: Problem | undefined;
  try {
    problem = await findProblem(assertion, ctx);
  } catch (error) {
    if (!isGraderError(error)) throw error;
    problem = { why: error.message };
  }
  if (!problem) return undefined;
  const { file, line } = assertion.source;
  const where = line === undefined ? file : `${file}:${line}`;
  return inputError('GRADER_INVALID', `${where}: invalid grader ${renderAssertionSpec(assertion)}: ${problem.why}`, assertion.source, problem.hint);
}

async function findProblem(assertion: Assertion, ctx: ValidateContext): Promise<Problem | undefined> {
  if (!getGrader(assertion.type)) return { why: `unknown grader type '${assertion.type}'` };
  const { threshold } = assertion;
  if (threshold !== undefined && !Number.isFinite(threshold)) return { why: 'the threshold is not a number' };
  switch (assertion.type) {
    case 'equals':
      return valueText(assertion.value) === undefined ? { why: 'equals needs a value' } : undefined;
    case 'contains':
    case 'icontains':
    case 'starts-with':
      requireText(assertion);
      return undefined;
    case 'contains-any':
    case 'contains-all':
      requireList(assertion);
      return undefined;
    case 'regex':
      return await checkRegex(requireText(assertion));
    case 'is-json':
      if (isBlank(assertion.value)) return undefined;
      await compileSchema(await resolveSchema(assertion.value, ctx.rootDir));
      return undefined;
    case 'schema':
      await compileSchema(await resolveSchema(assertion.value, ctx.rootDir));
      return undefined;
    case 'rubric':
      requireText(assertion);
      if (!ctx.hasJudge) return { why: 'no judge model configured', hint: 'set `judge` in the config to a model name' };
      return checkUnitThreshold(threshold);
    case 'js': {
      const name = requireText(assertion).trim();
      try {
        findJsGrader(ctx.graders, name);
      } catch (error) {
        const known = Object.keys(ctx.graders);
        const match = closestMatch(name, known);
        const list = known.length ? `graders in the config: ${known.join(', ')}` : 'add it to `graders` in the config: defineGrader(...) or a module path';
        return { why: (error as Error).message, hint: match && match !== name ? `did you mean "${match}"? ${list}` : list };
      }
      return checkUnitThreshold(threshold);
    }
    case 'latency':
    case 'cost':
      limitOf(assertion);
      return undefined;
  }
}

function checkUnitThreshold(threshold: number | undefined): Problem | undefined {
  return threshold !== undefined && (threshold < 0 || threshold > 1) ? { why: `the threshold ${threshold} is outside 0..1` } : undefined;
}

/** Compiles the pattern as the grader will (see regex.ts): invalid syntax and patterns not provably linear are refused here. */
async function checkRegex(text: string): Promise<Problem | undefined> {
  try {
    await compileRegex(parseRegexSpec(text));
    return undefined;
  } catch (error) {
    if (error instanceof RegexRefusal) return { why: error.message, hint: error.hint };
    throw error;
  }
}
