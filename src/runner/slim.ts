import type { CaseResult, RepeatOutcome, SideResult } from '../run-record/types.js';

/** What the gate keeps of a case: statuses, rates, scores, repeat counts and whether the case gave its own output; nothing else per repeat. */
export function slimCase(result: CaseResult): CaseResult {
  const side = (from: SideResult): SideResult => ({
    promptId: from.promptId,
    promptVersion: from.promptVersion,
    promptHash: from.promptHash,
    status: from.status,
    passRate: from.passRate,
    meanScore: from.meanScore,
    repeats: repeatsOfLength(from.repeats.length, from.repeats.length > 0 && from.repeats.every((repeat) => repeat.providedOutput === true)),
  });
  return {
    ...side(result),
    suite: result.suite,
    model: result.model,
    caseId: result.caseId,
    tags: NO_TAGS,
    source: result.source,
    vars: NO_VARS,
    ...(result.baseline ? { baseline: side(result.baseline) } : {}),
    ...(result.change ? { change: result.change } : {}),
  };
}

const NO_TAGS: string[] = [];
const NO_VARS: Record<string, unknown> = {};
const PLACEHOLDER: RepeatOutcome = {
  repeat: 0, output: null, error: null, grade: null, modelReported: null, latencyMs: 0, usage: null, costUsd: null, cached: false, attempts: 0,
};
/** A repeat of a case that gave its own output (`__providerOutput`): the comparison leaves such cases out. */
const PROVIDED: RepeatOutcome = { ...PLACEHOLDER, providedOutput: true };
const repeatArrays: RepeatOutcome[][] = [];
const providedArrays: RepeatOutcome[][] = [];

/** A shared, never-mutated array of `n` placeholders: the gate reads only how many repeats a side had (and whether they were given). */
export function repeatsOfLength(n: number, provided = false): RepeatOutcome[] {
  const arrays = provided ? providedArrays : repeatArrays;
  arrays[n] ??= Array.from({ length: n }, () => (provided ? PROVIDED : PLACEHOLDER));
  return arrays[n];
}
