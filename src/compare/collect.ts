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
  /** Most repeats behind the pass rates on either side: maxRepeats, or round 1's with adaptive repeats. */
  rateRepeats: number;
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
  /** Cases left out because they give their own output (promptfoo's `__providerOutput`): no prompt version made it. */
  providedCases: number;
  /** Cases with an error on either side; of those, with an errored candidate / baseline side. */
  erroredCases: number;
  erroredCandidate: number;
  erroredBaseline: number;
}

function trials(side: SideResult): number {
  return Math.max(1, side.repeats.length);
}

/**
 * Groups case results by suite × model (first-seen order) into RowData.
 *
 * With `firstRound` (adaptive repeats: every case's round 1, in the order of `cases`, which hold all
 * repeats), which cases count and their labels come from all repeats, the pass rates and scores
 * (the mean test, the margin, the score rule, the floor) from round 1, where every case ran the same
 * repeats, and `counts2x2` holds all repeats split into round 1 and the rest (the per-case test).
 */
export function collectRows(cases: Iterable<CaseResult>, firstRound?: Iterable<CaseResult>): RowData[] {
  const rows = new Map<string, RowData>();
  const firsts = firstRound?.[Symbol.iterator]();
  for (const item of cases) {
    let first: CaseResult | undefined;
    if (firsts) {
      const next = firsts.next();
      if (next.done || next.value.caseId !== item.caseId || next.value.suite !== item.suite || next.value.model !== item.model) {
        throw new Error(`adaptive repeats: round 1 of case ${item.caseId} (${item.suite} \u00d7 ${item.model}) is missing or out of order`);
      }
      first = next.value;
    }
    const key = JSON.stringify([item.suite, item.model]);
    let row = rows.get(key);
    if (!row) {
      row = {
        suite: item.suite,
        model: item.model,
        cases: 0,
        counts: emptyCounts(),
        maxRepeats: 0,
        rateRepeats: 0,
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
        providedCases: 0,
        erroredCases: 0,
        erroredCandidate: 0,
        erroredBaseline: 0,
      };
      rows.set(key, row);
    }
    addCase(row, item, first);
  }
  return [...rows.values()];
}

/** Passes of a side (its pass rate is over its graded repeats). */
function passesOf(side: SideResult): number {
  return Math.round(side.passRate * trials(side));
}

function addCase(row: RowData, whole: CaseResult, first?: CaseResult): void {
  // Which case counts, and its label: all repeats; the rates: round 1 when adaptive.
  const item = first ?? whole;
  const baseline = item.baseline;
  row.cases++;
  const change = classifyChange(whole, whole.baseline);
  row.counts[change]++;
  row.maxRepeats = Math.max(row.maxRepeats, whole.repeats.length, whole.baseline?.repeats.length ?? 0);
  row.rateRepeats = Math.max(row.rateRepeats, item.repeats.length, baseline?.repeats.length ?? 0);
  if (whole.status === 'error') row.erroredCandidate++;
  if (whole.baseline?.status === 'error') row.erroredBaseline++;
  if (whole.status === 'error' || whole.baseline?.status === 'error') {
    row.erroredCases++;
    return;
  }
  // A case that gives its own output grades the same text on both sides: it says nothing about
  // either prompt version, so it is neither compared nor counted for the floor.
  if (whole.repeats.length > 0 && whole.repeats.every((repeat) => repeat.providedOutput)) {
    row.providedCases++;
    return;
  }
  if (whole.status === 'ungraded' || whole.baseline?.status === 'ungraded') row.ungradedCases++;
  if (whole.status === 'ungraded') {
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
  if (!baseline || !whole.baseline || whole.baseline.status === 'ungraded') return;
  row.baselinePass.push(baseline.passRate);
  row.candidatePass.push(item.passRate);
  row.baselineScore.push(baseline.meanScore);
  row.candidateScore.push(item.meanScore);
  // The score rule reads round 1 when adaptive: its labels too.
  const held = first ? classifyChange(item, baseline) : change;
  row.unchanged.push(held === 'unchanged-pass' || held === 'unchanged-fail');
  row.caseIds.push(item.caseId);
  const m = trials(baseline);
  const counts: CaseCounts = { baselinePasses: passesOf(baseline), baselineTrials: m, candidatePasses: passesOf(item), candidateTrials: n };
  if (first && whole.baseline) {
    const all: CaseCounts = { baselinePasses: passesOf(whole.baseline), baselineTrials: trials(whole.baseline), candidatePasses: passesOf(whole), candidateTrials: trials(whole) };
    const rest: CaseCounts = {
      baselinePasses: all.baselinePasses - counts.baselinePasses,
      baselineTrials: all.baselineTrials - counts.baselineTrials,
      candidatePasses: all.candidatePasses - counts.candidatePasses,
      candidateTrials: all.candidateTrials - counts.candidateTrials,
    };
    row.counts2x2.push(rest.baselineTrials > 0 || rest.candidateTrials > 0 ? { ...all, strata: [counts, rest] } : counts);
  } else row.counts2x2.push(counts);
  if (Math.abs(item.meanScore - item.passRate) > 1e-12 || Math.abs(baseline.meanScore - baseline.passRate) > 1e-12) {
    row.scoresArePassRates = false;
  }
}
