import type { Assertion } from '../cases/types.js';
import type { AssertionGrade, CaseGrade, GradeResult, GraderContext } from './types.js';
import { GraderError, isGraderError } from './grader-error.js';
import { definitionOf, getGrader } from './catalog.js';
import { renderAssertionSpec } from './spec.js';
import { resolveAssertionValue } from './value-source.js';

/**
 * Grades one output against a case's assertions (all of them, concurrently).
 * - Each value is resolved first (value-source.ts): `{{var}}` rendered with the case's variables,
 *   `file://` read relative to the case file. A value that cannot be resolved is a grader error.
 * - A grader that throws or rejects marks its assertion `errored: true` with reason `grader error: …`
 *   (a GraderError's message as is), pass false, score 0, also when negated. The whole grade is then
 *   `errored`: no verdict (SPEC §8: the case is `error`, never `fail`, with or without a threshold).
 * - `not-` swaps pass and scores 1 − score (or the grader's `negatedScore`), except for a fail-closed result (a rubric output that
 *   addresses the judge), which stays a fail.
 * - Case score: mean of the scores weighted by `weight` (a plain mean when every weight is 0).
 * - Case pass: with `threshold` (`__threshold`), score ≥ threshold; otherwise every assertion passes.
 * - No assertions: the prompt's `output.schema` (or `output.format: json` → is-json) is the default
 *   grader; with neither, the grade is `ungraded` (pass false, score 0): never counted as a pass.
 * - Assertions graded across models (select-best) are left out: the run adds their grades once every
 *   model of the case answered (summariseGrades again). With only those, the grade is `ungraded` until then.
 */
export async function gradeOutput(
  output: string,
  assertions: Assertion[],
  threshold: number | undefined,
  context: GraderContext,
): Promise<CaseGrade> {
  const planned = (assertions.length > 0 ? assertions : defaultAssertions(context)).filter((assertion) => !isAcrossModels(assertion));
  if (planned.length === 0) {
    const reason = assertions.length > 0 ? AWAITING_REASON : UNGRADED_REASON;
    return { pass: false, score: 0, reason, assertions: [], ungraded: true };
  }
  const grades = await Promise.all(planned.map((assertion) => gradeAssertion(output, assertion, context)));
  return summariseGrades(grades, threshold);
}

/** Whether the run grades this assertion on the outputs of all the case's models (select-best). */
export function isAcrossModels(assertion: Assertion): boolean {
  return definitionOf(assertion.type)?.acrossModels === true;
}

/** The reason of a grade whose only assertions are graded across models, before they are. */
export const AWAITING_REASON = 'ungraded: awaiting the comparison of the outputs of all the models (select-best)';

/** Grades one assertion; never throws. */
export async function gradeAssertion(output: string, assertion: Assertion, context: GraderContext): Promise<AssertionGrade> {
  try {
    const grader = getGrader(assertion.type);
    if (!grader) throw new GraderError(`unknown grader type '${assertion.type}'`);
    // `{{var}}` rendered and `file://` read (promptfoo's runAssertion); the spec in reports stays as written.
    const resolved = await resolveAssertionValue(assertion, context);
    return assertionGradeOf(assertion, { result: await grader(output, resolved, context) });
  } catch (error) {
    return assertionGradeOf(assertion, { error });
  }
}

/**
 * An assertion's grade from what its grader returned or threw (see gradeOutput): `not-`, weight,
 * spec; an invalid result or a throw is `errored`. For graders run outside gradeAssertion (select-best).
 */
export function assertionGradeOf(assertion: Assertion, outcome: { result: GradeResult } | { error: unknown }): AssertionGrade {
  const spec = renderAssertionSpec(assertion);
  const base = { type: assertion.type, negate: assertion.negate, weight: weightOf(assertion.weight), metric: assertion.metric, spec };
  let result: GradeResult;
  try {
    if ('error' in outcome) throw outcome.error;
    result = checkResult(outcome.result);
  } catch (error) {
    const reason = isGraderError(error) ? error.message : `grader error: ${error instanceof Error ? error.message : String(error)}`;
    return { ...base, pass: false, score: 0, reason, errored: true, ...(isGraderError(error) && error.judge ? { judge: error.judge } : {}) };
  }
  const judge = result.judge ? { judge: result.judge } : {};
  // A fail-closed result stays a fail under `not-` and at weight 0 (an output that addresses the judge cannot pass by being negated or weightless).
  if (result.failClosed) return { ...base, pass: result.pass, score: result.score, reason: result.reason, ...judge };
  const graded = assertion.negate
    ? { pass: !result.pass, score: result.negatedScore ?? 1 - result.score }
    : { pass: result.pass, score: result.score };
  // promptfoo: an assertion of weight 0 only records its score (a metric); it always passes.
  if (base.weight === 0 && !graded.pass) return { ...base, ...graded, pass: true, reason: `weight 0 (recorded, not required): ${result.reason}`, ...judge };
  return { ...base, ...graded, reason: result.reason, ...judge };
}

