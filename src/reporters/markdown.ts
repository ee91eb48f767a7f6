import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Flakiest, caseFlakinessScore } from '../run-record/flakiness.js';
import type { CaseResult, RunHeader, SummaryRow } from '../run-record/types.js';
import { escapeMarkdownCell, escapeMarkdownInline, shorten } from './escape.js';
import {
  baselineVersionLabel,
  caseLabel,
  comparedRepeatCells,
  describeAdaptive,
  describeSampling,
  describeSide,
  firstOutput,
  formatCost,
  formatDeltaWithCi,
  formatMs,
  formatPercent,
  formatRepeatRate,
  formatRepeatsPassed,
  formatScore,
  gateOf,
  isErrored,
  isUngraded,
  repeatCountOf,
  regressionMessage,
  sideReasons,
  verdictLabel,
} from './format.js';
import { renderDriftMarkdown } from './markdown-drift.js';
import type { Reporter } from './types.js';

export interface MarkdownOptions {
  /** Cases listed per section (regressed; failing or errored); the rest are counted. @default 50 */
  maxCases?: number;
  /** Characters kept of each output. @default 200 */
  maxOutput?: number;
  /** Size limit in UTF-8 bytes (GitHub's step summary takes at most 1 MiB). @default 1048576 */
  maxBytes?: number;
}

const MAX_REASONS = 400;
const TRUNCATION_NOTE = '\n> ⚠️ This summary was truncated to stay within the size limit. The full results are in `run.json` and `report.html`.\n';

/** A bounded list: the first `max` items, and a count of the rest. */
class Capped<T> {
  readonly items: T[] = [];
  total = 0;
  constructor(private readonly max: number) {}
  add(item: T): void {
    this.total += 1;
    if (this.items.length < this.max) this.items.push(item);
  }
}

/**
 * Renders a run as GitHub-flavoured Markdown (for `summary.md` and `$GITHUB_STEP_SUMMARY`): the
 * verdict, totals, where the answers came from (comparisons), a row per suite × model (with pass@k,
 * pass^k and flaky counts when there are repeats), then regressed cases, the flaky ones (flakiest
 * first), then failing or errored ones.
 * Untrusted text is escaped; the result never exceeds `maxBytes`.
 */
export async function renderMarkdown(run: RunHeader, cases: AsyncIterable<CaseResult>, options: MarkdownOptions = {}): Promise<string> {
  const maxCases = options.maxCases ?? 50;
  const maxOutput = options.maxOutput ?? 200;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const regressed = new Capped<CaseResult>(maxCases);
  const problems = new Capped<CaseResult>(maxCases);
  const ungraded = new Capped<CaseResult>(maxCases);
  const flaky = new Flakiest<CaseResult>(maxCases);
  for await (const result of cases) {
    flaky.offer(result, caseFlakinessScore(result));
    if (result.change === 'regressed') regressed.add(result);
    else if (isUngraded(result)) ungraded.add(result);
    else if (result.status !== 'pass' || isErrored(result)) problems.add(result);
  }

  const blocks: string[] = [renderHeader(run), renderGroups(run)];
  if (run.drift) blocks.push(renderDriftMarkdown(run.drift));
  if (regressed.total > 0) {
    blocks.push(`## Regressed cases (${regressed.total})\n`, ...caseTable(regressed, run, maxOutput));
  }
  if (flaky.total > 0) {
    blocks.push(`## Flaky cases (${flaky.total}), flakiest first\n`, `Some but not all repeats passed${run.comparison ? ' (on either side)' : ''}.\n`, ...flakyTable(flaky, run));
  }
  if (problems.total > 0) {
    blocks.push(`## Failing or errored cases (${problems.total})\n`, ...caseTable(problems, run, maxOutput));
  }
  if (ungraded.total > 0) {
    blocks.push(`## Ungraded cases (${ungraded.total})\n`, 'No assertion and no output.schema: nothing graded them, and they are not counted as passes.\n', ...caseTable(ungraded, run, maxOutput));
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
    `**${t.cases}** cases · **${t.passed}** passed · **${t.failed}** failed · **${t.errored}** errored${ungraded} · ${t.calls} calls (${t.cachedCalls} cached) · ${t.inputTokens + t.outputTokens} tokens · cost ${formatCost(t.costUsd)}`,
    '',
  );
  const meta = [`Run \`${run.runId.replace(/`/g, '')}\``, run.status === 'interrupted' ? '**interrupted**' : 'complete'];
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
  const codes = Object.entries(t.errorsByCode);
  if (codes.length > 0) {
    lines.push(`Errors by code: ${codes.map(([code, n]) => `${escapeMarkdownInline(code)} × ${n}`).join(', ')}`, '');
  }
  const graders = Object.entries(t.graderErrorsByType ?? {});
  if (graders.length > 0) {
    lines.push(`Graders that errored (no verdict), by type: ${graders.map(([type, n]) => `${escapeMarkdownInline(type)} × ${n}`).join(', ')}`, '');
  }
  for (const note of run.notes ?? []) lines.push(`> ${escapeMarkdownInline(note)}`, '');
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
          row.passed + row.failed > 0 ? formatPercent(row.passRate) : '–',
          ...(k ? [formatRepeatRate(row.repeatStats, 'passAtK'), formatRepeatRate(row.repeatStats, 'passHatK'), row.repeatStats ? String(row.repeatStats.flaky) : '–'] : []),
          formatScore(row.meanScore),
          `${formatMs(row.latencyP50)} / ${formatMs(row.latencyP95)}`,
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
    const where = escapeMarkdownCell(`${c.suite} › ${c.model}`);
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

function caseTable(list: Capped<CaseResult>, run: RunHeader, maxOutput: number): string[] {
  const comparing = run.comparison !== undefined || list.items.some((c) => c.baseline);
  const header = comparing
    ? [tableRow(['Case', 'Suite › model', 'Baseline output', 'Candidate output', 'Why']), tableRow(['---', '---', '---', '---', '---'])]
    : [tableRow(['Case', 'Suite › model', 'Output', 'Why']), tableRow(['---', '---', '---', '---'])];
  const rows = list.items.map((c) => {
    const why = shorten(caseReasons(c).join('\n'), MAX_REASONS);
    const name = `${escapeMarkdownCell(caseLabel(c))}${c.description ? `<br>${escapeMarkdownCell(c.caseId)}` : ''}`;
    const where = escapeMarkdownCell(`${c.suite} › ${c.model}`);
    const candidate = outputCell(firstOutput(c), maxOutput);
    return comparing
      ? tableRow([name, where, outputCell(firstOutput(c.baseline), maxOutput), candidate, escapeMarkdownCell(why)])
      : tableRow([name, where, candidate, escapeMarkdownCell(why)]);
  });
  const more = list.total - list.items.length;
  return [...header, ...rows, more > 0 ? `\n…and ${more} more.\n` : ''];
}

function caseReasons(c: CaseResult): string[] {
  const reasons: string[] = [];
  if (c.change === 'regressed') reasons.push(regressionMessage(c));
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
