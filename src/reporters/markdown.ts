import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Flakiest, caseFlakinessScore } from '../run-record/flakiness.js';
import type { CaseResult, RunHeader, SummaryRow } from '../run-record/types.js';
import { escapeMarkdownCell, escapeMarkdownInline, shorten } from './escape.js';
import {
  baselineVersionLabel,
  budgetLines,
  caseLabel,
  COMPARISON_COST_NOTE,
  comparisonCostRows,
  caseToolDiffLines,
  comparedRepeatCells,
  describeAdaptive,
  describeSampling,
  describeSide,
  errorBreakdown,
  firstOutput,
  formatCost,
  formatDeltaWithCi,
  formatMsPair,
  formatPercent,
  formatRepeatRate,
  formatRepeatsPassed,
  formatRowPassRate,
  formatScore,
  formatTokenTotal,
  gateOf,
  groupName,
  repeatCountOf,
  regressionMessage,
  sideReasons,
  verdictLabel,
} from './format.js';
import { renderDriftMarkdown } from './markdown-drift.js';
import { NOTABLE_SEVERITIES, NotableCases, SEVERITY_TITLES, UNGRADED_NOTE } from './severity.js';
import type { Reporter } from './types.js';

export interface MarkdownOptions {
  /** Cases listed per section (regressed, errored, failing, ungraded, flaky); the rest are counted. @default 50 */
  maxCases?: number;
  /** Characters kept of each output. @default 200 */
  maxOutput?: number;
  /** Size limit in UTF-8 bytes (GitHub's step summary takes at most 1 MiB). @default 1048576 */
  maxBytes?: number;
}

const MAX_REASONS = 400;
const TRUNCATION_NOTE = '\n> ⚠️ This summary was truncated to stay within the size limit. The full results are in `run.json` and `report.html`.\n';

/**
 * Renders a run as GitHub-flavoured Markdown (for `summary.md` and `$GITHUB_STEP_SUMMARY`): the
 * verdict, totals, where the answers came from (comparisons), a row per suite × model (with pass@k,
 * pass^k and flaky counts when there are repeats), then the regressed, errored, failing and ungraded
 * cases in that order (severity.ts: the same order as every report), then the flaky ones (flakiest first).
 * Untrusted text is escaped; the result never exceeds `maxBytes`.
 */
export async function renderMarkdown(run: RunHeader, cases: AsyncIterable<CaseResult>, options: MarkdownOptions = {}): Promise<string> {
  const maxCases = options.maxCases ?? 50;
  const maxOutput = options.maxOutput ?? 200;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const notable = new NotableCases(maxCases);
  const flaky = new Flakiest<CaseResult>(maxCases);
  for await (const result of cases) {
    flaky.offer(result, caseFlakinessScore(result));
    notable.offer(result);
  }

  const blocks: string[] = [renderHeader(run), renderGroups(run)];
  if (run.drift) blocks.push(renderDriftMarkdown(run.drift));
  // The notable cases in severity order (severity.ts), then the flakiest.
  for (const severity of NOTABLE_SEVERITIES) {
    const total = notable.counts[severity];
    if (total === 0) continue;
    blocks.push(`## ${SEVERITY_TITLES[severity]} cases (${total})\n`);
    if (severity === 'ungraded') blocks.push(`${UNGRADED_NOTE[0].toUpperCase()}${UNGRADED_NOTE.slice(1)}.\n`);
    blocks.push(...caseTable(notable.list(severity), total, run, maxOutput));
  }
  if (flaky.total > 0) {
    blocks.push(`## Flaky cases (${flaky.total}), flakiest first\n`, `Some but not all repeats passed${run.comparison ? ' (on either side)' : ''}.\n`, ...flakyTable(flaky, run));
  }
  return fitToBytes(blocks, maxBytes);
}

