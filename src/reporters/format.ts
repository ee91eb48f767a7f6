import { flakinessOf } from '../run-record/flakiness.js';
import type { CaseResult, Comparison, ComparisonAdaptive, ComparisonCost, ComparisonSampling, ComparisonSideInfo, GateVerdict, RepeatOutcome, RepeatStats, RunHeader, RunTotals, SideResult, SideSampling, SummaryRow } from '../run-record/types.js';
import { diffToolCalls, formatToolCallDiff } from '../tools/diff.js';
import { formatAnswer } from '../tools/format.js';
export { sideError } from '../run-record/status.js';
export * from './numbers.js';
import { formatCost, formatCounts, formatPasses, formatPercent } from './numbers.js';

/**
 * Plain-text formatting shared by the file reporters (numbers, verdicts, failure reasons).
 * Output of these functions is still untrusted text: callers escape it for their format.
 */

/** The gate verdict of a run: its own gate, else the comparison's. */
export function gateOf(run: RunHeader): GateVerdict | undefined {
  return run.gate ?? run.comparison?.gate;
}

export interface VerdictLabel {
  kind: 'pass' | 'fail' | 'inconclusive' | 'none';
  icon: string;
  text: string;
}

/**
 * One side of a comparison in one line, naming its commit and each prompt's content hash:
 * `git 3f2a1b0 (HEAD~1): shout@1.0.0 a1b2c3d4e5f6, echo: none (new prompt, no baseline)`.
 * Runs written before these fields existed show the label alone.
 */
export function describeSide(info: ComparisonSideInfo, maxPrompts = 8): string {
  const short = info.commit?.slice(0, 7);
  const head = short && !info.label.includes(short) ? `${info.label} (git ${short})` : info.label;
  const parts = [
    ...new Set(
      (info.prompts ?? []).map((p) => {
        if (p.missing) return `${p.id}: none (new prompt, no baseline)`;
        const at = p.commit && p.commit !== info.commit ? ` (git ${p.commit.slice(0, 7)})` : '';
        return `${p.id}@${p.version ?? '?'} ${p.hash ?? '(hash not recorded)'}${at}`;
      }),
    ),
  ];
  if (parts.length === 0) return head;
  const shown = parts.length > maxPrompts ? [...parts.slice(0, maxPrompts), `${parts.length - maxPrompts} more in run.json`] : parts;
  return `${head}: ${shown.join(', ')}`;
}

/** `✅ pass`, `❌ fail`, `❔ inconclusive` (exit 4), `⚠️ no verdict` (errors left none), or `ℹ️ no gate` when none was evaluated. */
export function verdictLabel(gate: GateVerdict | undefined): VerdictLabel {
  if (!gate) return { kind: 'none', icon: 'ℹ️', text: 'no gate' };
  if (gate.verdict === 'pass') return { kind: 'pass', icon: '✅', text: 'pass' };
  if (gate.verdict === 'fail') return { kind: 'fail', icon: '❌', text: 'fail' };
  if (gate.verdict === 'inconclusive') return { kind: 'inconclusive', icon: '❔', text: 'inconclusive' };
  return { kind: 'none', icon: '⚠️', text: 'no verdict' };
}

/** `suite › model`, the name of one suite × model group. */
export function groupName(suite: string, model: string): string {
  return `${suite} › ${model}`;
}

/** What a case is called in reports: its description, else its id. */
export function caseLabel(result: CaseResult): string {
  return result.description && result.description.trim() !== '' ? result.description : result.caseId;
}

/**
 * Why one side did not pass, one line per problem: errored calls (`repeat 2: TIMEOUT: …`) and
 * failing assertions (`contains:foo — expected "foo"`). Repeat prefixes only when there are several.
 */
