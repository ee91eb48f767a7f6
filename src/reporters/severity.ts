import { caseFlakinessScore } from '../run-record/flakiness.js';
import type { CaseResult } from '../run-record/types.js';

/**
 * One rule for what a report shows first, used by the console, summary.md, junit.xml, the GitHub
 * annotations and report.html alike. Every case has one severity, most severe first:
 *
 * - `regressed`: passed on the baseline, fails on the candidate;
 * - `errored`: no verdict on either side (an errored call or grader);
 * - `failing`: the candidate fails (including cases that also failed on the baseline);
 * - `ungraded`: nothing graded it, on either side;
 * - `improved`, `new` (no baseline), `passing`.
 *
 * The first four are notable: reports list them case by case, in this order. Within a severity the
 * flakiest case comes first (4·p·(1 − p) of its flakier side; 0 without repeats), then run order.
 */
export const SEVERITIES = ['regressed', 'errored', 'failing', 'ungraded', 'improved', 'new', 'passing'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The severities reports list case by case, most severe first. */
export const NOTABLE_SEVERITIES = ['regressed', 'errored', 'failing', 'ungraded'] as const satisfies readonly Severity[];
export type NotableSeverity = (typeof NOTABLE_SEVERITIES)[number];

/** What reports call each notable list: `Regressed (3)`, `## Errored cases (2)`. */
export const SEVERITY_TITLES: Record<NotableSeverity, string> = { regressed: 'Regressed', errored: 'Errored', failing: 'Failing', ungraded: 'Ungraded' };

/** The one sentence reports put under the ungraded list. */
export const UNGRADED_NOTE = 'no assertion and no output.schema: nothing graded them, and they do not count as passes';

/** The severity of a case (see the module comment). */
export function severityOf(c: CaseResult): Severity {
  if (c.change === 'regressed') return 'regressed';
  if (c.status === 'error' || c.change === 'errored' || c.baseline?.status === 'error') return 'errored';
  if (c.status === 'fail') return 'failing';
  if (c.status === 'ungraded' || c.change === 'ungraded' || c.baseline?.status === 'ungraded') return 'ungraded';
  if (c.change === 'improved') return 'improved';
  if (c.change === 'new') return 'new';
  return 'passing';
}

export function isNotable(severity: Severity): severity is NotableSeverity {
  return (NOTABLE_SEVERITIES as readonly Severity[]).includes(severity);
}

/** A case's place in a report: its severity's rank, its flakiness, its position in the run. */
export interface CaseRank {
  rank: number;
  flaky: number;
  index: number;
}

export function rankOf(c: CaseResult, index: number): CaseRank {
  return { rank: SEVERITIES.indexOf(severityOf(c)), flaky: caseFlakinessScore(c), index };
}

/** Orders ranks most severe first, then flakiest first, then in run order. */
export function compareRanks(a: CaseRank, b: CaseRank): number {
  return a.rank - b.rank || b.flaky - a.flaky || a.index - b.index;
}

/**
 * The notable cases of a stream, by severity: for each, a count and the first `max` in report
 * order (flakiest first, then run order), so reports stay bounded on any run size.
 */
export class NotableCases {
  private readonly kept = new Map<NotableSeverity, Array<CaseRank & { item: CaseResult }>>(NOTABLE_SEVERITIES.map((s) => [s, []]));
  readonly counts: Record<NotableSeverity, number> = { regressed: 0, errored: 0, failing: 0, ungraded: 0 };
  private index = 0;
  constructor(private readonly max: number) {}

  /** Takes one case (in run order); returns its severity. */
  offer(c: CaseResult): Severity {
    const entry = { ...rankOf(c, this.index++), item: c };
    const severity = SEVERITIES[entry.rank];
    if (!isNotable(severity)) return severity;
    this.counts[severity]++;
    const list = this.kept.get(severity)!;
    if (list.length >= this.max && compareRanks(entry, list[list.length - 1]) >= 0) return severity;
    let at = list.length;
    while (at > 0 && compareRanks(entry, list[at - 1]) < 0) at--;
    list.splice(at, 0, entry);
    if (list.length > this.max) list.pop();
    return severity;
  }

  /** The kept cases of one severity, in report order. */
  list(severity: NotableSeverity): CaseResult[] {
    return this.kept.get(severity)!.map((e) => e.item);
  }
}
