import { CONVENTIONAL, DEFAULT_EXACT_BUDGET, exactNull, MID_P, sampledNull, type FlipNull, type TieWeight } from './sign-flip.js';
import { countBelow } from '../util/stats.js';
import { createRandom, DEFAULT_SEED } from './stats.js';

/** Monte Carlo sign vectors when a distribution is not enumerated, or to calibrate several series. */
export const DEFAULT_RESAMPLES = 10_000;

/** One series of per-case differences in the family (a rule of one suite × model). */
export interface FamilySeries {
  /** Per case, the difference (already shifted by any tolerance). */
  values: Float64Array;
  /** Per case, its flip unit: the same case (suite and case id) under two models is one unit, flipped together. */
  units: Int32Array;
  /** Values are multiples of 1/scale (exact distribution possible); 0 for continuous values. */
  scale: number;
  /** `test`: part of the family-wise test; `describe`: only its own interval is wanted. */
  role: 'test' | 'describe';
}

/**
 * Mid-p for differences of single draws (values −1, 0, +1: McNemar's mid-p, which kept its level
 * in every setting Fagerland et al. tried and in our benches), the conventional p-value for
 * anything finer (pass rates over repeats, scores): there mid-p measured above alpha on skewed
 * suites (6.0% [4.7, 7.6] at repeat 5, bench/gate), and the conventional randomisation p-value
 * never exceeds it.
 */
export function tieWeightOf(series: Pick<FamilySeries, 'scale'>): TieWeight {
  return series.scale === 1 ? MID_P : CONVENTIONAL;
}

export interface FamilyOptions {
  /** @default 10000 */
  resamples?: number;
  /** @default DEFAULT_SEED */
  seed?: number;
  /** @default DEFAULT_EXACT_BUDGET */
  exactBudget?: number;
}

export interface FamilyResult {
  /** Per series: its null distribution (exact or Monte Carlo). */
  nulls: FlipNull[];
  /** Per series: its own one-sided p-value ("centred below 0"; mid-p or conventional by `ties`). */
  pValues: number[];
  /** Per series: the family-wise adjusted p-value, `familyP(pValues[s])` (test series; describe series get their own p). */
  pFamily: number[];
  /**
   * The single-step min-P map: P*(min over the test series of p* < p) + ½·P*(= p) (at least p), from sign
   * vectors drawn per unit and shared by every series holding that unit. The identity for a family
   * of one test series. Non-decreasing in p, so rejecting when familyP(p) < alpha is rejecting
   * when a series' own p is below one critical level.
   */
  familyP(p: number): number;
  /** Sign vectors drawn (0 when every distribution was exact and there was nothing to calibrate). */
  resamples: number;
  /** Per series: how its p-values count ties (tieWeightOf). */
  ties: TieWeight[];
}

/**
 * Every series' sign-flip test, and one family-wise calibration over the test series: the whole
 * family rejects some true H0 at most alpha of the time when nothing changed (Westfall–Young
 * single-step min-P, ties counted as each series counts them, see tieWeightOf): each series keeps
 * its own null distribution, so small and large rows weigh alike). Units are flipped together across series (a case shared by two models), so
 * the calibration keeps the dependence between rows. Deterministic: the sign vectors are seeded.
 */
