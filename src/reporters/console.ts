import Table from 'cli-table3';
import pc from 'picocolors';
import { Flakiest, caseFlakinessScore } from '../run-record/flakiness.js';
import type { CaseResult, ComparisonRow, RunHeader, SummaryRow } from '../run-record/types.js';
import {
  answerText,
  caseLabel,
  caseToolDiffLines,
  describeAdaptive,
  describeSampling,
  describeSide,
  budgetLines,
  COMPARISON_COST_NOTE,
  comparisonCostRows,
  errorBreakdown,
  formatCost,
  formatDeltaWithCi,
  formatMsPair,
  formatPercent,
  formatRepeatsPassed,
  formatRepeatStats,
  formatRowPassRate,
  formatScore,
  formatTokens,
  formatTokenTotal,
  groupName,
  repeatCountOf,
  sideError,
  verdictLabel,
} from './format.js';
import { NotableCases, SEVERITY_TITLES, UNGRADED_NOTE } from './severity.js';
import { oneLine } from './terminal-text.js';
import type { Reporter, ReporterOptions } from './types.js';

const MAX_LISTED = 10;
/** Lines of a regressed case's tool-call diff shown in the terminal. */
const MAX_TOOL_DIFF_LINES = 6;

/** The summary a person reads in the terminal: a table per suite × model, then what failed. */
export function createConsoleReporter(options: ReporterOptions = {}): Reporter {
  const out = options.stream ?? process.stdout;
  const print = (line = '') => out.write(`${line}\n`);
  return {
    name: 'console',
    async onRunEnd(run, cases, runDir) {
      print();
      if (run.comparison) {
        print(`Baseline:  ${oneLine(describeSide(run.comparison.baseline), 400)}`);
        print(`Candidate: ${oneLine(describeSide(run.comparison.candidate), 400)}`);
        if (run.comparison.sampling) print(`Sampling:  ${oneLine(describeSampling(run.comparison.sampling), 400)}`);
        if (run.comparison.adaptive) print(`Adaptive:  ${oneLine(describeAdaptive(run.comparison.adaptive), 400)}`);
        print(renderComparisonTable(run.comparison.rows));
        for (const line of renderCostTable(run.comparison)) print(line);
      }
      else print(renderSummaryTable(run.summary));
      for (const line of renderRepeatStats(run)) print(line);
      const listed = await collectNotable(cases());
      for (const line of renderNotable(listed)) print(line);
      print(renderTotals(run));
      print(pc.dim(`Run folder: ${runDir}`));
    },
  };
}

