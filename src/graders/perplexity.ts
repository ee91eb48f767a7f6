import type { Assertion } from '../cases/types.js';
import { checkUnitThreshold, type CheckContext, type CheckProblem, type GraderDefinition } from './definition.js';
import { finalVerdict } from './final-verdict.js';
import { GraderError } from './grader-error.js';
import type { GraderContext, Grader } from './types.js';

/**
 * Perplexity of the output from its token log probabilities: exp(−mean logprob). The run asks the
 * provider for them (`logprobs: true`) on the calls of a case that has a perplexity grader; a
 * provider that returns none (Anthropic's API has no log probabilities) is a grader error.
 */
export function perplexityOf(assertion: Assertion, context: GraderContext): number {
  const logprobs = context.logprobs;
  if (!logprobs || logprobs.length === 0) {
    throw new GraderError(`${assertion.type} needs the output's token log probabilities and the provider returned none (OpenAI-compatible APIs return them when asked; Anthropic's API has none)`);
  }
  const mean = logprobs.reduce((sum, value) => sum + value, 0) / logprobs.length;
  return Math.exp(-mean);
}

/**
 * `perplexity(<max>)`: the output's perplexity is at most the threshold (promptfoo: score 1 / 0).
 * Without a threshold it passes, negated or not (promptfoo's handler).
 */
export const perplexity: Grader = async (_output, assertion, context) => {
  const value = perplexityOf(assertion, context);
  const shown = value.toFixed(2);
  if (assertion.threshold === undefined) return finalVerdict(assertion.negate, { pass: true, score: 1, reason: `perplexity ${shown} (no threshold)` });
  const pass = value <= assertion.threshold;
  return { pass, score: pass ? 1 : 0, reason: `perplexity ${shown} ${pass ? '≤' : '>'} ${assertion.threshold}` };
};

/**
 * `perplexity-score(<min>)`: 1 / (1 + perplexity), in 0..1, is at least the threshold; the score is
 * that value (negated: 1 − it). Without a threshold it passes, negated or not (promptfoo's handler).
 */
export const perplexityScore: Grader = async (_output, assertion, context) => {
  const score = 1 / (1 + perplexityOf(assertion, context));
  const shown = score.toFixed(4);
  if (assertion.threshold === undefined) return finalVerdict(assertion.negate, { pass: true, score: assertion.negate ? 1 - score : score, reason: `perplexity score ${shown} (no threshold)` });
  const pass = score >= assertion.threshold;
  return { pass, score, reason: `perplexity score ${shown} ${pass ? '≥' : '<'} ${assertion.threshold}` };
};

/** A suite model that can never return log probabilities is refused at `check`. */
function checkLogprobModels(assertion: Assertion, context: CheckContext): CheckProblem | undefined {
  const anthropic = context.models?.find((model) => model.provider === 'anthropic');
  if (anthropic) {
    return { why: `model "${anthropic.name}" is an anthropic model and Anthropic's API returns no token log probabilities`, hint: `run ${assertion.type} on an openai model entry (or an OpenAI-compatible server)` };
  }
  return undefined;
}

export const perplexityDefinitions: readonly GraderDefinition[] = [
  { type: 'perplexity', value: 'none', grade: perplexity, check: checkLogprobModels },
  {
    type: 'perplexity-score',
    value: 'none',
    grade: perplexityScore,
    check: (assertion, context) => checkUnitThreshold(assertion.threshold) ?? checkLogprobModels(assertion, context),
  },
];
