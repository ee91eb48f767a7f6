import { Flakiest } from '../../run-record/flakiness.js';
import type { DriftReport, RunHeader } from '../../run-record/types.js';
import type { ReportCase } from './data.js';
import {
  budgetLines,
  COMPARISON_COST_NOTE,
  comparisonCostRows,
  comparedRepeatCells,
  describeAdaptive,
  describeSampling,
  describeSide,
  errorBreakdown,
  formatCost,
  formatDeltaWithCi,
  formatMs,
  formatMsPair,
  formatPercent,
  formatRepeatRate,
  formatRowPassRate,
  formatScore,
  formatScoreDeltaWithCi,
  formatTokenTotal,
  gateOf,
  groupName,
  repeatCountOf,
  verdictLabel,
  type VerdictLabel,
} from '../format.js';

/** A table cell as the page shows it: text, and a badge kind or a colour class from a closed set. */
export interface ViewCell {
  text: string;
  badge?: 'pass' | 'fail' | 'inconclusive' | 'none';
  tone?: 'delta-neg' | 'delta-pos';
}

export interface ViewTable {
  head: string[];
  numeric: boolean[];
  rows: ViewCell[][];
}

/** A further block of the page (e.g. drift): a heading, lines of text, and tables with captions. */
export interface ViewSection {
  title: string;
  testid: string;
  lines: string[];
  tables: Array<{ caption: string; table: ViewTable }>;
}

/** The run-level parts of the page, formatted in Node so the browser script only lays them out. */
export interface ReportView {
  title: string;
  verdict: VerdictLabel;
  facts: Array<[label: string, value: string]>;
  reasons: string[];
  table: ViewTable;
  sections: ViewSection[];
  /** Pass rates per suite × model; `baseline` null when nothing was compared. */
  chart: Array<{ label: string; baseline: number | null; candidate: number }>;
}

