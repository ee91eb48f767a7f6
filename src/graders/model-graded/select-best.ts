import type { GradeResult, GraderContext } from '../types.js';
import type { GraderDefinition } from '../definition.js';
import { GraderError } from '../grader-error.js';
import { requireText } from '../values.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

/** One output to compare: the model that gave it, and its text. */
export interface Contender {
  model: string;
  output: string;
}

/** What comparing outputs needs of a grader context. */
export type SelectBestContext = Pick<GraderContext, 'judge' | 'judgeSecret' | 'signal'>;

/**
 * `select-best:<criteria>` (promptfoo's matchesSelectBest): the judge picks, among the outputs the
 * suite's models gave for the same case (and repeat, and side), the one that best fits the criteria.
 * The chosen output passes (score 1), the others fail (score 0). An output that addresses the grader
 * fails closed and is left out of the comparison (one left: it is chosen without asking the judge).
 * No judge, a judge error or an unusable reply throws GraderError (no verdict for any of them).
 */
export async function selectBest(criteria: string, contenders: Contender[], context: SelectBestContext): Promise<GradeResult[]> {
  const results: Array<GradeResult | undefined> = contenders.map((contender) => refuseInjectedOutput(contender.output));
  const open = contenders.map((_, i) => i).filter((i) => results[i] === undefined);
  const notChosen = (winner: number, why: string): GradeResult => ({ pass: false, score: 0, reason: `not selected (${contenders[winner].model}'s output was ${why}): ${criteria}` });
  if (open.length === 1) {
    const [winner] = open;
    results[winner] = { pass: true, score: 1, reason: `selected: the only output not refused for addressing the grader: ${criteria}` };
  } else if (open.length > 1) {
    const { reply, judge } = await askJudge(context, {
      purpose: 'select-best',
      instructions: [
        'You compare several texts to see which one best fits the criteria below.',
        '',
        'Criteria:',
        criteria,
      ],
      parts: open.map((index, position) => ({ name: `output-${position}`, label: `text ${position}`, text: contenders[index].output })),
      replyFields: '"best": the number of the text that best fits the criteria, "reason": "why"',
      replyRules: [`best: one integer from 0 to ${open.length - 1} (the N of <output-N-…>).`],
    });
    const best = typeof reply.best === 'number' ? reply.best : typeof reply.best === 'string' && /^\s*\d+\s*$/.test(reply.best) ? Number(reply.best) : Number.NaN;
    if (!Number.isInteger(best) || best < 0 || best >= open.length) {
      throw unusableReply(`has no "best" text number from 0 to ${open.length - 1} (got ${JSON.stringify(reply.best) ?? 'nothing'})`, judge);
    }
    const winner = open[best];
    const why = typeof reply.reason === 'string' && reply.reason.trim() !== '' ? ` (${reply.reason.trim()})` : '';
    for (const index of open) {
      results[index] =
        index === winner
          ? { pass: true, score: 1, reason: `selected as the best of ${open.length} outputs${why}: ${criteria}`, ...judged(judge) }
          : { ...notChosen(winner, 'selected'), ...judged(judge) };
    }
  }
  return results as GradeResult[];
}

/** The select-best grader alone: it compares outputs of several models, so the run grades it (runner/across-models.ts). */
const gradeAlone = async (): Promise<GradeResult> => {
  throw new GraderError('select-best compares the outputs of a case on all its suite\'s models; it cannot grade one output alone');
};

export const selectBestDefinition: GraderDefinition = {
  type: 'select-best',
  value: 'required',
  acrossModels: true,
  grade: gradeAlone,
  check: (assertion, context) => {
    requireText(assertion);
    if (assertion.negate) return { why: 'not-select-best has no meaning: select-best passes the one output the judge picks', hint: 'use select-best' };
    return context.hasJudge ? undefined : { why: 'no judge model configured', hint: 'set `judge` in the config to a model name' };
  },
  checkCase: (_assertion, testCase) => {
    if (testCase.models.length < 2) {
      return {
        why: `select-best compares the outputs of the suite's models for the same case, and this suite runs on ${testCase.models.length === 1 ? `one model (${testCase.models[0]})` : 'no model'}`,
        hint: 'give the suite two or more models (suite `models`, or --model a --model b)',
      };
    }
    if (testCase.adaptive) {
      return { why: 'select-best cannot run with adaptive repeats: their later rounds add repeats model by model, leaving outputs with nothing to compare', hint: 'run without --adaptive' };
    }
    return undefined;
  },
};
