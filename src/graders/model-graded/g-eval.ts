import type { GradeResult, Grader, GraderContext, JudgeRecord } from '../types.js';
import { GraderError } from '../grader-error.js';
import { valueText } from '../values.js';
import { promptText, stringList } from './inputs.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

/** promptfoo's g-eval threshold when none is given. */
export const G_EVAL_DEFAULT_THRESHOLD = 0.7;
const MAX_SCORE = 10;

/** g-eval's criteria: one text, or a list (each graded, scores averaged). */
export function gEvalCriteria(value: unknown): string[] {
  if (Array.isArray(value)) {
    const texts = value.map((item) => (typeof item === 'string' ? item.trim() : ''));
    if (texts.length === 0 || texts.some((text) => text === '')) throw new GraderError('g-eval needs criteria: a text, or a list of non-empty texts');
    return texts;
  }
  const text = valueText(value)?.trim();
  if (!text) throw new GraderError('g-eval needs criteria (g-eval:<criteria>)');
  return [text];
}

/**
 * `g-eval:<criteria>` (promptfoo's matchesGEval, after the G-Eval paper): the judge first writes
 * 3–4 evaluation steps for the criteria, then rates the output (as a reply to the prompt) 0–10
 * following them. Score = rating / 10; passes when ≥ the threshold (default 0.7). A list of
 * criteria is graded one by one and the scores averaged.
 */
export const gEval: Grader = async (output, assertion, context) => {
  const criteria = gEvalCriteria(assertion.value);
  const threshold = assertion.threshold ?? G_EVAL_DEFAULT_THRESHOLD;
  const input = promptText(context, assertion.type);
  if (input.trim() === '') throw new GraderError('g-eval needs the prompt the output answers, and it is empty');
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const ratings: Array<{ score: number; reason: string; judge?: JudgeRecord }> = [];
  for (const criterion of criteria) ratings.push(await rate(criterion, input, output, context));
  const score = ratings.reduce((sum, rating) => sum + rating.score, 0) / ratings.length;
  const pass = score >= threshold;
  const head = `score ${round(score)} ${pass ? '≥' : '<'} ${threshold}`;
  const result: GradeResult = { pass, score, reason: `${head}: ${ratings.map((rating) => rating.reason).join(' | ')}`, ...judged(ratings.at(-1)?.judge) };
  return result;
};

async function rate(criteria: string, input: string, output: string, context: GraderContext): Promise<{ score: number; reason: string; judge?: JudgeRecord }> {
  const planned = await askJudge(context, {
    purpose: 'g-eval-steps',
    instructions: [
      'Given evaluation criteria for judging a piece of text, write 3 or 4 concise evaluation steps, applicable to any text, that check whether the text meets the criteria.',
      '',
      'Evaluation criteria:',
      criteria,
    ],
    parts: [],
    replyFields: '"steps": ["<evaluation step 1>", "<evaluation step 2>", "<evaluation step 3>"]',
    replyRules: ['steps: 3 or 4 strings, one evaluation step each.'],
  });
  const steps = stringList(planned.reply.steps);
  if (!steps || steps.length === 0 || steps.length !== (planned.reply.steps as unknown[]).length) {
    throw unusableReply(`has no "steps" list of evaluation steps (got ${JSON.stringify(planned.reply.steps) ?? 'nothing'})`, planned.judge);
  }
  const { reply, judge } = await askJudge(context, {
    purpose: 'g-eval',
    instructions: [
      'You rate one reply to a prompt on one metric.',
      '',
      'Evaluation criteria:',
      criteria,
      '',
      'Evaluation steps:',
      ...steps.map((step) => `- ${step}`),
    ],
    parts: [
      { name: 'prompt', label: 'the prompt', text: input },
      { name: 'output', label: 'the reply to rate', text: output },
    ],
    replyFields: `"score": an integer from 0 to ${MAX_SCORE}, "reason": "why"`,
    replyRules: [
      `score: ${MAX_SCORE} when the reply fully and clearly shows what the evaluation criteria describe, following the evaluation steps; 0 when it does not at all.`,
      'reason: a concise reason for the score naming specifics of the prompt and the reply; do not quote the score.',
    ],
  });
  const raw = typeof reply.score === 'number' ? reply.score : typeof reply.score === 'string' && reply.score.trim() !== '' ? Number(reply.score) : Number.NaN;
  if (!Number.isFinite(raw)) throw unusableReply(`has no numeric "score" (got ${JSON.stringify(reply.score) ?? 'nothing'})`, judge);
  if (raw < 0 || raw > MAX_SCORE) throw unusableReply(`has a score ${raw} outside 0..${MAX_SCORE}`, judge);
  if (typeof reply.reason !== 'string' || reply.reason.trim() === '') throw unusableReply('has no "reason"', judge);
  return { score: raw / MAX_SCORE, reason: reply.reason.trim(), judge };
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