export function sideReasons(side: SideResult): string[] {
  const lines: string[] = [];
  const many = side.repeats.length > 1;
  for (const r of side.repeats) {
    const prefix = many ? `repeat ${r.repeat + 1}: ` : '';
    if (r.error) {
      lines.push(`${prefix}${r.error.code}: ${r.error.message}`);
      continue;
    }
    if (!r.grade || r.grade.pass) continue;
    const failing = r.grade.assertions.filter((a) => !a.pass);
    if (failing.length === 0) lines.push(`${prefix}${r.grade.reason}`);
    for (const a of failing) lines.push(`${prefix}${a.spec}: ${a.reason}`);
  }
  return lines;
}

/**
 * A repeat's answer as every report shows it (tools/format.ts): its text, `→ refund({"amount":100})`
 * per tool call, `(refused: …)`; null when the call errored.
 */
export function answerText(repeat: RepeatOutcome | undefined): string | null {
  return repeat ? formatAnswer(repeat) : null;
}

/** The first answer of a side (tool calls and refusals included, see {@link answerText}), for short previews. */
export function firstOutput(side: SideResult | undefined): string | null {
  if (!side) return null;
  for (const r of side.repeats) if (r.output !== null) return answerText(r);
  return null;
}

/** What reports call a case's tool-call diff. */
export const TOOL_DIFF_TITLE = 'tool calls, baseline → candidate';

/**
 * How the tool calls of a compared case changed (tools/diff.ts), as lines such as
 * `refund.amount: 10 → 100`: the first repeat whose calls differ on the two answered sides, with
 * `repeat` (0-based) saying which. Undefined when nothing was compared or the calls are the same.
 */
export function caseToolDiff(result: CaseResult, options: { maxLines?: number; maxValue?: number } = {}): { repeat: number; lines: string[] } | undefined {
  if (!result.baseline) return undefined;
  for (const candidate of result.repeats) {
    if (candidate.output === null) continue;
    const baseline = result.baseline.repeats.find((r) => r.repeat === candidate.repeat);
    if (!baseline || baseline.output === null) continue;
    if (!candidate.toolCalls?.length && !baseline.toolCalls?.length) continue;
    const diff = diffToolCalls(baseline.toolCalls, candidate.toolCalls);
    if (diff.length > 0) return { repeat: candidate.repeat, lines: formatToolCallDiff(diff, options) };
  }
  return undefined;
}

/** {@link caseToolDiff} in one paragraph: `tool calls, baseline → candidate (repeat 2): refund.amount: 10 → 100`, a line each. */
export function caseToolDiffLines(result: CaseResult, options: { maxLines?: number; maxValue?: number } = {}): string[] {
  const diff = caseToolDiff(result, options);
  if (!diff) return [];
  const where = result.repeats.length > 1 ? ` (repeat ${diff.repeat + 1})` : '';
  return [`${TOOL_DIFF_TITLE}${where}:`, ...diff.lines.map((line) => `  ${line}`)];
}

/** The headline for a regression: `regressed: passed on baseline 1.0.0, fails on 1.1.0`. */
export function regressionMessage(result: CaseResult): string {
  return `regressed: passed on baseline ${baselineVersionLabel(result)}, fails on ${candidateVersionLabel(result)}`;
}

/** The baseline's prompt version, with its hash when both sides carry the same version. */
export function baselineVersionLabel(result: CaseResult): string {
  const b = result.baseline;
  if (!b) return '?';
  return b.promptVersion === result.promptVersion && b.promptHash !== result.promptHash ? `${b.promptVersion} (${b.promptHash})` : b.promptVersion;
}

/** The candidate's prompt version, with its hash when both sides carry the same version. */
export function candidateVersionLabel(result: CaseResult): string {
  const b = result.baseline;
  return b && b.promptVersion === result.promptVersion && b.promptHash !== result.promptHash
    ? `${result.promptVersion} (${result.promptHash})`
    : result.promptVersion;
}

/**
 * Where a comparison's answers came from, in one line, e.g. `candidate: drawn fresh, 0 of 200 calls
 * from the cache (noisy: repeat > 1 or temperature not 0); baseline: 180 of 200 calls from the
 * cache (--baseline-cache)`.
 */