function renderHeader(run: RunHeader): string {
  const gate = gateOf(run);
  const verdict = verdictLabel(gate);
  const lines = [`# ${verdict.icon} promptgate ${escapeMarkdownInline(run.command)}: ${verdict.text}`, ''];
  const t = run.totals;
  const ungraded = t.ungraded ? ` · **${t.ungraded}** ungraded` : '';
  lines.push(
    `**${t.cases}** cases · **${t.passed}** passed · **${t.failed}** failed · **${t.errored}** errored${ungraded} · ${t.calls} calls (${t.cachedCalls} cached) · ${formatTokenTotal(t.inputTokens, t.outputTokens)} · cost ${formatCost(t.costUsd)}`,
    '',
  );
  const meta = [`Run \`${run.runId.replace(/`/g, '')}\``, run.status === 'interrupted' ? '**interrupted**' : run.status === 'budget_exhausted' ? '**stopped by the cost budget**' : 'complete'];
  if (run.budget) meta.push(`budget ${formatCost(run.budget.spentUsd)} of ${formatCost(run.budget.maxCostUsd)} spent`);
  if (run.comparison) {
    meta.push(`baseline ${escapeMarkdownInline(describeSide(run.comparison.baseline))} → candidate ${escapeMarkdownInline(describeSide(run.comparison.candidate))}`);
  }
  lines.push(meta.join(' · '), '');
  if (run.comparison?.sampling) lines.push(`Sampling: ${escapeMarkdownInline(describeSampling(run.comparison.sampling))}`, '');
  if (run.comparison?.adaptive) lines.push(`Adaptive: ${escapeMarkdownInline(describeAdaptive(run.comparison.adaptive))}`, '');
  if (gate && gate.reasons.length > 0) {
    for (const reason of gate.reasons) lines.push(`- ${escapeMarkdownInline(reason)}`);
    lines.push('');
  }
  for (const [label, counts] of errorBreakdown(t)) lines.push(`${label}: ${escapeMarkdownInline(counts)}`, '');
  for (const note of run.notes ?? []) lines.push(`> ${escapeMarkdownInline(note)}`, '');
  for (const line of budgetLines(run)) lines.push(`> ${escapeMarkdownInline(line)}`, '');
  return lines.join('\n');
}

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function renderGroups(run: RunHeader): string {
  const cell = escapeMarkdownCell;
  const lines = ['## Results', ''];
  // With repeats: pass@k, pass^k and flaky cases of the candidate (and the baseline).
  const k = repeatCountOf(run.summary);
  const rowOf = (suite: string, model: string): SummaryRow | undefined => run.summary.find((r) => r.suite === suite && r.model === model);
  if (run.comparison) {
    // An Ungraded column only when some case had nothing to grade it.
    const ungraded = run.comparison.rows.some((row) => (row.counts.ungraded ?? 0) > 0);
    const repeatHead = k ? [`pass@${k} · pass^${k}`, 'Flaky'] : [];
    lines.push(
      tableRow(['Suite', 'Model', 'Cases', 'Baseline', 'Candidate', 'Δ pass rate [CI]', 'Regressed', 'Improved', 'Errored', ...(ungraded ? ['Ungraded'] : []), ...repeatHead, 'Verdict']),
      tableRow(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', ...(ungraded ? ['---:'] : []), ...(k ? ['---:', '---:'] : []), '---']),
    );
    for (const row of run.comparison.rows) {
      const summary = rowOf(row.suite, row.model);
      const v = verdictLabel({ verdict: row.verdict, reasons: row.reasons });
      lines.push(
        tableRow([
          cell(row.suite),
          cell(row.model),
          String(row.cases),
          formatPercent(row.baselinePassRate),
          formatPercent(row.candidatePassRate),
          formatDeltaWithCi(row.passRateDelta, row.passRateDeltaCi),
          String(row.counts.regressed ?? 0),
          String(row.counts.improved ?? 0),
          String(row.counts.errored ?? 0),
          ...(ungraded ? [String(row.counts.ungraded ?? 0)] : []),
          ...(k ? comparedRepeatCells(summary) : []),
          `${v.icon} ${cell(row.reasons.length > 0 ? `${v.text}: ${row.reasons.join('; ')}` : v.text)}`,
        ]),
      );
    }
    const costs = comparisonCostRows(run.comparison);
    if (costs.length > 0) {
      lines.push('', '### Cost', '', `${escapeMarkdownInline(COMPARISON_COST_NOTE[0].toUpperCase() + COMPARISON_COST_NOTE.slice(1))}.`, '');
      lines.push(tableRow(['Suite', 'Model', 'Baseline', 'Candidate', 'Change']), tableRow(['---', '---', '---:', '---:', '---:']));
      for (const row of costs) lines.push(tableRow(row.map((text, i) => (i === 0 && text === 'Total' && row[1] === '' ? '**Total**' : cell(text)))));
    }
  } else {
    const ungraded = run.summary.some((row) => (row.ungraded ?? 0) > 0);
    lines.push(
      tableRow(['Suite', 'Model', 'Prompt', 'Cases', 'Passed', 'Failed', 'Errored', ...(ungraded ? ['Ungraded'] : []), 'Pass rate', ...(k ? [`pass@${k}`, `pass^${k}`, 'Flaky'] : []), 'Score', 'p50 / p95', 'Cost']),
      tableRow(['---', '---', '---', '---:', '---:', '---:', '---:', ...(ungraded ? ['---:'] : []), '---:', ...(k ? ['---:', '---:', '---:'] : []), '---:', '---:', '---:']),
    );
    for (const row of run.summary) {
      lines.push(
        tableRow([
          cell(row.suite),
          cell(row.model),
          cell(`${row.promptId}@${row.promptVersion}`),
          String(row.cases),
          String(row.passed),
          String(row.failed),
          String(row.errored),
          ...(ungraded ? [String(row.ungraded ?? 0)] : []),
          formatRowPassRate(row),
          ...(k ? [formatRepeatRate(row.repeatStats, 'passAtK'), formatRepeatRate(row.repeatStats, 'passHatK'), row.repeatStats ? String(row.repeatStats.flaky) : '–'] : []),
          formatScore(row.meanScore),
          formatMsPair(row.latencyP50, row.latencyP95),
          formatCost(row.costUsd),
        ]),
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The flakiest cases first: how many repeats passed on each side. */
function flakyTable(list: Flakiest<CaseResult>, run: RunHeader): string[] {
  const comparing = run.comparison !== undefined || list.items.some((c) => c.baseline);
  const header = comparing
    ? [tableRow(['Case', 'Suite › model', 'Baseline passed', 'Candidate passed', 'Change']), tableRow(['---', '---', '---:', '---:', '---'])]
    : [tableRow(['Case', 'Suite › model', 'Passed', 'Status']), tableRow(['---', '---', '---:', '---'])];
  const rows = list.items.map((c) => {
    const name = `${escapeMarkdownCell(caseLabel(c))}${c.description ? `<br>${escapeMarkdownCell(c.caseId)}` : ''}`;
    const where = escapeMarkdownCell(groupName(c.suite, c.model));
    return comparing
      ? tableRow([name, where, formatRepeatsPassed(c.baseline), formatRepeatsPassed(c), escapeMarkdownCell(c.change ?? '')])
      : tableRow([name, where, formatRepeatsPassed(c), c.status]);
  });
  const more = list.total - list.items.length;
  return [...header, ...rows, more > 0 ? `\n…and ${more} more.\n` : ''];
}

function outputCell(output: string | null, maxOutput: number): string {
  return output === null ? '–' : escapeMarkdownCell(shorten(output, maxOutput));
}

function caseTable(items: CaseResult[], total: number, run: RunHeader, maxOutput: number): string[] {
  const comparing = run.comparison !== undefined || items.some((c) => c.baseline);
  const header = comparing
    ? [tableRow(['Case', 'Suite › model', 'Baseline output', 'Candidate output', 'Why']), tableRow(['---', '---', '---', '---', '---'])]
    : [tableRow(['Case', 'Suite › model', 'Output', 'Why']), tableRow(['---', '---', '---', '---'])];
  const rows = items.map((c) => {
    const why = shorten(caseReasons(c).join('\n'), MAX_REASONS);
    const name = `${escapeMarkdownCell(caseLabel(c))}${c.description ? `<br>${escapeMarkdownCell(c.caseId)}` : ''}`;
    const where = escapeMarkdownCell(groupName(c.suite, c.model));
    const candidate = outputCell(firstOutput(c), maxOutput);
    return comparing
      ? tableRow([name, where, outputCell(firstOutput(c.baseline), maxOutput), candidate, escapeMarkdownCell(why)])
      : tableRow([name, where, candidate, escapeMarkdownCell(why)]);
  });
  const more = total - items.length;
  return [...header, ...rows, more > 0 ? `\n…and ${more} more.\n` : ''];
}

function caseReasons(c: CaseResult): string[] {
  const reasons: string[] = [];
  if (c.change === 'regressed') reasons.push(regressionMessage(c));
  // Before the grader reasons, so the cut (MAX_REASONS) keeps it.
  reasons.push(...caseToolDiffLines(c, { maxLines: 8, maxValue: 60 }));
  reasons.push(...sideReasons(c));
  if (c.baseline?.status === 'error') {
    reasons.push(...sideReasons(c.baseline).map((r) => `baseline ${baselineVersionLabel(c)}: ${r}`));
  } else if (c.change === 'unchanged-fail') {
    reasons.push(`also failed on baseline ${baselineVersionLabel(c)}`);
  }
  return reasons;
}

/** Joins blocks (and table rows) until the byte budget is used, then adds a truncation note. */
function fitToBytes(blocks: string[], maxBytes: number): string {
  const whole = blocks.join('\n');
  if (Buffer.byteLength(whole, 'utf8') <= maxBytes) return whole;
  const budget = maxBytes - Buffer.byteLength(TRUNCATION_NOTE, 'utf8');
  const lines = whole.split('\n');
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (used + size > budget) break;
    kept.push(line);
    used += size;
  }
  return kept.join('\n') + '\n' + TRUNCATION_NOTE;
}

/** A reporter that writes `<runDir>/summary.md` when the run ends. */
export function createMarkdownReporter(options: MarkdownOptions = {}): Reporter {
  return {
    name: 'markdown',
    async onRunEnd(run, cases, runDir) {
      const file = join(runDir, 'summary.md');
      await writeFile(file, await renderMarkdown(run, cases(), options), 'utf8');
      return [file];
    },
  };
}
