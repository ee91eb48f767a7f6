import { repeatVerdict } from './status.js';
import type { CaseResult, RepeatStats, SideResult } from './types.js';

/**
 * pass@k, pass^k and flakiness of one side of a case, over its k graded repeats (with n = k
 * samples the estimators are exact): pass@k = 1 when any repeat passed, pass^k = 1 when all did,
 * `flaky` when some but not all did.
 */
export interface CaseFlakiness {
  /** Graded repeats. */
  k: number;
  /** Of those, repeats that passed. */
  passes: number;
  passAtK: 0 | 1;
  passHatK: 0 | 1;
  flaky: boolean;
  /** 4·p·(1 − p) with p = passes / k: 1 when half the repeats passed, 0 when all or none did. Ranks the flakiest first. */
  score: number;
}

/** A side's flakiness; undefined when the side has no verdict (errored, ungraded) or is absent. */
export function flakinessOf(side: SideResult | undefined): CaseFlakiness | undefined {
  if (!side || (side.status !== 'pass' && side.status !== 'fail')) return undefined;
  let k = 0;
  let passes = 0;
  for (const repeat of side.repeats) {
    const verdict = repeatVerdict(repeat);
    if (verdict === 'pass') passes++;
    if (verdict === 'pass' || verdict === 'fail') k++;
  }
  if (k === 0) return undefined;
  const p = passes / k;
  return { k, passes, passAtK: passes > 0 ? 1 : 0, passHatK: passes === k ? 1 : 0, flaky: passes > 0 && passes < k, score: 4 * p * (1 - p) };
}

/** How flaky a case is: the flakier of its two sides (0 when neither has a verdict). */
export function caseFlakinessScore(result: CaseResult): number {
  return Math.max(flakinessOf(result)?.score ?? 0, flakinessOf(result.baseline)?.score ?? 0);
}

/** Whether either side of the case is flaky (some but not all of its repeats passed). */
export function isFlaky(result: CaseResult): boolean {
  return Boolean(flakinessOf(result)?.flaky || flakinessOf(result.baseline)?.flaky);
}

/** Adds up the cases of one side into suite means of pass@k and pass^k, and a count of flaky cases. */
export function createRepeatStats() {
  let k = 0;
  let cases = 0;
  let atK = 0;
  let hatK = 0;
  let flaky = 0;
  return {
    add(side: SideResult | undefined): void {
      const f = flakinessOf(side);
      if (!f) return;
      k = Math.max(k, f.k);
      cases++;
      atK += f.passAtK;
      hatK += f.passHatK;
      if (f.flaky) flaky++;
    },
    /** Undefined when no case had a verdict on this side. */
    finish(): RepeatStats | undefined {
      if (cases === 0) return undefined;
      return { k, cases, passAtK: atK / cases, passHatK: hatK / cases, flaky };
    },
  };
}

/**
 * The `max` flakiest cases seen (score > 0 only), flakiest first, run order among equals; memory
 * stays `max` items however many cases go through.
 */
export class Flakiest<T> {
  private readonly kept: Array<{ score: number; seq: number; item: T }> = [];
  private seq = 0;
  /** Every flaky item offered, kept or not. */
  total = 0;
  constructor(private readonly max: number) {}

  offer(item: T, score: number): void {
    const seq = this.seq++;
    if (!(score > 0)) return;
    this.total++;
    if (this.kept.length >= this.max && score <= this.kept[this.kept.length - 1].score) return;
    let at = this.kept.length;
    while (at > 0 && this.kept[at - 1].score < score) at--;
    this.kept.splice(at, 0, { score, seq, item });
    if (this.kept.length > this.max) this.kept.pop();
  }

  get items(): T[] {
    return this.kept.map((k) => k.item);
  }
}
