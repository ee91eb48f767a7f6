import { createRepeatStats } from '../run-record/flakiness.js';
import type { CallRecord, CaseResult, RunTotals, SideResult, SummaryRow } from '../run-record/types.js';
import { quantile } from '../util/stats.js';

interface RowAccumulator {
  row: SummaryRow;
  scoreSum: number;
  /** Over graded cases: sum and sum of squares of their pass rates, and their repeats. */
  rateSum: number;
  rateSquares: number;
  trials: number;
  latencies: number[];
  costKnown: boolean;
  reported: Set<string>;
  /** pass@k / pass^k / flaky per side. */
  candidateRepeats: ReturnType<typeof createRepeatStats>;
  baselineRepeats: ReturnType<typeof createRepeatStats>;
}

/** Per suite × model totals, fed call by call and case by case; memory is a few numbers a call. */
export function createSummary() {
  const rows = new Map<string, RowAccumulator>();
  const reportedByModel = new Map<string, Set<string>>();
  const totals: RunTotals = { cases: 0, passed: 0, failed: 0, errored: 0, ungraded: 0, calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: null, errorsByCode: {} };
  const graderErrors: Record<string, number> = {};

  const rowOf = (suite: string, model: string, prompt: { id: string; version: string; hash: string }) => {
    const key = `${suite}\u0000${model}`;
    let acc = rows.get(key);
    if (!acc) {
      acc = {
        row: {
          suite, model, promptId: prompt.id, promptVersion: prompt.version, promptHash: prompt.hash,
          cases: 0, passed: 0, failed: 0, errored: 0, ungraded: 0, passRate: 0, meanScore: 0, calls: 0, cachedCalls: 0,
          inputTokens: 0, outputTokens: 0, latencyP50: null, latencyP95: null, costUsd: null, modelsReported: [],
        },
        scoreSum: 0,
        rateSum: 0,
        rateSquares: 0,
        trials: 0,
        latencies: [],
        costKnown: false,
        reported: new Set(),
        candidateRepeats: createRepeatStats(),
        baselineRepeats: createRepeatStats(),
      };
      rows.set(key, acc);
    }
    return acc;
  };

  return {
    /** Declare a row up front so empty suites still show. */
    declare(suite: string, model: string, prompt: { id: string; version: string; hash: string }) {
      rowOf(suite, model, prompt);
    },
    addCall(call: CallRecord) {
      totals.calls++;
      if (call.error) totals.errorsByCode[call.error.code] = (totals.errorsByCode[call.error.code] ?? 0) + 1;
      if (call.cached) totals.cachedCalls++;
      if (call.usage) {
        totals.inputTokens += call.usage.inputTokens;
        totals.outputTokens += call.usage.outputTokens;
      }
      if (call.costUsd !== null) totals.costUsd = (totals.costUsd ?? 0) + call.costUsd;
      if (call.modelReported) {
        const set = reportedByModel.get(call.model) ?? new Set<string>();
        set.add(call.modelReported);
        reportedByModel.set(call.model, set);
      }
      // Judge calls and baseline calls count in the totals; rows describe the candidate's eval calls.
      if (call.purpose !== 'eval' || call.side !== 'candidate') return;
      const acc = rowOf(call.suite, call.model, { id: call.promptId, version: call.promptVersion, hash: call.promptHash });
      acc.row.calls++;
      if (call.cached) acc.row.cachedCalls++;
      else if (!call.error) acc.latencies.push(call.latencyMs);
      if (call.usage) {
        acc.row.inputTokens += call.usage.inputTokens;
        acc.row.outputTokens += call.usage.outputTokens;
      }
      if (call.costUsd !== null) {
        acc.row.costUsd = (acc.row.costUsd ?? 0) + call.costUsd;
        acc.costKnown = true;
      }
      if (call.modelReported) acc.reported.add(call.modelReported);
    },
    addCase(result: CaseResult) {
      const acc = rowOf(result.suite, result.model, { id: result.promptId, version: result.promptVersion, hash: result.promptHash });
      acc.row.cases++;
      totals.cases++;
      if (result.status === 'pass') {
        acc.row.passed++;
        totals.passed++;
      } else if (result.status === 'fail') {
        acc.row.failed++;
        totals.failed++;
      } else if (result.status === 'ungraded') {
        acc.row.ungraded = (acc.row.ungraded ?? 0) + 1;
        totals.ungraded = (totals.ungraded ?? 0) + 1;
      } else {
        acc.row.errored++;
        totals.errored++;
      }
      if (result.status === 'pass' || result.status === 'fail') {
        acc.scoreSum += result.meanScore;
        acc.rateSum += result.passRate;
        acc.rateSquares += result.passRate * result.passRate;
        acc.trials += Math.max(1, result.repeats.length);
      }
      acc.candidateRepeats.add(result);
      acc.baselineRepeats.add(result.baseline);
      countGraderErrors(result, graderErrors);
      if (result.baseline) countGraderErrors(result.baseline, graderErrors);
    },
    finish(): { rows: SummaryRow[]; totals: RunTotals; modelsReported: Map<string, Set<string>> } {
      const out: SummaryRow[] = [];
      for (const acc of rows.values()) {
        const graded = acc.row.passed + acc.row.failed;
        acc.row.passRate = graded ? acc.row.passed / graded : 0;
        acc.row.meanScore = graded ? acc.scoreSum / graded : 0;
        if (graded > 0) {
          const rate = acc.rateSum / graded;
          const sd = graded > 1 ? Math.sqrt(Math.max(0, (acc.rateSquares - graded * rate * rate) / (graded - 1))) : 0;
          acc.row.casePassRates = { mean: rate, sd, trials: acc.trials };
        }
        acc.row.latencyP50 = quantile(acc.latencies, 0.5);
        acc.row.latencyP95 = quantile(acc.latencies, 0.95);
        acc.row.modelsReported = [...acc.reported].sort();
        const candidate = acc.candidateRepeats.finish();
        const baseline = acc.baselineRepeats.finish();
        if (candidate) acc.row.repeatStats = candidate;
        if (baseline) acc.row.baselineRepeatStats = baseline;
        out.push(acc.row);
      }
      const byType = Object.keys(graderErrors).length ? { graderErrorsByType: { ...graderErrors } } : {};
      return { rows: out, totals: { ...totals, ...byType }, modelsReported: reportedByModel };
    },
  };
}

/** Adds the graders of one side that errored (no verdict), by grader type, once per repeat. */
function countGraderErrors(side: SideResult, counts: Record<string, number>): void {
  for (const repeat of side.repeats) {
    for (const assertion of repeat.grade?.assertions ?? []) {
      if (assertion.errored) counts[assertion.type] = (counts[assertion.type] ?? 0) + 1;
    }
  }
}
