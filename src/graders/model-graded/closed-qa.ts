import type { Grader } from '../types.js';
import { requireText } from '../values.js';
import { promptText } from './inputs.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

/**
 * `model-graded-closedqa:<criterion>` (promptfoo's matchesClosedQa, after OpenAI's closed-QA eval):
 * the judge reasons about whether the output, as an answer to the prompt, meets the criterion and
 * ends with Y or N. Y passes (score 1), N fails (score 0); any other answer is no verdict. A
 * threshold changes nothing (promptfoo ignores it too).
 */
export const closedQa: Grader = async (output, assertion, context) => {
  const criterion = requireText(assertion);
  const task = promptText(context, assertion.type);
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const { reply, judge } = await askJudge(context, {
    purpose: 'model-graded-closedqa',
    instructions: [
      'You assess a submitted answer to a task against a criterion.',
      'First reason step by step about the criterion, to be sure your conclusion is right; do not state the conclusion at the outset. Then answer Y if the submission meets the criterion, N if it does not.',
      '',
      'Criterion:',
      criterion,
    ],
    parts: [
      { name: 'task', label: 'the task (the prompt the submission answers)', text: task },
      { name: 'output', label: 'the submission', text: output },
    ],
    replyFields: '"reasoning": "your step-by-step reasoning", "answer": "Y" or "N"',
    replyRules: ['answer: the single character Y (the submission meets the criterion) or N (it does not).'],
  });
  const answer = typeof reply.answer === 'string' ? reply.answer.trimEnd() : undefined;
  // promptfoo: the reply ends with Y → pass; ends with N → fail.
  if (answer === undefined || !(answer.endsWith('Y') || answer.endsWith('N'))) {
    throw unusableReply(`has no "answer" Y or N (got ${JSON.stringify(reply.answer) ?? 'nothing'})`, judge);
  }
  const pass = answer.endsWith('Y');
  const reasoning = typeof reply.reasoning === 'string' && reply.reasoning.trim() !== '' ? reply.reasoning.trim() : 'no reasoning given';
  const reason = `${pass ? 'The submission meets the criterion' : 'The submission does not meet the criterion'}: ${reasoning}`;
  return { pass, score: pass ? 1 : 0, reason, ...judged(judge) };
};