function checkResult(result: GradeResult): GradeResult {
  if (typeof result?.pass !== 'boolean' || typeof result.score !== 'number' || !(result.score >= 0 && result.score <= 1)) {
    throw new GraderError('grader error: the grader returned no valid {pass, score}');
  }
  const checked: GradeResult = { pass: result.pass, score: result.score, reason: String(result.reason ?? '') };
  if (result.failClosed === true && !result.pass) checked.failClosed = true;
  if (result.judge) checked.judge = result.judge;
  if (result.negatedScore !== undefined) {
    if (!(result.negatedScore >= 0 && result.negatedScore <= 1)) throw new GraderError('grader error: the grader returned no valid {pass, score}');
    checked.negatedScore = result.negatedScore;
  }
  return checked;
}

function weightOf(weight: number | undefined): number {
  return typeof weight === 'number' && Number.isFinite(weight) && weight >= 0 ? weight : 1;
}

function defaultAssertions(context: GraderContext): Assertion[] {
  const { id, outputFormat, outputSchema } = context.prompt;
  const source = { file: `${id}.prompt` };
  if (outputSchema !== undefined && outputSchema !== null) {
    return [{ type: 'schema', negate: false, value: outputSchema, weight: 1, source, spec: 'schema:<prompt output.schema>' }];
  }
  if (outputFormat === 'json') return [{ type: 'is-json', negate: false, weight: 1, source, spec: 'is-json (prompt output.format: json)' }];
  return [];
}

/** Why a case whose every assertion has weight 0 (and no `__threshold`) is `ungraded`. */
export const WEIGHTLESS_REASON = 'ungraded: every assertion has weight 0 (its score is recorded, nothing is required; give one a weight, or set __threshold)';

/** Why a case with nothing to grade it is `ungraded`. */
export const UNGRADED_REASON = 'ungraded: the case has no assertion and the prompt no output.schema or output.format (add __expected or assert)';

/** One output's grade from its assertions' grades (see gradeOutput): weighted score, threshold, errors first. */
export function summariseGrades(grades: AssertionGrade[], threshold: number | undefined): CaseGrade {
  const totalWeight = grades.reduce((sum, grade) => sum + grade.weight, 0);
  const raw =
    totalWeight > 0
      ? grades.reduce((sum, grade) => sum + grade.score * grade.weight, 0) / totalWeight
      : grades.reduce((sum, grade) => sum + grade.score, 0) / grades.length;
  // Rounded so 0.1 + 0.2-style noise does not fail a threshold of 0.3.
  const score = Math.round(raw * 1e9) / 1e9;
  const failing = grades.filter((grade) => !grade.pass).map((grade) => `${grade.spec}: ${grade.reason}`);
  const errored = grades.filter((grade) => grade.errored);
  if (errored.length > 0) {
    // No verdict: the reasons of the graders that errored come first.
    const reason = `no verdict: ${errored.length} grader${errored.length === 1 ? '' : 's'} errored; ${[...errored, ...grades.filter((g) => !g.pass && !g.errored)].map((g) => `${g.spec}: ${g.reason}`).join('; ')}`;
    return { pass: false, score, reason, assertions: grades, errored: true };
  }
  if (threshold !== undefined) {
    const pass = score >= threshold;
    const head = `score ${formatScore(score)} ${score >= threshold ? '≥' : '<'} threshold ${threshold}`;
    return { pass, score, reason: [head, ...failing].join('; '), assertions: grades };
  }
  // Weight-0 assertions only record scores (they always pass): with no other assertion and no
  // threshold nothing is required of the output, and a case that required nothing is not a pass.
  if (grades.every((grade) => grade.weight === 0)) return { pass: false, score, reason: WEIGHTLESS_REASON, assertions: grades, ungraded: true };
  const pass = failing.length === 0;
  const reason = pass ? `${grades.length} assertion${grades.length === 1 ? '' : 's'} passed` : failing.join('; ');
  return { pass, score, reason, assertions: grades };
}

function formatScore(score: number): string {
  return String(Math.round(score * 1000) / 1000);
}
