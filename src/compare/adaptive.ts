/**
 * Adaptive repeats (`--adaptive`, config `adaptive`): the design, the choice of which cases get
 * more repeats, and the gate at each look. docs/adaptive.md says the
 * same for users; the engine (runner/adaptive-rounds.ts) and the benchmark (bench/gate) drive it.
 *
 * Round 1 runs every case `startRepeats` times on both sides. After each round the gate is
 * computed (a *look*); while it has not failed, repeats are added (one batch a round) to the cases
 * whose draws disagree, up to `maxRepeats` a side, while the call budget lasts.
 *
 * Why it stays valid (the null: every case has the same chance of passing on both sides):
 *
 * 1. **Which cases get repeats never depends on which side is which.** A case is eligible when its
 *    draws so far, both sides pooled, are not all the same; it is served in order of how balanced
 *    its round-1 pooled draws were, then in plan order; the budget is counted in draws. All of that
 *    is a function of each case's pooled pass counts per batch, which swapping a case's two sides
 *    leaves as they are. So, given every batch's pooled counts, the split of a batch's passes
 *    between the sides is hypergeometric, independently across batches and cases — exactly what
 *    a stratified Fisher test per case assumes (per-case.ts `strata`) — and swapping a whole case's
 *    sides leaves the data's distribution unchanged — what the sign-flip test assumes.
 * 2. **Looking after every round is repeated testing, and is paid for.** The mean test, the margin
 *    (non-inferiority), the score rule and the floor read round 1 only, where every case ran the
 *    same repeats: their data never change after look 1, so looking again repeats nothing (and
 *    their estimates are unbiased: pooling the later repeats, which go to the cases that disagreed,
 *    would shrink a real change towards 0 on the cases that stopped after round 1). Only the
 *    per-case test sees new data at each look; its alpha is split across the looks up front
 *    (Bonferroni): each look spends its share, and the last look that happens — known before it
 *    is tested, from the budget and the eligible cases, which are side-blind — spends what is
 *    left. Under no change, P(fail at some look) ≤ alphaMean + Σ shares = alpha.
 * 3. **The alpha split is fixed before anything is drawn**: the mean test gets alpha − alphaCase
 *    at every look; the per-case test alphaCase = alpha / 2 over the looks where the design lets it
 *    flag a case at all.
 * A pass needs round 1's one-sided (1 − alpha) lower bound above −margin (a single fixed test: a
 * false pass stays at most alpha) and no fail at any look.
 */
import type { ResolvedGate } from '../config/types.js';
import { repeatVerdict } from '../run-record/status.js';
import type { CaseResult, CaseStatus, RepeatOutcome, SideResult } from '../run-record/types.js';
import { analyseGate, decideGate, type GateAnalysis } from './gate.js';
import { fisherFloor } from './per-case.js';

export interface AdaptiveSettings {
  /** Repeats a side every case runs in round 1. @default 2 */
  startRepeats: number;
  /** Most repeats a side any case gets. @default 10 */
  maxRepeats: number;
  /** Calls per case per side on average, round 1 included: the cost of `--repeat <budget>`. @default 5 */
  budget: number;
}

export { DEFAULT_ADAPTIVE } from '../config/defaults.js';

/** Share of alpha the per-case test gets in an adaptive run (it is what the extra repeats are for). */
export const ADAPTIVE_CASE_SHARE = 0.5;

/** The design of an adaptive run, fixed before anything is drawn. */
export interface AdaptiveDesign {
  settings: AdaptiveSettings;
  alpha: number;
  /** Repeats a side at each planned look: startRepeats, then the batches' targets, the last maxRepeats. */
  looks: number[];
  /** Alpha of the mean test (round 1's data: the same at every look). */
  alphaMean: number;
  /** Alpha of the per-case test over all looks. */
  alphaCase: number;
  /** Per planned look, its share of alphaCase (0 where the per-case test cannot flag a case); they add up to alphaCase. */
  caseShares: number[];
}

/**
 * The looks: startRepeats, then doubling towards maxRepeats, keeping only the targets at which the
 * per-case test could flag a case (its smallest p-value, 1/C(2·start, start) · 1/C(2m, m) with m
 * repeats added, below a tenth of its alpha: a look where nothing can be flagged only costs a round
 * trip), and merging a last step smaller than half the target before it. The per-case alpha is
 * split over the looks that can flag, in proportion to their repeats; the last look that happens
 * takes what the earlier ones left.
 */
