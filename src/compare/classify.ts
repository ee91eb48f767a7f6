import type { ChangeStatus, SideResult } from '../run-record/types.js';

/**
 * How one case changed from baseline to candidate.
 *
 * - either side `error` → `errored` (a call or a grader left no verdict), also a candidate with no
 *   baseline; otherwise no baseline → `new`;
 * - either side `ungraded` (nothing to grade it with) → `ungraded`: like `errored`, left out of
 *   the comparison, never a pass;
 * - otherwise the sides' statuses decide: pass → fail `regressed`, fail → pass `improved`,
 *   else `unchanged-pass` / `unchanged-fail`.
 *
 * With `repeat` > 1 a side's status is its majority vote (`pass` when at least half the repeats
 * passed), so the label is the same rule as at repeat 1. These labels describe cases; they are
 * not evidence on their own: with a handful of repeats one case's flip is not significant, and
 * over many cases some flip by chance. The gate therefore does not count labels (only the explicit
 * `maxRegressions` policy does) — it tests the per-case pass-rate and score differences, weighing
 * improvements against regressions (gate.ts, and docs/compare-and-gate.md). `_repeat` is
 * accepted so callers can pass it uniformly; the label does not depend on it.
 */
export function classifyChange(candidate: SideResult, baseline: SideResult | undefined, _repeat = 1): ChangeStatus {
  if (candidate.status === 'error') return 'errored';
  if (!baseline) return 'new';
  if (baseline.status === 'error') return 'errored';
  if (candidate.status === 'ungraded' || baseline.status === 'ungraded') return 'ungraded';
  const before = baseline.status === 'pass';
  const after = candidate.status === 'pass';
  if (before && !after) return 'regressed';
  if (!before && after) return 'improved';
  return after ? 'unchanged-pass' : 'unchanged-fail';
}
