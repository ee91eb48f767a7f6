import type { ResolvedConfig } from '../config/types.js';
import { costOf } from '../providers/prices.js';
import type { CaseResult, Comparison, ComparisonCost, RepeatOutcome, SideResult } from '../run-record/types.js';

/** What one answer cost (USD), or null when it is not known. */
export type AnswerPricer = (model: string, repeat: RepeatOutcome) => number | null;

/**
 * What an answer costs to make, whether or not this run paid for it: a call's recorded cost, a
 * cached answer priced by the tokens it used (the model entry's price, else the price table's),
 * nothing for a replayed or given answer (`__providerOutput`) or a call that errored (no answer).
 */
export function createAnswerPricer(config: ResolvedConfig): AnswerPricer {
  return (model, repeat) => {
    if (repeat.providedOutput || repeat.error) return 0;
    if (!repeat.cached) return repeat.costUsd;
    const entry = config.models[model];
    if (!entry) return null;
    if (entry.provider === 'replay') return 0;
    const cost = repeat.usage ? costOf(repeat.modelReported ?? entry.model, repeat.usage, entry.price) : null;
    return cost !== null && Number.isFinite(cost) ? cost : null;
  };
}

interface SideSum {
  usd: number;
  known: boolean;
  seen: boolean;
}

/** Per suite × model, the cost of each side's answers, case by case (a few numbers a row). */
export function createCostTally(price: AnswerPricer) {
  const rows = new Map<string, { candidate: SideSum; baseline: SideSum }>();
  const add = (sum: SideSum, model: string, side: SideResult) => {
    sum.seen = true;
    for (const repeat of side.repeats) {
      const usd = price(model, repeat);
      if (usd === null) sum.known = false;
      else sum.usd += usd;
    }
  };
  return {
    add(result: CaseResult) {
      const key = `${result.suite}\u0000${result.model}`;
      let row = rows.get(key);
      if (!row) {
        row = { candidate: { usd: 0, known: true, seen: false }, baseline: { usd: 0, known: true, seen: false } };
        rows.set(key, row);
      }
      add(row.candidate, result.model, result);
      if (result.baseline) add(row.baseline, result.model, result.baseline);
    },
    /** Each row's ComparisonCost, by `suite\0model`. */
    finish(): Map<string, ComparisonCost> {
      const out = new Map<string, ComparisonCost>();
      for (const [key, row] of rows) out.set(key, costOfSides(value(row.baseline), value(row.candidate)));
      return out;
    },
  };
}

function value(sum: SideSum): number | null {
  return sum.seen && sum.known ? sum.usd : null;
}

function costOfSides(baselineUsd: number | null, candidateUsd: number | null): ComparisonCost {
  return { baselineUsd, candidateUsd, deltaUsd: baselineUsd === null || candidateUsd === null ? null : candidateUsd - baselineUsd };
}

/** Puts each row's cost on the comparison's rows, and their sum on the comparison (null when a row's is not known). */
export function attachCosts(comparison: Comparison, costs: Map<string, ComparisonCost>): void {
  let baseline: number | null = 0;
  let candidate: number | null = 0;
  for (const row of comparison.rows) {
    const cost = costs.get(`${row.suite}\u0000${row.model}`) ?? costOfSides(null, null);
    row.cost = cost;
    baseline = baseline === null || cost.baselineUsd === null ? null : baseline + cost.baselineUsd;
    candidate = candidate === null || cost.candidateUsd === null ? null : candidate + cost.candidateUsd;
  }
  comparison.cost = costOfSides(baseline, candidate);
}
