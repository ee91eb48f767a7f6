import { flakinessOf } from '../../run-record/flakiness.js';
import { formatPasses } from '../numbers.js';
import { compareRanks, rankOf, type CaseRank } from '../severity.js';
import type { CaseResult, RepeatOutcome, RunHeader, SideResult } from '../../run-record/types.js';
import { diffToolCalls, formatToolCallDiff } from '../../tools/diff.js';
import type { ToolCall } from '../../tools/types.js';
import { computeWordDiff, type WordDiff, type WordDiffOptions } from './word-diff.js';

/** The data embedded in report.html and read by its script. Plain JSON. */
export interface ReportData {
  run: RunHeader;
  cases: ReportCase[];
  limits: { outputChars: number; diffChars: number };
}

export interface ReportRepeat extends Omit<RepeatOutcome, 'output' | 'toolCalls'> {
  output: string | null;
  /** Set when `output` was cut: the full length in characters. */
  outputLength?: number;
  toolCalls?: ReportToolCall[];
}

/** A tool call in the page: arguments longer than the output limit keep only their cut raw text. */
export interface ReportToolCall extends ToolCall {
  /** Set when `rawArguments` was cut (and its parse dropped): the full length in characters. */
  argumentsLength?: number;
}

export interface ReportSide extends Omit<SideResult, 'repeats'> {
  repeats: ReportRepeat[];
}

export interface ReportCase extends Omit<CaseResult, 'repeats' | 'baseline' | 'promptId' | 'promptVersion' | 'promptHash' | 'status' | 'passRate' | 'meanScore'> {
  candidate: ReportSide;
  baseline?: ReportSide;
  status: CaseResult['status'];
  /** Word diffs of baseline against candidate, per repeat index where both sides have an output. */
  diffs?: Array<WordDiff & { repeat: number }>;
  /**
   * How the tool calls changed, baseline against candidate (tools/diff.ts: `refund.amount: 10 → 100`),
   * per repeat index where both sides answered and either called a tool; `lines` is empty when the calls are the same.
   */
  toolDiffs?: Array<{ repeat: number; lines: string[] }>;
  /**
   * With repeats (k > 1 on a side): graded repeats passed per side (`2/3`, `–` without a verdict),
   * pass@k and pass^k of the candidate, whether either side is flaky (some but not all passed) and
   * how flaky (4·p·(1 − p) of the flakier side: 1 at half passed).
   */
  flakiness?: { candidate: string; baseline?: string; passAtK?: number; passHatK?: number; flaky: boolean; score: number };
}

export interface ReportDataOptions extends WordDiffOptions {
  /** Characters kept of each output in the page (run.json keeps them all). @default 20000 */
  maxOutputChars?: number;
  /**
   * Characters word-diffed over the whole report, spent on the most severe cases first; later cases
   * show both outputs without a diff. Keeps a 10,000-case report fast to generate. @default 2000000
   */
  diffBudget?: number;
}

/** A call's arguments cut like outputs: past `max` characters only the cut raw text is kept (the page shows it as not parsed). */
function cutToolCall(call: ToolCall, max: number): ReportToolCall {
  if (call.rawArguments.length <= max) return call;
  return { id: call.id, name: call.name, rawArguments: `${call.rawArguments.slice(0, max)}…`, argumentsLength: call.rawArguments.length };
}

function toSide(side: SideResult, maxOutput: number): ReportSide {
  const { repeats, ...rest } = side;
  return {
    ...rest,
    repeats: repeats.map((r): ReportRepeat => {
      const calls = r.toolCalls?.some((c) => c.rawArguments.length > maxOutput) ? { toolCalls: r.toolCalls.map((c) => cutToolCall(c, maxOutput)) } : {};
      if (r.output === null || r.output.length <= maxOutput) return { ...r, ...calls };
      return { ...r, ...calls, output: r.output.slice(0, maxOutput), outputLength: r.output.length };
    }),
  };
}

