import type { ResolvedGate } from '../config/types.js';
import type { Comparison, ComparisonRow, ComparisonSideInfo, RunTotals } from '../run-record/types.js';
import { describeErrorCauses } from '../run-record/status.js';
import { decideGate, FAMILY_TEST, familyPValue } from './gate.js';

/**
 * The `comparison` block of run.json: both sides, the rows, the family-wise test and the overall
 * gate verdict. With the run's totals, a verdict of `error` (no verdict) also names what errored, by cause.
 */
export function buildComparison(
  rows: ComparisonRow[],
  baseline: ComparisonSideInfo,
  candidate: ComparisonSideInfo,
  gate: ResolvedGate,
  totals?: RunTotals,
): Comparison {
  const verdict = decideGate(rows, gate);
  const causes = verdict.verdict === 'error' && totals ? describeErrorCauses(totals) : undefined;
  if (causes) verdict.reasons.push(`causes: ${causes}`);
  const alphaCase = rows.find((r) => r.perCase)?.perCase?.alpha ?? 0;
  const tested = rows.filter((r) => r.pValueFamily !== undefined && r.pValueFamily !== null).length;
  return {
    baseline,
    candidate,
    alpha: gate.alpha,
    margin: gate.margin,
    rows,
    gate: verdict,
    familyWise: { test: FAMILY_TEST, rows: tested, pValue: familyPValue(rows), alphaMean: Number((gate.alpha - alphaCase).toPrecision(4)), alphaCase },
  };
}
