import type { GateConfig } from '../config/types.js';
import type { GateVerdict, RunTotals, SummaryRow } from '../run-record/types.js';
import { describeErrorCauses } from '../run-record/status.js';

/**
 * The verdict of `run`: fail when a suite × model passes fewer graded cases than `gate.minPassRate`;
 * else no verdict (exit 3) when cases are left without one — a call still erroring after retries,
 * a grader that errored, or a suite × model in which no case was graded (only `ungraded` cases:
 * SPEC §8, a selection with no graded case is never a pass, with or without a floor); else pass.
 * Ungraded cases never count as passes: pass rates are over graded cases.
 */
export function decideRunFloor(rows: SummaryRow[], totals: RunTotals, gate: Required<GateConfig>): GateVerdict {
  const reasons: string[] = [];
  for (const row of rows) {
    if (row.cases > 0 && row.passed + row.failed > 0 && row.passRate < gate.minPassRate) {
      reasons.push(`${row.suite} › ${row.model}: pass rate ${(row.passRate * 100).toFixed(1)}% is below the floor of ${(gate.minPassRate * 100).toFixed(1)}%`);
    }
  }
  if (reasons.length) return { verdict: 'fail', reasons };
  if (totals.errored > 0) {
    const callsOnly = !totals.graderErrorsByType || Object.keys(totals.graderErrorsByType).length === 0;
    const causes = Object.entries(totals.errorsByCode).map(([code, n]) => `${code} ×${n}`).join(', ');
    reasons.push(
      callsOnly
        ? `${totals.errored} case(s) still erroring after retries${causes ? ` (${causes})` : ''}`
        : `${totals.errored} case(s) without a verdict (${describeErrorCauses(totals)})`,
    );
  }
  for (const row of rows) {
    const ungraded = row.ungraded ?? 0;
    if (ungraded > 0 && row.passed + row.failed === 0) {
      reasons.push(`${row.suite} › ${row.model}: no case was graded (${ungraded} ungraded: no assertion and no output.schema), so no verdict (add __expected or assert to the cases, or an output.schema to the prompt)`);
    }
  }
  if (reasons.length) return { verdict: 'error', reasons };
  const ungraded = totals.ungraded ?? 0;
  return { verdict: 'pass', reasons: ungraded > 0 ? [`${ungraded} ungraded case(s) (nothing to grade them with) not counted`] : [] };
}