export function describeSampling(sampling: ComparisonSampling): string {
  const parts = [sideSampling('candidate', sampling.candidate, sampling.sides.candidate, sampling), sideSampling('baseline', sampling.baseline, sampling.sides.baseline, sampling)];
  if (sampling.rows) parts.push('suite × model rows were sampled differently (run.json comparison.sampling.rows)');
  return parts.join('; ');
}

/**
 * What adaptive repeats did, in one line, e.g. `3 rounds (2 → up to 10 repeats a side), 2,410 of
 * 4,000 budgeted calls (budget 5 a case a side); stopped: the gate failed`.
 */
export function describeAdaptive(adaptive: ComparisonAdaptive): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rounds = adaptive.rounds.length;
  const why: Record<ComparisonAdaptive['stoppedBy'], string> = {
    decided: 'the gate failed',
    budget: 'the call budget was spent',
    'no-case': 'no case left whose draws disagree',
    'max-repeats': `every look was made (maxRepeats ${adaptive.maxRepeats})`,
    interrupted: 'interrupted',
  };
  const reached = Math.max(adaptive.startRepeats, ...adaptive.rounds.map((r) => r.repeats));
  return `adaptive repeats: ${rounds} round${rounds === 1 ? '' : 's'} (${adaptive.startRepeats} repeats a side, then up to ${reached} on the cases whose draws disagree), ${n(adaptive.calls)} of ${n(adaptive.budgetCalls)} budgeted calls (budget ${adaptive.budget} a case a side); stopped: ${why[adaptive.stoppedBy]}`;
}

function sideSampling(name: 'candidate' | 'baseline', source: ComparisonSampling['candidate'], side: SideSampling, sampling: ComparisonSampling): string {
  if (source === 'stored') return `${name}: a stored run's results (no calls)`;
  if (side.calls === 0) return `${name}: no calls`;
  const share = `${side.cached} of ${side.calls} calls from the cache`;
  if (source === 'fresh') {
    const why = sampling.choice === 'no-cache' ? (sampling.by ?? '--no-cache') : 'noisy: repeat > 1 or temperature not 0';
    return `${name}: drawn fresh, ${share} (${why})`;
  }
  const why = !side.noisy ? 'deterministic: temperature 0, repeat 1' : name === 'baseline' && sampling.choice === 'baseline-cache' ? (sampling.by ?? '--baseline-cache') : 'noisy, from the cache';
  return `${name}: ${share} (${why})`;
}

/** The repeat count of a run's rows when some row has more than one repeat per case (pass@k and flakiness say something), else undefined. */
export function repeatCountOf(rows: SummaryRow[]): number | undefined {
  const k = Math.max(0, ...rows.flatMap((r) => [r.repeatStats?.k ?? 0, r.baselineRepeatStats?.k ?? 0]));
  return k > 1 ? k : undefined;
}

/** `pass@3 92.0% · pass^3 71.0% · 14 flaky`, or `–` when the side had no graded case. */
export function formatRepeatStats(stats: RepeatStats | undefined): string {
  if (!stats) return '–';
  return `pass@${stats.k} ${formatPercent(stats.passAtK)} · pass^${stats.k} ${formatPercent(stats.passHatK)} · ${stats.flaky} flaky`;
}

/** A side's mean pass@k or pass^k as a percentage, `–` when it had no graded case. */
export function formatRepeatRate(stats: RepeatStats | undefined, key: 'passAtK' | 'passHatK'): string {
  return stats ? formatPercent(stats[key]) : '–';
}

/** The `pass@k · pass^k` and flaky-count cells of a compared suite × model: `baseline → candidate` when the baseline has them. */
export function comparedRepeatCells(row: SummaryRow | undefined): [rates: string, flaky: string] {
  const both = (b: string, c: string) => (row?.baselineRepeatStats ? `${b} → ${c}` : c);
  const rates = (stats: RepeatStats | undefined) => `${formatRepeatRate(stats, 'passAtK')} · ${formatRepeatRate(stats, 'passHatK')}`;
  const flaky = (stats: RepeatStats | undefined) => (stats ? String(stats.flaky) : '–');
  return [both(rates(row?.baselineRepeatStats), rates(row?.repeatStats)), both(flaky(row?.baselineRepeatStats), flaky(row?.repeatStats))];
}

