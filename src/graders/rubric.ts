import type { Grader } from './types.js';
import { checkUnitThreshold, type GraderDefinition } from './definition.js';
import { GraderError } from './grader-error.js';
import { buildJudgeMessages, parseJudgeReply } from './judge-prompt.js';
import { judgeRefused, refuseInjectedOutput } from './model-graded/judge-task.js';
import { requireText } from './values.js';


/**
 * `rubric` (`llm-rubric`, `grade`): the configured judge model grades the output against the
 * criteria. The judge's `pass` decides; with a threshold (`rubric(0.8):…`) the judge must also have
 * scored ≥ it (promptfoo's rule: pass = judge pass AND score ≥ threshold). The grade records the
 * judge (model name, reported version, params).
 *
 * Defences against an output that steers the judge:
 * - an output that addresses the grader (see judge-injection.ts) fails closed before any judge call:
 *   reason `suspected grader injection: …`, a fail also under `not-` (not an error);
 * - the judge conversation keeps the output as quoted data and requires a verdict token written
 *   only in its instructions (see buildJudgeMessages), so a copied verdict is rejected.
 * No judge, a judge error, or an unusable reply throws GraderError: no verdict, also when negated.
 */
export const rubric: Grader = async (output, assertion, context) => {
  const criteria = requireText(assertion);
  if (!context.judge) throw new GraderError('no judge model configured (set `judge` in the config)');
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const { messages, token } = buildJudgeMessages(criteria, output, context.judgeSecret);
  const result = await context.judge(messages, context.signal);
  const judge = result.judge;
  if (!result.ok) throw new GraderError(`judge error: ${result.error.message}`, { judge });
  if (result.refusal !== undefined) throw judgeRefused(result.refusal, judge);
  const verdict = parseJudgeReply(result.output, token);
  if (!verdict.ok) throw new GraderError(verdict.error, { judge });
  const recorded = judge ? { judge } : {};
  if (assertion.threshold === undefined) return { pass: verdict.pass, score: verdict.score, reason: verdict.reason, ...recorded };
  const reached = verdict.score >= assertion.threshold;
  const head = `judge ${verdict.pass ? 'pass' : 'fail'}, score ${verdict.score} ${reached ? '≥' : '<'} ${assertion.threshold}`;
  return { pass: verdict.pass && reached, score: verdict.score, reason: `${head}: ${verdict.reason}`, ...recorded };
};

export const rubricDefinitions: readonly GraderDefinition[] = [
  {
    type: 'rubric',
    aliases: ['llm-rubric', 'grade'],
    value: 'required',
    grade: rubric,
    check: (assertion, context) => {
      requireText(assertion);
      if (!context.hasJudge) return { why: 'no judge model configured', hint: 'set `judge` in the config to a model name' };
      return checkUnitThreshold(assertion.threshold);
    },
  },
];
