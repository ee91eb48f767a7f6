import { describe, expect, it } from 'vitest';
import { buildReportView } from '../../src/reporters/html/view.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import type { RunFile } from '../../src/run-record/types.js';
import { consoleText, HOSTILE, makeRun, streamOf } from './synthetic.js';

/** A comparison with two rows (one with a hostile suite name) whose costs are known, stopped by the budget. */
function costedRun(): RunFile {
  const run = makeRun({ cases: 10, models: ['gpt-4o-mini', 'claude-haiku'] });
  const comparison = run.comparison!;
  comparison.rows[0].suite = HOSTILE.markdown;
  comparison.rows[0].cost = { baselineUsd: 0.002, candidateUsd: 0.003, deltaUsd: 0.001 };
  comparison.rows[1].cost = { baselineUsd: 0.5, candidateUsd: 0.25, deltaUsd: -0.25 };
  comparison.cost = { baselineUsd: 0.502, candidateUsd: 0.253, deltaUsd: -0.249 };
  return {
    ...run,
    status: 'budget_exhausted',
    stopped: { reason: 'budget', message: 'the cost budget of $1 (--max-cost) stopped the run: $0.9990 spent; 4 of 20 case(s) were not run, so there is no verdict', resume: 'promptgate compare --resume reports/x --max-cost <more>' },
    budget: { maxCostUsd: 1, estimateUsd: 0.8, spentUsd: 0.999 },
  };
}

describe('cost in the reports', () => {
  it('summary.md: a Cost table per suite × model and the total, names escaped; the budget stop quoted', async () => {
    const run = costedRun();
    const md = await renderMarkdown(run, streamOf(run.cases));
    const table = md.slice(md.indexOf('### Cost'));
    expect(table).toContain('| Suite | Model | Baseline | Candidate | Change |');
    expect(table).toContain('| claude-haiku | $0.50 | $0.25 | −$0.25 (−50%) |');
    expect(table).toContain('| **Total** |  | $0.50 | $0.25 | −$0.25 (−50%) |');
    expect(table).toContain('| gpt-4o-mini | $0.0020 | $0.0030 | +$0.0010 (+50%) |');
    // The hostile suite name stays one cell: no raw pipe, newline, link or HTML.
    const hostileRow = table.split('\n').find((line) => line.includes('gpt-4o-mini'))!;
    expect(hostileRow).not.toContain('<b>');
    expect(hostileRow.split(/(?<!\\)\|/)).toHaveLength(7);
    expect(md).toContain('**stopped by the cost budget**');
    expect(md).toContain('budget $1.00 of $1.00 spent');
    expect(md).toContain('> Stopped by the cost budget: the cost budget of $1 (--max-cost) stopped the run');
    expect(md).toContain('> Finish it with a higher budget: promptgate compare --resume reports/x --max-cost &lt;more&gt;');
  });

  it('the console: the cost table and the stop', async () => {
    const text = await consoleText(costedRun());
    expect(text).toMatch(/claude-haiku\s+│\s+\$0\.50\s+│\s+\$0\.25\s+│\s+−\$0\.25 \(−50%\)/);
    expect(text).toMatch(/Total\s+│\s+│\s+\$0\.50\s+│\s+\$0\.25\s+│\s+−\$0\.25 \(−50%\)/);
    expect(text).toContain('Stopped by the cost budget:');
  });

  it('report.html data: a Cost section and the budget facts (as text the page escapes)', () => {
    const view = buildReportView(costedRun());
    const cost = view.sections.find((s) => s.testid === 'cost')!;
    expect(cost.tables[0].table.rows.map((row) => row.map((cell) => cell.text))).toEqual([
      [HOSTILE.markdown, 'gpt-4o-mini', '$0.0020', '$0.0030', '+$0.0010 (+50%)'],
      ['support', 'claude-haiku', '$0.50', '$0.25', '−$0.25 (−50%)'],
      ['Total', '', '$0.50', '$0.25', '−$0.25 (−50%)'],
    ]);
    expect(cost.tables[0].table.rows[0][4].tone).toBe('delta-neg');
    expect(view.facts).toContainEqual(['Budget', '$1.00 of $1.00 spent (estimate $0.80)']);
    expect(view.facts.find(([label]) => label === 'Stopped')?.[1]).toContain('the cost budget of $1');
  });

  it('runs written before costs were recorded show no cost table', async () => {
    const run = makeRun({ cases: 10 });
    expect(await renderMarkdown(run, streamOf(run.cases))).not.toContain('### Cost');
    expect(buildReportView(run).sections.some((s) => s.testid === 'cost')).toBe(false);
  });
});