export function analyseFamily(series: FamilySeries[], unitCount: number, options: FamilyOptions = {}): FamilyResult {
  const ties = series.map(tieWeightOf);
  const exact = series.map((s, k) => exactNull(s.values, s.scale, options.exactBudget ?? DEFAULT_EXACT_BUDGET, ties[k]));
  const tested = series.map((s, i) => (s.role === 'test' ? i : -1)).filter((i) => i >= 0);
  const needSamples = exact.some((e) => !e) || tested.length > 1;
  const resamples = needSamples ? (options.resamples ?? DEFAULT_RESAMPLES) : 0;
  const quanta = series.map((s) => (s.scale > 0 ? 1 / s.scale : 1e-9));
  const sums = series.map(() => new Float64Array(resamples));
  const flipped = series.map(() => new Int32Array(resamples));

  if (resamples > 0) {
    // Units are taken 8 at a time: per series and byte of units, tables hold the flip sum (in
    // integer units of the series' quantum, so equal sums tie exactly) and the flipped count for
    // each of the 256 flip masks; a resample costs one lookup per byte a series touches.
    const tables = series.map((s, k) => byteTables(s, quanta[k]));
    const random = createRandom(options.seed ?? DEFAULT_SEED);
    const bytes = new Uint8Array(Math.ceil(unitCount / 8) + 3);
    for (let b = 0; b < resamples; b++) {
      for (let g = 0; g < bytes.length - 3; g += 4) {
        const word = random.uint32();
        bytes[g] = word & 255;
        bytes[g + 1] = (word >>> 8) & 255;
        bytes[g + 2] = (word >>> 16) & 255;
        bytes[g + 3] = word >>> 24;
      }
      for (let k = 0; k < series.length; k++) {
        const { groups, sumTable, countTable } = tables[k];
        let sum = 0;
        let count = 0;
        for (let j = 0; j < groups.length; j++) {
          const at = j * 256 + bytes[groups[j]];
          sum += sumTable[at];
          count += countTable[at];
        }
        sums[k][b] = sum;
        flipped[k][b] = count;
      }
    }
  }

  const nulls = series.map((_, k) => exact[k] ?? sampledNull(sums[k], flipped[k], quanta[k], ties[k]));
  const pValues = nulls.map((n) => n.lower(0));
  let familyP = (p: number): number => p;
  if (tested.length > 1) {
    // min over the test series of each resample's own p*; the identity's is min of the observed ones.
    const minima = new Float64Array(resamples + 1);
    minima[0] = Math.min(...tested.map((k) => pValues[k]));
    minima.fill(1, 1);
    for (const k of tested) {
      const own = nulls[k].pOfFlipSums(sums[k], quanta[k]);
      for (let b = 0; b < resamples; b++) if (own[b] < minima[b + 1]) minima[b + 1] = own[b];
    }
    minima.sort();
    // Conventional as soon as one tested series is: the calibration is never looser than its rows.
    const familyTie = tested.some((k) => ties[k] === CONVENTIONAL) ? CONVENTIONAL : MID_P;
    // Never below the series' own p-value (the Monte Carlo estimate could dip under an exact one).
    familyP = (p: number): number => {
      const below = countBelow(minima, p);
      let equal = 0;
      while (below + equal < minima.length && minima[below + equal] === p) equal++;
      return Math.max(p, (below + familyTie * equal) / minima.length);
    };
  }
  const pFamily = series.map((s, k) => (s.role === 'test' ? familyP(pValues[k]) : pValues[k]));
  return { nulls, pValues, pFamily, familyP, resamples, ties };
}

/** Per byte of units a series touches: flip sums (in quantum units) and flipped counts for every mask. */
function byteTables(s: FamilySeries, quantum: number): { groups: Int32Array; sumTable: Float64Array; countTable: Int32Array } {
  const byGroup = new Map<number, Array<[bit: number, value: number]>>();
  for (let i = 0; i < s.units.length; i++) {
    const g = s.units[i] >> 3;
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push([s.units[i] & 7, Math.round(s.values[i] / quantum)]);
  }
  const groups = Int32Array.from(byGroup.keys());
  const sumTable = new Float64Array(groups.length * 256);
  const countTable = new Int32Array(groups.length * 256);
  groups.forEach((g, j) => {
    const bitValue = new Float64Array(8);
    const bitUsed = new Int32Array(8);
    for (const [bit, value] of byGroup.get(g)!) {
      bitValue[bit] = value;
      bitUsed[bit] = 1;
    }
    for (let mask = 1; mask < 256; mask++) {
      const low = mask & -mask;
      const bit = 31 - Math.clz32(low);
      sumTable[j * 256 + mask] = sumTable[j * 256 + (mask ^ low)] + bitValue[bit];
      countTable[j * 256 + mask] = countTable[j * 256 + (mask ^ low)] + bitUsed[bit];
    }
  });
  return { groups, sumTable, countTable };
}

/**
 * The end of a monotone acceptance set inside [−1, 1] (a mean of differences of rates lies there),
 * found by bisection from the decision point, and always returned as an accepted value: so the
 * bound is on the accepted side of `at` exactly when `at` is accepted, and a verdict decided at
 * `at` and the bound can never disagree.
 *
 * `side: 'upper'`: accepted below the end (an upper bound); `'lower'`: accepted above it.
 */
export function invertTest(accept: (theta: number) => boolean, at: number, side: 'upper' | 'lower'): number {
  const up = side === 'upper';
  const atAccepted = accept(at);
  // `inside` is always accepted, `outside` never; the end lies between them.
  let inside: number;
  let outside: number;
  if (atAccepted) {
    const edge = up ? 1 : -1;
    if (accept(edge)) return edge;
    inside = at;
    outside = edge;
  } else {
    const edge = up ? -1 : 1;
    if (!accept(edge)) return edge;
    inside = edge;
    outside = at;
  }
  for (let i = 0; i < 64; i++) {
    const mid = (inside + outside) / 2;
    if (mid === inside || mid === outside) break;
    if (accept(mid)) inside = mid;
    else outside = mid;
  }
  // A bound that is 0 (or 0.3) up to rounding is reported as such, when that value is accepted too.
  const round = Math.round(inside * 1e12) / 1e12;
  return round !== inside && accept(round) ? round : inside;
}
