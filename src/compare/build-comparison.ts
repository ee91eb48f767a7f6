import type { GateConfig } from '../config/types.js';
import type { Comparison, ComparisonRow, ComparisonSideInfo } from '../run-record/types.js';
import { decideGate } from './gate.js';

/** The `comparison` block of run.json: both sides, the rows, and the overall gate verdict. */
export function buildComparison(
  rows: ComparisonRow[],
  baseline: ComparisonSideInfo,
  candidate: ComparisonSideInfo,
  gate: Required<GateConfig>,
): Comparison {
  return { baseline, candidate, alpha: gate.alpha, rows, gate: decideGate(rows, gate) };
}
