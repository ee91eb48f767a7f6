import type { CaseResult, RepeatOutcome, SideResult } from '../run-record/types.js';

/** What the gate keeps of a case: statuses, rates, scores and repeat counts; nothing per repeat. */
export function slimCase(result: CaseResult): CaseResult {
  const side = (from: SideResult): SideResult => ({
    promptId: from.promptId,
    promptVersion: from.promptVersion,
    promptHash: from.promptHash,
    status: from.status,
    passRate: from.passRate,
    meanScore: from.meanScore,
    repeats: repeatsOfLength(from.repeats.length),
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
const repeatArrays: RepeatOutcome[][] = [];

/** A shared, never-mutated array of `n` placeholders: the gate reads only how many repeats a side had. */
export function repeatsOfLength(n: number): RepeatOutcome[] {
  repeatArrays[n] ??= Array.from({ length: n }, () => PLACEHOLDER);
  return repeatArrays[n];
}
