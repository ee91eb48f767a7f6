import type { GradeResult } from './types.js';

/**
 * The result to return so that grade.ts reports `final` under `not-` too. grade.ts negates by
 * swapping pass and fail and scoring 1 − score; where promptfoo's handler decides the negated verdict
 * itself and it is not that swap (perplexity without a threshold passes either way; `similar`
 * passes both ways at exactly the threshold), the grader computes promptfoo's negated verdict and
 * returns it swapped once more. Without `not-` it is `final` as is.
 */
export function finalVerdict(negate: boolean, final: GradeResult): GradeResult {
  return negate ? { ...final, pass: !final.pass, score: 1 - final.score } : final;
}
