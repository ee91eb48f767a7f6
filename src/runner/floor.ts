import type { ResolvedGate } from '../config/types.js';
import type { GateVerdict, RunTotals, SummaryRow } from '../run-record/types.js';
import { floorTest, type FloorData } from '../compare/floor-test.js';
import { describeErrorCauses } from '../run-record/status.js';

/**
 * The verdict of `run`: fail when a suite × model's pass rate is significantly below
 * `gate.minPassRate` (the case as the unit, so repeats of one case are not counted as independent
 * evidence: floor-test.ts); else no verdict (exit 3) when cases are left without one — a call
 * still erroring after retries, a grader that errored, or a suite × model in which no case was
 * graded (only `ungraded` cases: SPEC §8, a selection with no graded case is never a pass, with or
 * without a floor); else inconclusive (exit 4) when a pass rate is below the floor but not
 * significantly; else pass. Ungraded cases never count as passes: pass rates are over graded cases.
 */
export function decideRunFloor(rows: SummaryRow[], totals: RunTotals, gate: ResolvedGate): GateVerdict {
  const verdict = decide(rows, totals, gate);
  // Recorded so a reader can tell a floor's pass from a run without one (publish's gate receipt).
  return gate.minPassRate > 0 ? { ...verdict, floor: gate.minPassRate } : verdict;
}

function decide(rows: SummaryRow[], totals: RunTotals, gate: ResolvedGate): GateVerdict {
  const reasons: string[] = [];
  const short: string[] = [];
  for (const row of rows) {
    const graded = row.passed + row.failed;
    if (row.cases === 0 || graded === 0 || gate.minPassRate <= 0) continue;
    const result = floorTest(floorDataOf(row), gate.minPassRate, gate.alpha);
    const head = `${row.suite} › ${row.model}: pass rate ${(result.rate * 100).toFixed(1)}% over ${graded} case(s)`;
    const bound = `${Number(((1 - gate.alpha) * 100).toFixed(2))}% upper bound ${(result.upper * 100).toFixed(1)}%`;
    const floor = `the floor of ${(gate.minPassRate * 100).toFixed(1)}%`;
    if (result.outcome === 'below') reasons.push(`${head} is significantly below ${floor} (${bound})`);
    else if (result.outcome === 'short') short.push(`${head} is below ${floor}, but not significantly (${bound}): more cases would decide it`);
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
  if (short.length) return { verdict: 'inconclusive', reasons: short };
  const ungraded = totals.ungraded ?? 0;
  return { verdict: 'pass', reasons: ungraded > 0 ? [`${ungraded} ungraded case(s) (nothing to grade them with) not counted`] : [] };
}

/** Per-case pass rates of a summary row; rows written without them count each case's status (pass or fail) as its rate. */
function floorDataOf(row: SummaryRow): FloorData {
  const graded = row.passed + row.failed;
  const rates = row.casePassRates;
  if (!rates) return { cases: graded, rateSum: row.passed, rateSquares: row.passed, trials: graded };
  const sum = rates.mean * graded;
  const squares = graded > 1 ? rates.sd * rates.sd * (graded - 1) + (sum * sum) / graded : sum * sum;
  return { cases: graded, rateSum: sum, rateSquares: squares, trials: rates.trials };
}
