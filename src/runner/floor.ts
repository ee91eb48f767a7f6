import type { GateConfig } from '../config/types.js';
import type { GateVerdict, RunTotals, SummaryRow } from '../run-record/types.js';

/**
 * The verdict of `run`: fail when a suite × model passes fewer cases than `gate.minPassRate`;
 * no verdict when calls still errored after retries (exit 3); else pass.
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
    const causes = Object.entries(totals.errorsByCode).map(([code, n]) => `${code} ×${n}`).join(', ');
    return { verdict: 'error', reasons: [`${totals.errored} case(s) still erroring after retries${causes ? ` (${causes})` : ''}`] };
  }
  return { verdict: 'pass', reasons: [] };
}