function durationMs(run: RunHeader): number | null {
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** Formats the header, summary table and chart of a run for the HTML page. */
export function buildReportView(run: RunHeader): ReportView {
  const gate = gateOf(run);
  const t = run.totals;
  const facts: ReportView['facts'] = [
    ['Run', run.runId],
    ['Status', run.status],
    ['Started', run.startedAt],
    ['Duration', formatMs(durationMs(run))],
    ['Cases', `${t.cases} (${t.passed} passed, ${t.failed} failed, ${t.errored} errored${t.ungraded ? `, ${t.ungraded} ungraded` : ''})`],
    ['Calls', `${t.calls} (${t.cachedCalls} cached)`],
    ['Tokens', formatTokenTotal(t.inputTokens, t.outputTokens)],
    ['Cost', formatCost(t.costUsd)],
    ['promptgate', run.promptgateVersion],
  ];
  if (run.comparison) {
    facts.splice(2, 0, ['Baseline', describeSide(run.comparison.baseline)], ['Candidate', describeSide(run.comparison.candidate)]);
    if (run.comparison.sampling) facts.splice(4, 0, ['Sampling', describeSampling(run.comparison.sampling)]);
    if (run.comparison.adaptive) facts.splice(run.comparison.sampling ? 5 : 4, 0, ['Adaptive', describeAdaptive(run.comparison.adaptive)]);
  }
  if (run.budget) facts.push(['Budget', `${formatCost(run.budget.spentUsd)} of ${formatCost(run.budget.maxCostUsd)} spent (estimate ${formatCost(run.budget.estimateUsd)})`]);
  facts.push(...errorBreakdown(t));
  for (const note of run.notes ?? []) facts.push(['Note', note]);
  for (const line of budgetLines(run)) facts.push(['Stopped', line]);

  return {
    title: `promptgate ${run.command}`,
    verdict: verdictLabel(gate),
    facts,
    reasons: gate?.reasons ?? [],
    table: run.comparison ? comparisonTable(run) : summaryTable(run),
    sections: [...(run.comparison ? costSection(run.comparison) : []), ...(run.drift ? [driftSection(run.drift)] : [])],
    chart: chart(run),
  };
}

/** Compare / ci / drift: what each side's answers cost per suite × model and in total (none in runs written before it). */
export function costSection(comparison: NonNullable<RunHeader['comparison']>): ViewSection[] {
  const rows = comparisonCostRows(comparison);
  if (rows.length === 0) return [];
  const table: ViewTable = {
    head: ['Suite', 'Model', 'Baseline', 'Candidate', 'Change'],
    numeric: [false, false, true, true, true],
    rows: rows.map(([suite, model, baseline, candidate, change], i) => {
      const delta = i < comparison.rows.length ? comparison.rows[i].cost?.deltaUsd : comparison.cost?.deltaUsd;
      return [{ text: suite }, { text: model }, { text: baseline }, { text: candidate }, { text: change, tone: delta && delta > 0 ? 'delta-neg' : delta && delta < 0 ? 'delta-pos' : undefined }];
    }),
  };
  return [{ title: 'Cost', testid: 'cost', lines: [`${COMPARISON_COST_NOTE[0].toUpperCase()}${COMPARISON_COST_NOTE.slice(1)}.`], tables: [{ caption: 'Per suite × model', table }] }];
}

/** What `promptgate drift` found against its stored run: the same facts as summary.md's drift block. */
export function driftSection(drift: DriftReport, maxErrors = 50): ViewSection {
  const lines = [`Against stored run ${drift.baseline.runId} (${drift.baseline.file}, ${drift.baseline.startedAt}).`];
  const tables: ViewSection['tables'] = [];
  if (drift.modelChanges.length === 0) lines.push('Model versions: unchanged.');
  else {
    tables.push({
      caption: 'Model versions that changed',
      table: {
        head: ['Model', 'Before', 'Now'],
        numeric: [false, false, false],
        rows: drift.modelChanges.map((change) => [{ text: change.model }, { text: change.before.join(', ') || '–' }, { text: change.after.join(', ') || '–', tone: 'delta-neg' }]),
      },
    });
  }
  if (drift.outputs.length > 0) {
    tables.push({
      caption: 'Outputs that changed',
      table: {
        head: ['Suite', 'Model', 'Changed / compared', 'Share'],
        numeric: [false, false, true, true],
        rows: drift.outputs.map((row) => [{ text: row.suite }, { text: row.model }, { text: `${row.changed} / ${row.compared}` }, { text: formatPercent(row.share), tone: row.changed > 0 ? 'delta-neg' : undefined }]),
      },
    });
  }
  if (drift.newErrorCount === 0) lines.push('New errors: none.');
  else {
    const shown = drift.newErrors.slice(0, maxErrors);
    tables.push({
      caption: `New errors (${drift.newErrorCount}${drift.newErrorCount > shown.length ? `, first ${shown.length} shown` : ''})`,
      table: {
        head: ['Case', 'Suite', 'Model', 'Error'],
        numeric: [false, false, false, false],
        rows: shown.map((error) => [{ text: error.caseId }, { text: error.suite }, { text: error.model }, { text: `${error.code}: ${error.message}`, tone: 'delta-neg' }]),
      },
    });
  }
  return { title: 'Drift', testid: 'drift', lines, tables };
}

/** The flakiest cases (some but not all repeats passed, on either side), flakiest first; undefined when none is flaky. */
export function flakySection(cases: ReportCase[], max = 20): ViewSection | undefined {
  const top = new Flakiest<ReportCase>(max);
  for (const c of cases) if (c.flakiness?.flaky) top.offer(c, c.flakiness.score);
  if (top.total === 0) return undefined;
  const comparing = cases.some((c) => c.baseline);
  const shown = top.items;
  return {
    title: 'Flaky cases',
    testid: 'flaky',
    lines: [`${top.total} case(s) passed some but not all of their repeats, flakiest first${top.total > shown.length ? ` (the first ${shown.length} shown; the Flaky filter below lists all of them)` : ''}.`],
    tables: [
      {
        caption: 'Flakiest cases',
        table: {
          head: ['Case', 'Suite › model', ...(comparing ? ['Baseline passed', 'Candidate passed', 'Change'] : ['Passed', 'Status'])],
          numeric: [false, false, ...(comparing ? [true, true, false] : [true, false])],
          rows: shown.map((c): ViewCell[] => [
            { text: c.description ? `${c.description} (${c.caseId})` : c.caseId },
            { text: groupName(c.suite, c.model) },
            ...(comparing ? [{ text: c.flakiness!.baseline ?? '–' }, { text: c.flakiness!.candidate }, { text: c.change ?? '' }] : [{ text: c.flakiness!.candidate }, { text: c.status }]),
          ]),
        },
      },
    ],
  };
}

function comparisonTable(run: RunHeader): ViewTable {
  // An Ungraded column only when some case had nothing to grade it.
  const ungraded = (run.comparison?.rows ?? []).some((r) => (r.counts.ungraded ?? 0) > 0);
  const k = repeatCountOf(run.summary);
  const repeatHead = k ? [`pass@${k} · pass^${k}`, 'Flaky'] : [];
  const head = ['Suite', 'Model', 'Cases', 'Baseline', 'Candidate', 'Δ pass rate [CI]', 'Δ score [CI]', 'Regressed', 'Improved', 'Errored', ...(ungraded ? ['Ungraded'] : []), ...repeatHead, 'Test', 'Verdict'];
  const numeric = head.map((_, i) => i >= 2 && i <= (ungraded ? 10 : 9) + repeatHead.length);
  const rows = (run.comparison?.rows ?? []).map((r): ViewCell[] => {
    const summary = run.summary.find((row) => row.suite === r.suite && row.model === r.model);
    const v = verdictLabel({ verdict: r.verdict, reasons: r.reasons });
    const deltaTone = r.passRateDeltaCi[1] < 0 ? 'delta-neg' : r.passRateDeltaCi[0] > 0 ? 'delta-pos' : undefined;
    return [
      { text: r.suite },
      { text: r.model },
      { text: String(r.cases) },
      { text: formatPercent(r.baselinePassRate) },
      { text: formatPercent(r.candidatePassRate) },
      { text: formatDeltaWithCi(r.passRateDelta, r.passRateDeltaCi), tone: deltaTone },
      { text: formatScoreDeltaWithCi(r.scoreDelta, r.scoreDeltaCi) },
      { text: String(r.counts.regressed ?? 0), tone: (r.counts.regressed ?? 0) > 0 ? 'delta-neg' : undefined },
      { text: String(r.counts.improved ?? 0), tone: (r.counts.improved ?? 0) > 0 ? 'delta-pos' : undefined },
      { text: String(r.counts.errored ?? 0) },
      ...(ungraded ? [{ text: String(r.counts.ungraded ?? 0) }] : []),
      ...(k ? comparedRepeatCells(summary).map((text) => ({ text })) : []),
      { text: r.pValue === null ? r.test : `${r.test} (p = ${r.pValue.toPrecision(2)})` },
      { text: r.reasons.length > 0 ? `${v.text}: ${r.reasons.join('; ')}` : v.text, badge: v.kind },
    ];
  });
  return { head, numeric, rows };
}

function summaryTable(run: RunHeader): ViewTable {
  const ungraded = run.summary.some((r) => (r.ungraded ?? 0) > 0);
  const k = repeatCountOf(run.summary);
  const repeatHead = k ? [`pass@${k}`, `pass^${k}`, 'Flaky'] : [];
  const head = ['Suite', 'Model', 'Prompt', 'Cases', 'Passed', 'Failed', 'Errored', ...(ungraded ? ['Ungraded'] : []), 'Pass rate', ...repeatHead, 'Score', 'p50 / p95', 'Cost', 'Model reported'];
  const numeric = head.map((_, i) => i >= 3 && i <= (ungraded ? 11 : 10) + repeatHead.length);
  const rows = run.summary.map((r): ViewCell[] => [
    { text: r.suite },
    { text: r.model },
    { text: `${r.promptId}@${r.promptVersion} (${r.promptHash})` },
    { text: String(r.cases) },
    { text: String(r.passed) },
    { text: String(r.failed), tone: r.failed > 0 ? 'delta-neg' : undefined },
    { text: String(r.errored) },
    ...(ungraded ? [{ text: String(r.ungraded ?? 0) }] : []),
    { text: formatRowPassRate(r) },
    ...(k ? [{ text: formatRepeatRate(r.repeatStats, 'passAtK') }, { text: formatRepeatRate(r.repeatStats, 'passHatK') }, { text: r.repeatStats ? String(r.repeatStats.flaky) : '–' }] : []),
    { text: formatScore(r.meanScore) },
    { text: formatMsPair(r.latencyP50, r.latencyP95) },
    { text: formatCost(r.costUsd) },
    { text: r.modelsReported.join(', ') || '–' },
  ]);
  return { head, numeric, rows };
}

function chart(run: RunHeader): ReportView['chart'] {
  if (run.comparison) {
    return run.comparison.rows.map((r) => ({
      label: groupName(r.suite, r.model),
      baseline: r.baselinePassRate,
      candidate: r.candidatePassRate,
    }));
  }
  return run.summary.map((r) => ({ label: groupName(r.suite, r.model), baseline: null, candidate: r.passRate }));
}