export function adaptiveDesign(settings: AdaptiveSettings, alpha: number): AdaptiveDesign {
  const { startRepeats: start, maxRepeats: max } = settings;
  const alphaCase = alpha * ADAPTIVE_CASE_SHARE;
  const canFlag = (r: number) => smallestP(start, r) < alphaCase / 10;
  const looks = [start];
  let r = start;
  while (r < max) {
    r = Math.min(max, 2 * r);
    if (max - r < r / 2) r = max;
    if (r === max || canFlag(r)) looks.push(r);
  }
  const weights = looks.map((n) => (canFlag(n) ? n : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  // When no look can flag a case (a tiny maxRepeats), the per-case test is never run and the mean test gets it all.
  const caseShares = weights.map((w) => (total > 0 ? (alphaCase * w) / total : 0));
  return { settings, alpha, looks, alphaMean: total > 0 ? alpha - alphaCase : alpha, alphaCase: total > 0 ? alphaCase : 0, caseShares };
}

/** The smallest stratified Fisher p-value of a case with `start` repeats a side in round 1 and `repeats` in all. */
function smallestP(start: number, repeats: number): number {
  const added = repeats - start;
  return fisherFloor(start, start) * (added > 0 ? fisherFloor(added, added) : 1);
}

// ── per-case tallies (what the design reads of a case; a few numbers, never outputs) ──────────

/** One side of one case over the repeats so far. */
export interface SideTally {
  repeats: number;
  graded: number;
  passes: number;
  scoreSum: number;
  /** Some repeat has no verdict (a call or a grader errored). */
  errored: boolean;
}

export function tallySide(side: SideResult, into: SideTally = { repeats: 0, graded: 0, passes: 0, scoreSum: 0, errored: false }): SideTally {
  for (const repeat of side.repeats) {
    const verdict = repeatVerdict(repeat);
    into.repeats++;
    if (verdict === 'error') into.errored = true;
    if (verdict === 'pass' || verdict === 'fail') {
      into.graded++;
      into.scoreSum += repeat.grade!.score;
      if (verdict === 'pass') into.passes++;
    }
  }
  return into;
}

/** status / passRate / meanScore of a side from its tally: summariseRepeats' rules. */
export function sideSummary(t: SideTally): { status: CaseStatus; passRate: number; meanScore: number } {
  const passRate = t.graded ? t.passes / t.graded : 0;
  const meanScore = t.graded ? t.scoreSum / t.graded : 0;
  const status: CaseStatus = t.repeats === 0 || t.errored ? 'error' : t.graded === 0 ? 'ungraded' : passRate >= 0.5 ? 'pass' : 'fail';
  return { status, passRate, meanScore };
}

/** A unit (case × model) of an adaptive run as the design sees it. */
export interface AdaptiveUnit {
  suite: string;
  model: string;
  caseId: string;
  /** Whether each side makes calls (false: no baseline, or a stored one). */
  candidate: SideTally;
  baseline: SideTally | undefined;
  /** Round 1's pooled passes (both sides) and repeats a side. */
  firstPasses: number;
  firstRepeats: number;
}

/** The next round: per unit (index into the units), the repeats a side to add. */
export interface RoundPlan {
  /** Repeats a side this round brings each unit to (the look's target). */
  target: number;
  extra: Map<number, number>;
  /** Draws (one call's worth: a repeat on one side) the round makes. */
  draws: number;
}

/**
 * Which units get more repeats, and how many: those compared on both sides (no error, graded),
 * whose pooled draws disagree, below the target; served in order of how balanced round 1's pooled
 * draws were (|passes − repeats| over both sides, smallest first), then in plan order, each up to
 * the target, while `drawsLeft` covers a repeat on both sides. Side-blind by construction.
 */
export function planRound(units: AdaptiveUnit[], target: number, drawsLeft: number): RoundPlan {
  const eligible: number[] = [];
  units.forEach((u, i) => {
    const b = u.baseline;
    if (!b || u.candidate.errored || b.errored || u.candidate.graded === 0 || b.graded === 0) return;
    const repeats = Math.min(u.candidate.repeats, b.repeats);
    const passes = u.candidate.passes + b.passes;
    const trials = u.candidate.graded + b.graded;
    if (repeats < target && passes > 0 && passes < trials) eligible.push(i);
  });
  const balance = (i: number) => Math.abs(units[i].firstPasses - units[i].firstRepeats);
  eligible.sort((a, b) => balance(a) - balance(b) || a - b);
  const extra = new Map<number, number>();
  let left = drawsLeft;
  let draws = 0;
  for (const i of eligible) {
    const u = units[i];
    const want = target - Math.min(u.candidate.repeats, u.baseline!.repeats);
    const give = Math.min(want, Math.floor(left / 2));
    if (give <= 0) break;
    extra.set(i, give);
    left -= 2 * give;
    draws += 2 * give;
  }
  return { target, extra, draws };
}

// ── the looks ────────────────────────────────────────────────────────────────────────────────

/** What one look decided. */
export interface LookResult {
  look: number;
  analysis: GateAnalysis;
  verdict: ReturnType<typeof decideGate>['verdict'];
  /** The per-case alpha this look spent. */
  alphaCase: number;
  /** The next round, or undefined when this look is the last (decided, budget spent, or no case left to repeat). */
  next?: RoundPlan;
  /** Why there is no next round. */
  stoppedBy?: 'decided' | 'budget' | 'no-case' | 'max-repeats';
}

/**
 * The adaptive gate, look by look. `look(units, merged, firstRound)` after each round: plans the
 * next round (side-blind), then tests with this look's alpha — the last look's being what is left
 * — and says whether to go on. Draws are counted against `budget × (sides that make calls, summed
 * over units)`, round 1 included.
 */
export function createAdaptiveGate(settings: AdaptiveSettings, gate: ResolvedGate, options: { repeat?: number; resamples?: number; seed?: number } = {}) {
  const design = adaptiveDesign(settings, gate.alpha);
  let look = 0;
  let spentCase = 0;
  let budgetDraws: number | undefined;
  let drawn = 0;
  const history: LookResult[] = [];
  return {
    design,
    history,
    /** The budget in draws, once round 1 is known. */
    get budgetDraws(): number | undefined {
      return budgetDraws;
    },
    get drawn(): number {
      return drawn;
    },
    /**
     * After round 1 (`look` 1) and each later round: `units` in plan order with their tallies,
     * `merged` every unit's results so far (all repeats) and `firstRound` its round 1, in the same
     * order. `roundDraws`: the draws the round just made.
     */
    look(units: AdaptiveUnit[], merged: Iterable<CaseResult>, firstRound: Iterable<CaseResult>, roundDraws: number): LookResult {
      look++;
      if (budgetDraws === undefined) {
        const sides = units.reduce((sum, u) => sum + (u.baseline ? 2 : 1), 0);
        budgetDraws = Math.floor(settings.budget * sides);
      }
      drawn += roundDraws;
      const target = design.looks[look];
      let next = target === undefined ? undefined : planRound(units, target, budgetDraws - drawn);
      let stoppedBy: LookResult['stoppedBy'];
      if (!next || next.draws === 0) {
        // The budget first: when it is spent, it is what stopped the run, whatever else was left.
        stoppedBy = budgetDraws - drawn < 2 ? 'budget' : target === undefined ? 'max-repeats' : 'no-case';
        next = undefined;
      }
      const share = design.caseShares[look - 1] ?? 0;
      const alphaCase = next ? share : Math.max(0, design.alphaCase - spentCase);
      spentCase += alphaCase;
      const analysis = analyseGate(merged, {
        repeat: options.repeat ?? settings.startRepeats,
        gate,
        caseAlpha: alphaCase,
        resamples: options.resamples,
        seed: options.seed,
        adaptive: { firstRound, alphaMean: design.alphaMean },
      });
      const verdict = decideGate(analysis.rows, gate).verdict;
      // A failed gate is decided: no further round, even when the budget would have stopped it anyway.
      if (verdict === 'fail') {
        next = undefined;
        stoppedBy = 'decided';
      }
      const result: LookResult = { look, analysis, verdict, alphaCase, ...(next ? { next } : {}), ...(stoppedBy ? { stoppedBy } : {}) };
      history.push(result);
      return result;
    },
  };
}

export type AdaptiveGate = ReturnType<typeof createAdaptiveGate>;

// ── merging results ────────────────────────────────────────────────────────────────────────────

/** A side with more repeats appended (their `repeat` indices continue), its status recomputed. */
export function appendRepeats(side: SideResult, more: RepeatOutcome[]): SideResult {
  const repeats = [...side.repeats, ...more];
  const tally = tallySide({ ...side, repeats });
  return { ...side, repeats, ...sideSummary(tally) };
}
