import type { CheckContext, CheckProblem, GraderDefinition } from '../definition.js';
import { checkUnitThreshold } from '../definition.js';
import { GraderError } from '../grader-error.js';
import { answerRelevance } from './answer-relevance.js';
import { closedQa } from './closed-qa.js';
import { contextFaithfulness, contextRecall, contextRelevance } from './context.js';
import { factuality } from './factuality.js';
import { gEval, gEvalCriteria } from './g-eval.js';
import { contextProblem, queryProblem } from './inputs.js';
import { selectBestDefinition } from './select-best.js';

function judgeProblem(context: CheckContext): CheckProblem | undefined {
  return context.hasJudge ? undefined : { why: 'no judge model configured', hint: 'set `judge` in the config to a model name' };
}

/** The judge, and a threshold that is a score 0..1. */
function judgeAndThreshold(assertion: { threshold?: number }, context: CheckContext): CheckProblem | undefined {
  return judgeProblem(context) ?? checkUnitThreshold(assertion.threshold);
}

/** promptfoo's model-graded types (besides `llm-rubric`, rubric.ts), all on the configured judge. */
export const modelGradedDefinitions: readonly GraderDefinition[] = [
  {
    type: 'model-graded-closedqa',
    value: 'required',
    grade: closedQa,
    check: (_assertion, context) => judgeProblem(context),
  },
  {
    type: 'factuality',
    aliases: ['model-graded-factuality'],
    value: 'required',
    grade: factuality,
    check: (_assertion, context) => judgeProblem(context),
  },
  {
    type: 'g-eval',
    value: 'required',
    grade: gEval,
    parse: ({ value, threshold, fail }) => {
      try {
        gEvalCriteria(value);
      } catch (error) {
        throw fail(error instanceof GraderError ? error.message : String(error));
      }
      return { value, threshold };
    },
    check: judgeAndThreshold,
  },
  {
    type: 'answer-relevance',
    value: 'none',
    grade: answerRelevance,
    check: (assertion, context) =>
      judgeAndThreshold(assertion, context) ??
      (context.hasEmbedding === false ? { why: 'answer-relevance needs an embedding model, and none is configured', hint: 'configure an embedding model (see the README)' } : undefined),
  },
  {
    type: 'context-faithfulness',
    value: 'none',
    grade: contextFaithfulness,
    check: judgeAndThreshold,
    checkCase: (assertion, testCase) => queryProblem(testCase.vars, assertion.type) ?? contextProblem(testCase.vars, assertion.type, false),
  },
  {
    type: 'context-recall',
    value: 'required',
    grade: contextRecall,
    check: judgeAndThreshold,
    checkCase: (assertion, testCase) => contextProblem(testCase.vars, assertion.type, true),
  },
  {
    type: 'context-relevance',
    value: 'none',
    grade: contextRelevance,
    check: judgeAndThreshold,
    checkCase: (assertion, testCase) => queryProblem(testCase.vars, assertion.type) ?? contextProblem(testCase.vars, assertion.type, false),
  },
  selectBestDefinition,
];