export function renderSummaryTable(rows: SummaryRow[]): string {
  // The Ungraded column shows only when some case had nothing to grade it (pass rates are over graded cases).
  const ungraded = rows.some((row) => (row.ungraded ?? 0) > 0);
  const table = new Table({
    head: ['Suite', 'Model', 'Prompt', 'Cases', 'Passed', 'Failed', 'Errored', ...(ungraded ? ['Ungraded'] : []), 'Pass rate', 'Score', 'Tokens', 'p50 / p95', 'Cost'],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push([
      row.suite,
      row.model,
      `${row.promptId}@${row.promptVersion} ${row.promptHash}`,
      row.cases,
      pc.green(String(row.passed)),
      row.failed ? pc.red(String(row.failed)) : '0',
      row.errored ? pc.yellow(String(row.errored)) : '0',
      ...(ungraded ? [row.ungraded ? pc.yellow(String(row.ungraded)) : '0'] : []),
      formatRowPassRate(row),
      formatScore(row.meanScore),
      formatTokens(row.inputTokens, row.outputTokens),
      formatMsPair(row.latencyP50, row.latencyP95),
      formatCost(row.costUsd),
    ]);
  }
  return table.toString();
}

export function renderComparisonTable(rows: ComparisonRow[]): string {
  const ungraded = rows.some((row) => (row.counts.ungraded ?? 0) > 0);
  const table = new Table({
    head: ['Suite', 'Model', 'Cases', 'Baseline', 'Candidate', 'Δ pass rate [CI]', 'Regressed', 'Improved', 'Errored', ...(ungraded ? ['Ungraded'] : []), 'Verdict'],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    const v = verdictLabel({ verdict: row.verdict, reasons: row.reasons });
    const verdict = v.kind === 'pass' ? pc.green(v.text) : v.kind === 'fail' ? pc.red(v.text.toUpperCase()) : pc.yellow(v.text);
    table.push([
      row.suite,
      row.model,
      row.cases,
      formatPercent(row.baselinePassRate),
      formatPercent(row.candidatePassRate),
      formatDeltaWithCi(row.passRateDelta, row.passRateDeltaCi),
      row.counts.regressed ? pc.red(String(row.counts.regressed)) : '0',
      row.counts.improved ? pc.green(String(row.counts.improved)) : '0',
      row.counts.errored ? pc.yellow(String(row.counts.errored)) : '0',
      ...(ungraded ? [row.counts.ungraded ? pc.yellow(String(row.counts.ungraded)) : '0'] : []),
      verdict,
    ]);
  }
  return table.toString();
}

/** Compare / ci / drift: what each side's answers cost per suite × model and in total, and the change. */
export function renderCostTable(comparison: NonNullable<RunHeader['comparison']>): string[] {
  const rows = comparisonCostRows(comparison);
  if (rows.length === 0) return [];
  const table = new Table({ head: ['Suite', 'Model', 'Baseline cost', 'Candidate cost', 'Change'], style: { head: [], border: [] } });
  for (const [suite, model, ...rest] of rows) table.push([oneLine(suite, 60), oneLine(model, 60), ...rest]);
  return [pc.dim(`Cost: ${COMPARISON_COST_NOTE}`), table.toString()];
}

/** With repeats: pass@k, pass^k and the flaky count per suite × model (candidate, and baseline when comparing). */
export function renderRepeatStats(run: RunHeader): string[] {
  const k = repeatCountOf(run.summary);
  if (!k) return [];
  return run.summary.map((row) => {
    const baseline = row.baselineRepeatStats ? ` · baseline ${formatRepeatStats(row.baselineRepeatStats)}` : '';
    return `${groupName(row.suite, row.model)}: ${run.comparison ? 'candidate ' : ''}${formatRepeatStats(row.repeatStats)}${baseline}`;
  });
}

interface Notable {
  cases: NotableCases;
  flakiest: Flakiest<CaseResult>;
}

/** The notable cases (severity.ts: regressed, errored, failing, ungraded) and the flakiest, at most MAX_LISTED of each. */
async function collectNotable(cases: AsyncIterable<CaseResult>): Promise<Notable> {
  const notable: Notable = { cases: new NotableCases(MAX_LISTED), flakiest: new Flakiest(MAX_LISTED) };
  for await (const result of cases) {
    notable.flakiest.offer(result, caseFlakinessScore(result));
    notable.cases.offer(result);
  }
  return notable;
}

function renderNotable(notable: Notable): string[] {
  const lines: string[] = [];
  const section = (title: string, list: CaseResult[], count: number, render: (c: CaseResult) => string[], note?: string) => {
    if (!count) return;
    lines.push('', `${pc.bold(`${title} (${count})`)}${note ? pc.dim(` ${note}`) : ''}`);
    for (const result of list) lines.push(...render(result));
    if (count > list.length) lines.push(pc.dim(`  … and ${count - list.length} more (see run.json or --reporter html)`));
  };
  const title = (c: CaseResult) => `${groupName(c.suite, c.model)} › ${oneLine(caseLabel(c), 60)} ${pc.dim(`(${c.source.file}:${c.source.line})`)}`;
  const { cases } = notable;
  section(SEVERITY_TITLES.regressed, cases.list('regressed'), cases.counts.regressed, (c) => [
    `  ${pc.red('✗')} ${title(c)}`,
    `      baseline ${c.baseline?.promptVersion ?? '?'}: ${oneLine(answerText(c.baseline?.repeats[0]) ?? '', 70)}`,
    `      candidate ${c.promptVersion}: ${oneLine(answerText(c.repeats[0]) ?? '', 70)}`,
    ...caseToolDiffLines(c, { maxLines: MAX_TOOL_DIFF_LINES, maxValue: 40 }).map((line) => `      ${oneLine(line, 120)}`),
    `      ${pc.dim(oneLine(firstReason(c), 100))}`,
  ]);
  section(SEVERITY_TITLES.errored, cases.list('errored'), cases.counts.errored, (c) => {
    const candidate = sideError(c);
    const error = candidate ?? sideError(c.baseline);
    const side = !candidate && error ? 'baseline: ' : '';
    return [`  ${pc.yellow('!')} ${title(c)}`, `      ${oneLine(error ? `${side}${error.code}: ${error.message}` : 'error', 100)}`];
  });
  section(SEVERITY_TITLES.failing, cases.list('failing'), cases.counts.failing, (c) => [
    `  ${pc.red('✗')} ${title(c)}`,
    `      output: ${oneLine(answerText(c.repeats[0]) ?? '', 80)}`,
    `      ${pc.dim(oneLine(firstReason(c), 100))}`,
  ]);
  section(SEVERITY_TITLES.ungraded, cases.list('ungraded'), cases.counts.ungraded, (c) => [`  ${pc.yellow('?')} ${title(c)}`], UNGRADED_NOTE);
  section('Flaky', notable.flakiest.items, notable.flakiest.total, (c) => [
    `  ${pc.yellow('~')} ${title(c)}`,
    `      repeats passed: ${c.baseline ? `baseline ${formatRepeatsPassed(c.baseline)} → candidate ${formatRepeatsPassed(c)}` : formatRepeatsPassed(c)}`,
  ], 'some but not all repeats passed; flakiest first');
  return lines;
}

function firstReason(result: CaseResult): string {
  const failing = result.repeats.find((r) => r.grade && !r.grade.pass);
  return failing?.grade?.reason ?? '';
}

function renderTotals(run: RunHeader): string {
  const t = run.totals;
  const parts = [
    `${t.cases} cases`,
    pc.green(`${t.passed} passed`),
    t.failed ? pc.red(`${t.failed} failed`) : `${t.failed} failed`,
    t.errored ? pc.yellow(`${t.errored} errored`) : `${t.errored} errored`,
    ...(t.ungraded ? [pc.yellow(`${t.ungraded} ungraded`)] : []),
    `${t.calls} calls (${t.cachedCalls} cached)`,
    formatTokenTotal(t.inputTokens, t.outputTokens),
  ];
  if (t.costUsd !== null) parts.push(`cost ${formatCost(t.costUsd)}`);
  if (run.budget) parts.push(`budget ${formatCost(run.budget.spentUsd)} of ${formatCost(run.budget.maxCostUsd)} spent`);
  const lines = ['', parts.join(' · ')];
  for (const [label, counts] of errorBreakdown(t)) lines.push(pc.yellow(`${label}: ${counts}`));
  for (const note of run.notes ?? []) lines.push(pc.yellow(`Note: ${oneLine(note, 300)}`));
  if (run.status === 'interrupted') lines.push(pc.yellow('Interrupted: finished work was kept. Resume with --resume <run folder>.'));
  for (const line of budgetLines(run)) lines.push(pc.yellow(line));
  if (run.gate) {
    const verdict = run.gate.verdict === 'pass' ? pc.green('Gate: PASS') : run.gate.verdict === 'fail' ? pc.red('Gate: FAIL') : run.gate.verdict === 'inconclusive' ? pc.yellow('Gate: INCONCLUSIVE') : pc.yellow('Gate: NO VERDICT');
    lines.push(`${verdict}${run.gate.reasons.length ? ` — ${run.gate.reasons.map((r) => oneLine(r, 200)).join('; ')}` : ''}`);
  }
  return lines.join('\n');
}
