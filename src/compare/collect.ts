import type { CaseResult, ChangeStatus, SideResult } from '../run-record/types.js';
import { classifyChange } from './classify.js';
import type { CaseCounts } from './per-case.js';

/** Zero for every change status, in report order. */
export function emptyCounts(): Record<ChangeStatus, number> {
  return { regressed: 0, improved: 0, 'unchanged-pass': 0, 'unchanged-fail': 0, errored: 0, ungraded: 0, new: 0 };
}

/**
 * The numbers one suite × model row needs, and nothing else (no outputs): memory stays a few
 * numbers per case however large the run.
 */
export interface RowData {
  suite: string;
  model: string;
  cases: number;
  counts: Record<ChangeStatus, number>;
  /** Most repeats seen on either side (decides exact vs noisy). */
  maxRepeats: number;
  /** Per paired case (both sides present, neither errored): pass rate and mean score. */
  baselinePass: number[];
  candidatePass: number[];
  baselineScore: number[];
  candidateScore: number[];
  /** Per paired case: its pass/fail label held (unchanged-pass or unchanged-fail). */
  unchanged: boolean[];
  /** Per paired case: its id, and its passes and trials (repeats) on each side. */
  caseIds: string[];
  counts2x2: CaseCounts[];
  /** Every paired side's mean score equals its pass rate (scores are only pass/fail). */
  scoresArePassRates: boolean;
  /** Candidate passes and trials over every graded, non-errored candidate case (paired, new, or with an ungraded baseline): the floor. */
  floorPasses: number;
  floorTrials: number;
  floorCases: number;
  /** Of floorCases, those whose candidate status is pass (majority of repeats). */
  floorCasesPassed: number;
  /** Sum and sum of squares of the floor cases' own pass rates (the case is the unit of the floor's test). */
  floorRateSum: number;
  floorRateSquares: number;
  /** Cases (without an error) left out because a side had nothing to grade it; of those, with an ungraded candidate. */
  ungradedCases: number;
  ungradedCandidate: number;
  /** Cases with an error on either side; of those, with an errored candidate / baseline side. */
  erroredCases: number;
  erroredCandidate: number;
  erroredBaseline: number;
}

function trials(side: SideResult): number {
  return Math.max(1, side.repeats.length);
}

/** Groups case results by suite × model (first-seen order) into RowData. */
export function collectRows(cases: Iterable<CaseResult>): RowData[] {
  const rows = new Map<string, RowData>();
  for (const item of cases) {
    const key = JSON.stringify([item.suite, item.model]);
    let row = rows.get(key);
    if (!row) {
      row = {
        suite: item.suite,
        model: item.model,
        cases: 0,
        counts: emptyCounts(),
        maxRepeats: 0,
        baselinePass: [],
        candidatePass: [],
        baselineScore: [],
        candidateScore: [],
        unchanged: [],
        caseIds: [],
        counts2x2: [],
        scoresArePassRates: true,
        floorPasses: 0,
        floorTrials: 0,
        floorCases: 0,
        floorCasesPassed: 0,
        floorRateSum: 0,
        floorRateSquares: 0,
        ungradedCases: 0,
        ungradedCandidate: 0,
        erroredCases: 0,
        erroredCandidate: 0,
        erroredBaseline: 0,
      };
      rows.set(key, row);
    }
    addCase(row, item);
  }
  return [...rows.values()];
}

function addCase(row: RowData, item: CaseResult): void {
  const baseline = item.baseline;
  row.cases++;
  const change = classifyChange(item, baseline);
  row.counts[change]++;
  row.maxRepeats = Math.max(row.maxRepeats, item.repeats.length, baseline?.repeats.length ?? 0);
  if (item.status === 'error') row.erroredCandidate++;
  if (baseline?.status === 'error') row.erroredBaseline++;
  if (item.status === 'error' || baseline?.status === 'error') {
    row.erroredCases++;
    return;
  }
  if (item.status === 'ungraded' || baseline?.status === 'ungraded') row.ungradedCases++;
  if (item.status === 'ungraded') {
    row.ungradedCandidate++;
    return;
  }

  const n = trials(item);
  row.floorPasses += Math.round(item.passRate * n);
  row.floorTrials += n;
  row.floorCases++;
  row.floorRateSum += item.passRate;
  row.floorRateSquares += item.passRate * item.passRate;
  if (item.status === 'pass') row.floorCasesPassed++;
  // Like a new case: the candidate counts for the floor, but there is nothing to compare it with.
  if (!baseline || baseline.status === 'ungraded') return;
  row.baselinePass.push(baseline.passRate);
  row.candidatePass.push(item.passRate);
  row.baselineScore.push(baseline.meanScore);
  row.candidateScore.push(item.meanScore);
  row.unchanged.push(change === 'unchanged-pass' || change === 'unchanged-fail');
  row.caseIds.push(item.caseId);
  const m = trials(baseline);
  row.counts2x2.push({ baselinePasses: Math.round(baseline.passRate * m), baselineTrials: m, candidatePasses: Math.round(item.passRate * n), candidateTrials: n });
  if (Math.abs(item.meanScore - item.passRate) > 1e-12 || Math.abs(baseline.meanScore - baseline.passRate) > 1e-12) {
    row.scoresArePassRates = false;
  }
}
