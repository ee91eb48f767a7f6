/**
 * One severity order and one set of formatters (src/reporters/severity.ts, numbers.ts): the same
 * synthetic run rendered by the console, summary.md, junit.xml, the GitHub annotations and
 * report.html lists its cases in the same order and writes its figures the same way in each.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildReportData } from '../../src/reporters/html/data.js';
import { buildReportView } from '../../src/reporters/html/view.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import type { RunFile } from '../../src/run-record/types.js';
import { renderRunAnnotations } from '../../src/workflows/annotations.js';
import { consoleText, makeRepeatRun, makeRun, streamOf, type CaseSpec } from './synthetic.js';

/** Every rendering of one run, and the case ids each lists, in its order. */
async function renderAll(run: RunFile) {
  const consoleOut = await consoleText(run);
  const md = await renderMarkdown(run, streamOf(run.cases));
  const xml = await renderJunit(run, streamOf(run.cases));
  const annotations = await renderRunAnnotations(run, streamOf(run.cases), () => 'prompts/support.prompt');
  const data = await buildReportData(run, streamOf(run.cases));
  const view = buildReportView(data.run);
  const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml);
  const beforeFlaky = (text: string, marker: string) => (text.includes(marker) ? text.slice(0, text.indexOf(marker)) : text);
  return {
    consoleOut,
    md,
    view,
    junit,
    order: {
      // Listed case lines (✗ regressed or failing, ! errored, ? ungraded), not the flaky list.
      console: [...beforeFlaky(consoleOut, '\nFlaky (').matchAll(/^ {2}[✗!?] support › gpt-4o-mini › (\S+) \(/gm)].map((m) => m[1]),
      markdown: [...beforeFlaky(md, '\n## Flaky cases').matchAll(/^\| (case-[\w-]+) \|/gm)].map((m) => m[1]),
      junit: (junit.testsuites.testsuite[0].testcase as Array<{ name: string }>).map((t) => t.name),
      annotations: annotations.map((line) => /title=promptgate%3A (?:regressed|errored)%3A support › gpt-4o-mini › (\S+?)::/.exec(line)?.[1]).filter((id) => id !== undefined),
      html: data.cases.map((c) => c.caseId),
    },
  };
}

// Cases in a scrambled run order; ids name their kind.
const SPECS: CaseSpec[] = [
  { kind: 'unchanged-pass', id: 'case-pass' },
  { kind: 'unchanged-fail', id: 'case-fail-1' },
  { kind: 'errored', id: 'case-errored-1' },
  { kind: 'regressed', id: 'case-regressed-1' },
  { kind: 'ungraded', compare: true, id: 'case-ungraded' },
  { kind: 'improved', id: 'case-improved' },
  { kind: 'regressed', id: 'case-regressed-2' },
  { kind: 'unchanged-fail', id: 'case-fail-2' },
  { kind: 'errored', id: 'case-errored-2' },
];
const SEVERITY_ORDER = ['case-regressed-1', 'case-regressed-2', 'case-errored-1', 'case-errored-2', 'case-fail-1', 'case-fail-2', 'case-ungraded', 'case-improved', 'case-pass'];

describe('one order and one set of formatters in every report', () => {
  it('lists cases most severe first -- regressed, errored, failing, ungraded, then the rest -- in each report', async () => {
    const { order } = await renderAll(makeRun({ cases: 0, extra: SPECS }));
    const notable = SEVERITY_ORDER.slice(0, 7);
    expect(order.html).toEqual(SEVERITY_ORDER);
    expect(order.junit).toEqual(SEVERITY_ORDER);
    expect(order.console).toEqual(notable);
    expect(order.markdown).toEqual(notable);
    // Annotations flag what a pull request must look at: regressions (errors), then errored cases (warnings).
    expect(order.annotations).toEqual(notable.filter((id) => /regressed|errored/.test(id)));
  });

  it('puts the flakiest first within a severity, then run order, in each report', async () => {
    // [baseline, candidate] repeats passed of 4: case-0/1/5 regressed (flakiness 0, 0.75, 1),
    // case-2/3/4 failing on both sides (0, 0.75, 0.75).
    const run = makeRepeatRun([[4, 0], [4, 1], [0, 0], [1, 1], [0, 1], [2, 0]], 4);
    const { order } = await renderAll(run);
    const expected = ['case-5', 'case-1', 'case-0', 'case-3', 'case-4', 'case-2'];
    expect(order.html).toEqual(expected);
    expect(order.junit).toEqual(expected);
    expect(order.console).toEqual(expected);
    expect(order.markdown).toEqual(expected);
    expect(order.annotations).toEqual(expected.slice(0, 3));
  });

  it('writes pass rates, deltas, latencies, costs, tokens and error counts the same way in each report', async () => {
    const run = makeRun({ cases: 0, extra: SPECS });
    const { consoleOut, md, view, junit } = await renderAll(run);
    // 2 of 9 pass on the candidate, 6 of 9 on the baseline; the synthetic CI is delta ± 5 pp.
    const figures = {
      candidate: '22.2%',
      baseline: '66.7%',
      delta: '−44.4 pp [−49.4, −39.4]',
      tokens: '1485 tokens (1080 in / 405 out)',
      cost: '$0.0011',
      errors: 'PROVIDER_TIMEOUT ×2',
    };
    for (const text of [consoleOut, md]) {
      for (const figure of Object.values(figures)) expect(text).toContain(figure);
      expect(text).toContain(`cost ${figures.cost}`);
      expect(text).toContain(`Errored calls by cause: ${figures.errors}`);
    }
    const row = view.table.rows[0].map((c) => c.text);
    expect(row).toEqual(expect.arrayContaining([figures.baseline, figures.candidate, figures.delta]));
    expect(view.facts).toEqual(expect.arrayContaining([['Tokens', figures.tokens], ['Cost', figures.cost], ['Errored calls by cause', figures.errors]]));
    const props = Object.fromEntries((junit.testsuites.testsuite[0].properties.property as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));
    expect(props).toMatchObject({ 'pass.rate': figures.candidate, 'baseline.pass.rate': figures.baseline, 'pass.rate.delta': figures.delta, cost: figures.cost, 'latency.p50/p95': '400 ms / 420 ms' });

    // Without a comparison: the summary row's pass rate, latencies and cost, alike in each report.
    const plain = makeRun({ cases: 20, compare: false });
    const single = await renderAll(plain);
    const same = ['80.0%', '400 ms / 420 ms', '$0.0024'];
    for (const figure of same) {
      expect(single.consoleOut).toContain(figure);
      expect(single.md).toContain(figure);
      expect(single.view.table.rows[0].map((c) => c.text)).toContain(figure);
    }
    const plainProps = Object.fromEntries((single.junit.testsuites.testsuite[0].properties.property as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));
    expect([plainProps['pass.rate'], plainProps['latency.p50/p95'], plainProps.cost]).toEqual(same);
  });
});
