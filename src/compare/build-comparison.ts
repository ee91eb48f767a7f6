import type { GateConfig } from '../config/types.js';
import type { Comparison, ComparisonRow, ComparisonSideInfo, RunTotals } from '../run-record/types.js';
import { describeErrorCauses } from '../run-record/status.js';
import { decideGate } from './gate.js';

/**
 * The `comparison` block of run.json: both sides, the rows, and the overall gate verdict. With the
 * run's totals, a verdict of `error` (no verdict) also names what errored, by cause.
 */
export function buildComparison(
  rows: ComparisonRow[],
  baseline: ComparisonSideInfo,
  candidate: ComparisonSideInfo,
  gate: Required<GateConfig>,
  totals?: RunTotals,
): Comparison {
  const verdict = decideGate(rows, gate);
  const causes = verdict.verdict === 'error' && totals ? describeErrorCauses(totals) : undefined;
  if (causes) verdict.reasons.push(`causes: ${causes}`);
  return { baseline, candidate, alpha: gate.alpha, rows, gate: verdict };
}