/** How many of a side's graded repeats passed: `2/3`, or `–` without a verdict. */
export function formatRepeatsPassed(side: SideResult | undefined): string {
  return formatPasses(flakinessOf(side));
}

/** A summary row's pass rate, `–` when no case of it was graded (pass rates are over graded cases). */
export function formatRowPassRate(row: Pick<SummaryRow, 'passed' | 'failed' | 'passRate'>): string {
  return row.passed + row.failed > 0 ? formatPercent(row.passRate) : '–';
}

/** What errored, by cause, as every report words it: `[label, 'server_error ×2, timeout ×1']`; empty when nothing did. */
export function errorBreakdown(totals: RunTotals): Array<[label: string, counts: string]> {
  const out: Array<[string, string]> = [];
  if (Object.keys(totals.errorsByCode).length) out.push(['Errored calls by cause', formatCounts(totals.errorsByCode)]);
  if (Object.keys(totals.graderErrorsByType ?? {}).length) out.push(['Graders that errored (no verdict), by type', formatCounts(totals.graderErrorsByType)]);
  return out;
}

/**
 * What a run the cost budget stopped says (console, Markdown, HTML): why, and how to go on. Plain
 * text (from run.json; the reporters escape it for where it goes). Empty for any other run.
 */
export function budgetLines(run: Pick<RunHeader, 'status' | 'stopped'>): string[] {
  if (run.status !== 'budget_exhausted') return [];
  const lines = [`Stopped by the cost budget: ${run.stopped?.message ?? 'no new call was started once it was reached'}.`];
  if (run.stopped?.resume) lines.push(`Finish it with a higher budget: ${run.stopped.resume}`);
  return lines;
}

/** A signed difference in dollars: `+$0.0011`, `−$1.20`, `±$0`; null → `–`. */
export function formatCostDelta(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return '–';
  if (Math.abs(usd) < 1e-12) return '±$0';
  return `${usd > 0 ? '+' : '−'}${formatCost(Math.abs(usd))}`;
}

/** Candidate against baseline cost: `+$0.0011 (+22%)`, `±$0`, `–` when unknown. */
export function formatCostChange(cost: ComparisonCost): string {
  const delta = formatCostDelta(cost.deltaUsd);
  if (cost.deltaUsd === null || cost.baselineUsd === null || cost.baselineUsd <= 0 || delta === '±$0') return delta;
  const percent = (cost.deltaUsd / cost.baselineUsd) * 100;
  return `${delta} (${percent >= 0 ? '+' : '−'}${Math.abs(percent) >= 10 ? Math.abs(percent).toFixed(0) : Math.abs(percent).toFixed(1)}%)`;
}

/**
 * The cost of each side of a comparison per suite × model and in total, as rows of plain text
 * cells (suite, model, baseline, candidate, change; the total's suite is `Total` and model empty).
 * Empty when the run recorded no costs (runs written before them).
 */
export function comparisonCostRows(comparison: Pick<Comparison, 'rows' | 'cost'>): string[][] {
  if (!comparison.cost) return [];
  const row = (suite: string, model: string, cost: ComparisonCost) => [suite, model, formatCost(cost.baselineUsd), formatCost(cost.candidateUsd), formatCostChange(cost)];
  const rows = comparison.rows.flatMap((r) => (r.cost ? [row(r.suite, r.model, r.cost)] : []));
  return comparison.rows.length > 1 ? [...rows, row('Total', '', comparison.cost)] : rows;
}

/** What the comparison's cost table is about (its caption). */
export const COMPARISON_COST_NOTE = "the cost of each side's answers: eval calls at the model's price, cached answers priced by the tokens they used (what this run spent is the Cost in the totals)";
