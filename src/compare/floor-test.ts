import { clopperPearsonUpper } from './stats.js';

/** What the floor test needs of a suite × model: per-case pass rates (the case is the unit). */
export interface FloorData {
  /** Graded cases. */
  cases: number;
  /** Sum and sum of squares of the cases' own pass rates (passes / repeats). */
  rateSum: number;
  rateSquares: number;
  /** Graded repeats over all cases. */
  trials: number;
}

export interface FloorResult {
  /** Mean over cases of their pass rates. */
  rate: number;
  /** One-sided (1 − alpha) upper confidence bound of the rate. */
  upper: number;
  /** The effective number of independent trials the bound used (between cases and trials). */
  effective: number;
  /** `below`: significantly below the floor (fails); `short`: below it but not significantly; `meets`. */
  outcome: 'below' | 'short' | 'meets';
}

/**
 * The floor under clustering: is the population pass rate below `floor`? Repeats of one case are
 * not independent draws (a case that fails tends to fail again), so the case is the unit: the
 * variance of the mean of the cases' pass rates is estimated from their spread and turned into an
 * effective sample size n_eff = r(1 − r)/Var(mean) (Kish's design effect), kept between the number
 * of cases (every case all-or-nothing, the most clustered a rate in [0, 1] can be) and the number
 * of trials (no clustering); the bound is Clopper–Pearson at n_eff. At repeat 1 it is exactly
 * Clopper–Pearson over the cases. When every case has the same rate at 0 or 1, n_eff is the cases.
 */
export function floorTest(data: FloorData, floor: number, alpha: number): FloorResult {
  const n = data.cases;
  const rate = n > 0 ? data.rateSum / n : 0;
  let effective = n;
  if (n >= 2 && data.trials > n) {
    const variance = Math.max(0, (data.rateSquares - n * rate * rate) / (n - 1));
    const spread = rate * (1 - rate);
    effective = variance > 0 ? spread / (variance / n) : spread > 0 ? data.trials : n;
    effective = Math.min(data.trials, Math.max(n, effective));
  }
  const upper = clopperPearsonUpper(rate * effective, effective, alpha);
  const outcome = upper < floor ? 'below' : rate < floor ? 'short' : 'meets';
  return { rate, upper, effective, outcome };
}
