import type { Assertion, TestCase } from '../cases/types.js';
import { classifyChange } from '../compare/classify.js';
import { assertionGradeOf, isAcrossModels, summariseGrades } from '../graders/grade.js';
import { GraderError } from '../graders/grader-error.js';
import { selectBest, type Contender } from '../graders/model-graded/select-best.js';
import type { AssertionGrade, JudgeResult } from '../graders/types.js';
import type { Message } from '../prompts/types.js';
import { summariseRepeats } from '../run-record/status.js';
import type { CaseResult, RepeatOutcome, Side, SideResult } from '../run-record/types.js';

/** What grading a case across its models needs of the run. */
export interface AcrossModelsInput {
  testCase: TestCase;
  /** The case's result on each of its suite's models, in plan order. */
  results: CaseResult[];
  /** The sides this run made calls for (a stored side keeps the grades it was stored with). */
  sides: Side[];
  /** The suite's repeat count (for the change classification). */
  repeat: number;
  /** Asks the judge for one side and repeat (undefined when the run was interrupted); absent when no judge is configured. */
  judge?: (side: Side, repeat: number, messages: Message[], signal?: AbortSignal) => Promise<JudgeResult | undefined>;
  judgeSecret: string;
  signal: AbortSignal;
}

/**
 * Grades the assertions that compare the outputs of a case's models (select-best), once every model
 * answered: for each side that made calls and each repeat, the outputs that were graded are compared
 * and each model's grade gets the assertion's grade; then grades, statuses and the change are
 * summarised again. An output alone (the other models failed) cannot be compared: the assertion
 * errors (never a pass). Returns false when the run was interrupted during a judge call: the
 * results are then no verdict (left for --resume).
 */
export async function gradeAcrossModels(input: AcrossModelsInput): Promise<boolean> {
  const assertions = input.testCase.assertions.filter(isAcrossModels);
  if (assertions.length === 0) return true;
  let interrupted = false;
  for (const side of input.sides) {
    const sideResults = input.results.map((result) => sideOf(result, side));
    const repeats = [...new Set(sideResults.flatMap((result) => result?.repeats.map((outcome) => outcome.repeat) ?? []))].sort((a, b) => a - b);
    for (const repeat of repeats) {
      const entries = input.results
        .map((result, i) => ({ model: result.model, outcome: sideResults[i]?.repeats.find((outcome) => outcome.repeat === repeat) }))
        .filter((entry): entry is { model: string; outcome: RepeatOutcome } => entry.outcome?.grade != null && entry.outcome.output !== null);
      const ask = input.judge;
      const judge = ask
        ? async (messages: Message[], signal?: AbortSignal): Promise<JudgeResult> => {
            const judged = await ask(side, repeat, messages, signal);
            if (!judged) interrupted = true;
            return judged ?? { ok: false, error: { code: 'aborted', message: 'run interrupted', retryable: false } };
          }
        : undefined;
      for (const assertion of assertions) {
        const grades = await compare(assertion, entries, { judge, judgeSecret: input.judgeSecret, signal: input.signal });
        entries.forEach((entry, i) => {
          entry.outcome.grade = summariseGrades([...entry.outcome.grade!.assertions, grades[i]], input.testCase.threshold);
        });
      }
    }
  }
  if (interrupted) return false;
  for (const result of input.results) {
    if (input.sides.includes('candidate')) Object.assign(result, summariseRepeats(result.repeats));
    if (input.sides.includes('baseline') && result.baseline) result.baseline = { ...result.baseline, ...summariseRepeats(result.baseline.repeats) };
    if (result.change !== undefined) result.change = classifyChange(result, result.baseline, input.repeat);
  }
  return true;
}

function sideOf(result: CaseResult, side: Side): SideResult | undefined {
  return side === 'candidate' ? result : result.baseline;
}

/** One assertion's grade for each entry: the comparison's, or an error for all of them. */
async function compare(
  assertion: Assertion,
  entries: Array<{ model: string; outcome: RepeatOutcome }>,
  context: Parameters<typeof selectBest>[2],
): Promise<AssertionGrade[]> {
  if (entries.length < 2) {
    const error = `select-best needs the outputs of at least two models to compare; ${entries.length === 1 ? `only ${entries[0].model}` : 'no model'} answered`;
    return entries.map(() => assertionGradeOf(assertion, { error: new GraderError(error) }));
  }
  const contenders: Contender[] = entries.map((entry) => ({ model: entry.model, output: entry.outcome.output! }));
  try {
    const results = await selectBest(String(assertion.value ?? ''), contenders, context);
    return results.map((result) => assertionGradeOf(assertion, { result }));
  } catch (error) {
    return entries.map(() => assertionGradeOf(assertion, { error }));
  }
}
