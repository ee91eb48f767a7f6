import type { Grader } from './types.js';
import { GraderError } from './grader-error.js';
import { buildJudgeMessages, parseJudgeReply } from './judge-prompt.js';
import { requireText } from './values.js';

/**
 * `rubric` (`llm-rubric`, `grade`): the configured judge model grades the output against the
 * criteria (see buildJudgeMessages for the injection defences). `rubric(0.8):…` passes when the
 * judge's score is ≥ 0.8; without a threshold the judge's `pass` decides. No judge, a judge error,
 * or an unusable reply throws GraderError: a failure, also when negated.
 */
export const rubric: Grader = async (output, assertion, context) => {
  const criteria = requireText(assertion);
  if (!context.judge) throw new GraderError('no judge model configured (set `judge` in the config)');
  const { messages, token } = buildJudgeMessages(criteria, output, context.judgeSecret);
  const result = await context.judge(messages, context.signal);
  if (!result.ok) throw new GraderError(`judge error: ${result.error.message}`);
  const verdict = parseJudgeReply(result.output, token);
  if (!verdict.ok) throw new GraderError(verdict.error);
  if (assertion.threshold === undefined) return { pass: verdict.pass, score: verdict.score, reason: verdict.reason };
  const pass = verdict.score >= assertion.threshold;
  return { pass, score: verdict.score, reason: `score ${verdict.score} ${pass ? '≥' : '<'} ${assertion.threshold}: ${verdict.reason}` };
};