/** Lines of one repeat's tool-call diff kept in the page. */
const MAX_TOOL_DIFF_LINES = 100;

/** Spends the diff budget; a diff that gave up (texts too different) costs as much as it was expensive. */
class DiffBudget {
  constructor(private left: number) {}
  diff(baseline: string, candidate: string, options: WordDiffOptions): WordDiff {
    if (baseline === candidate) return { parts: [], capped: false, same: true };
    if (this.left <= 0) return { parts: null, capped: false, same: false, skipped: true };
    const { cost, ...diff } = computeWordDiff(baseline, candidate, options);
    this.left -= diff.parts === null && !diff.same ? cost * 12 : cost;
    return diff;
  }
}

/** pass@k and flakiness of both sides, when either has more than one graded repeat. */
function flakinessView(c: CaseResult): ReportCase['flakiness'] {
  const candidate = flakinessOf(c);
  const baseline = flakinessOf(c.baseline);
  if ((candidate?.k ?? 0) < 2 && (baseline?.k ?? 0) < 2) return undefined;
  return {
    candidate: formatPasses(candidate),
    ...(c.baseline ? { baseline: formatPasses(baseline) } : {}),
    ...(candidate ? { passAtK: candidate.passAtK, passHatK: candidate.passHatK } : {}),
    flaky: Boolean(candidate?.flaky || baseline?.flaky),
    score: Math.max(candidate?.score ?? 0, baseline?.score ?? 0),
  };
}

function toReportCase(c: CaseResult, options: ReportDataOptions, budget: DiffBudget): ReportCase {
  const maxOutput = options.maxOutputChars ?? 20_000;
  const { repeats, baseline, promptId, promptVersion, promptHash, status, passRate, meanScore, ...rest } = c;
  const candidate = toSide({ promptId, promptVersion, promptHash, status, passRate, meanScore, repeats }, maxOutput);
  const out: ReportCase = { ...rest, status, candidate };
  const flakiness = flakinessView(c);
  if (flakiness) out.flakiness = flakiness;
  if (baseline) {
    out.baseline = toSide(baseline, maxOutput);
    const diffs: NonNullable<ReportCase['diffs']> = [];
    const toolDiffs: NonNullable<ReportCase['toolDiffs']> = [];
    for (const b of baseline.repeats) {
      const k = repeats.find((r) => r.repeat === b.repeat);
      if (b.output === null || !k || k.output === null) continue;
      diffs.push({ repeat: b.repeat, ...budget.diff(b.output, k.output, options) });
      if (b.toolCalls?.length || k.toolCalls?.length) {
        toolDiffs.push({ repeat: b.repeat, lines: formatToolCallDiff(diffToolCalls(b.toolCalls, k.toolCalls), { maxLines: MAX_TOOL_DIFF_LINES }) });
      }
    }
    out.diffs = diffs;
    if (toolDiffs.length > 0) out.toolDiffs = toolDiffs;
  }
  return out;
}

/**
 * Collects a run's cases into the page's data, most severe first (severity.ts: regressed, errored,
 * failing, ungraded, improved, new, passing; the flakiest first within each, then run order), with word diffs computed
 * here rather than in the browser.
 */
export async function buildReportData(run: RunHeader, cases: AsyncIterable<CaseResult>, options: ReportDataOptions = {}): Promise<ReportData> {
  const ranked: Array<CaseRank & { item: CaseResult }> = [];
  let index = 0;
  for await (const c of cases) ranked.push({ ...rankOf(c, index++), item: c });
  ranked.sort(compareRanks);
  const budget = new DiffBudget(options.diffBudget ?? 2_000_000);
  // A RunFile is also a RunHeader: never embed its cases twice.
  const { cases: _cases, ...header } = run as RunHeader & { cases?: unknown };
  return {
    run: header,
    cases: ranked.map((r) => toReportCase(r.item, options, budget)),
    limits: { outputChars: options.maxOutputChars ?? 20_000, diffChars: options.maxChars ?? 5000 },
  };
}
